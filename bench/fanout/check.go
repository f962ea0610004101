package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

var (
	fullLine = strings.Repeat("A", 76)
	lastLine = strings.Repeat("A", 30) + "=="
)

// check verifies that every host's output arrived, complete and intact.
func check(t tool, w workload, path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	lines := map[string]int{}
	bytesOf := map[string]int{}
	headers := map[string]bool{}
	cur := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		var host, text string
		switch t.format {
		case "prefixed":
			i := strings.Index(line, ": ")
			if i < 0 {
				return fmt.Sprintf("unprefixed line %q", line)
			}
			host, text = line[:i], line[i+2:]
		case "blocks":
			if m := t.header.FindStringSubmatch(line); m != nil {
				if m[1] != "SUCCESS" {
					return "a host failed: " + line
				}
				cur = m[2]
				headers[cur] = true
				continue
			}
			if cur == "" {
				return fmt.Sprintf("output before any host header: %q", line)
			}
			host, text = cur, line
		}
		if text != fullLine && text != lastLine {
			return fmt.Sprintf("%s printed a wrong line %q", host, text)
		}
		lines[host]++
		bytesOf[host] += len(text) + 1
	}
	if err := sc.Err(); err != nil {
		return err.Error()
	}
	if t.format == "blocks" && len(headers) != n {
		return fmt.Sprintf("%d host headers, want %d", len(headers), n)
	}
	if w.lines == 0 {
		if len(lines) > 0 {
			return "output from a command that prints nothing"
		}
		return ""
	}
	if len(lines) != n {
		return fmt.Sprintf("output from %d hosts, want %d", len(lines), n)
	}
	for h, l := range lines {
		if l != w.lines || bytesOf[h] != w.bytes {
			return fmt.Sprintf("%s: %d lines / %d bytes, want %d / %d", h, l, bytesOf[h], w.lines, w.bytes)
		}
	}
	return ""
}
