// Command cmp times viewers of a patch file in a real terminal (tmux, 80x24):
// how long until the first screen is drawn, how long a page-down takes to
// show, and the viewer's resident memory. It runs less and porthole's diff
// viewer the same way, in the same run, and prints a table.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

const session = "porthole-diffview-bench"

func tmux(args ...string) (string, error) {
	out, err := exec.Command("tmux", args...).Output()
	return string(out), err
}

func capture() string {
	s, _ := tmux("capture-pane", "-p", "-t", session)
	return s
}

// waitFor polls the pane until cond holds; it returns the time it took.
func waitFor(start time.Time, cond func(string) bool) (time.Duration, error) {
	for time.Since(start) < 10*time.Second {
		if cond(capture()) {
			return time.Since(start), nil
		}
	}
	return 0, fmt.Errorf("timed out; screen:\n%s", capture())
}

func rssKB(pid string) int {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return -1
}

type result struct {
	name              string
	first, pgdown     []time.Duration
	rssAfter, samples int
}

// measure runs cmdline in a fresh 80x24 tmux session, waits for marker on
// screen, then presses space pages times and waits for each repaint.
func measure(name, cmdline, marker string, runs, pages int) (result, error) {
	r := result{name: name}
	for i := 0; i < runs; i++ {
		_, _ = tmux("kill-session", "-t", session)
		start := time.Now()
		if _, err := tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", "exec "+cmdline); err != nil {
			return r, fmt.Errorf("%s: tmux: %w", name, err)
		}
		d, err := waitFor(start, func(s string) bool { return strings.Contains(s, marker) })
		if err != nil {
			return r, fmt.Errorf("%s first screen: %w", name, err)
		}
		r.first = append(r.first, d)
		time.Sleep(150 * time.Millisecond) // let it settle (background indexing, highlights)
		for p := 0; p < pages; p++ {
			before := capture()
			start := time.Now()
			if _, err := tmux("send-keys", "-t", session, "Space"); err != nil {
				return r, err
			}
			d, err := waitFor(start, func(s string) bool { return s != before })
			if err != nil {
				return r, fmt.Errorf("%s page-down: %w", name, err)
			}
			r.pgdown = append(r.pgdown, d)
			time.Sleep(30 * time.Millisecond)
		}
		pid, _ := tmux("display-message", "-p", "-t", session, "#{pane_pid}")
		r.rssAfter = max(r.rssAfter, rssKB(strings.TrimSpace(pid)))
	}
	_, _ = tmux("kill-session", "-t", session)
	return r, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func main() {
	patch := flag.String("patch", "", "the patch file")
	viewer := flag.String("viewer", "", "porthole's diff viewer command (gets the file as its argument)")
	runs := flag.Int("runs", 5, "runs per viewer")
	pages := flag.Int("pages", 10, "page-downs per run")
	flag.Parse()
	if *patch == "" || *viewer == "" {
		fmt.Fprintln(os.Stderr, "usage: cmp -patch FILE -viewer CMD")
		os.Exit(2)
	}
	head, err := os.ReadFile(*patch)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cmp:", err)
		os.Exit(1)
	}
	marker := string(head[:bytes.IndexByte(head, '\n')]) // the first line: "commit <sha>"
	fi, _ := os.Stat(*patch)
	lines := bytes.Count(head, []byte("\n"))

	var results []result
	for _, v := range []struct{ name, cmd string }{
		{"less -S", "less -S " + *patch},
		{"porthole diffview", *viewer + " " + *patch},
	} {
		r, err := measure(v.name, v.cmd, marker, *runs, *pages)
		if err != nil {
			fmt.Fprintln(os.Stderr, "cmp:", err)
			os.Exit(1)
		}
		results = append(results, r)
	}
	fmt.Printf("file: %s, %d lines, %.1f MiB; tmux 80x24, %d runs x %d page-downs; medians\n\n",
		*patch, lines, float64(fi.Size())/(1<<20), *runs, *pages)
	fmt.Printf("| %-18s | %-20s | %-22s | %-12s |\n", "viewer", "first screen (tmux)", "page-down shown (tmux)", "RSS after")
	fmt.Printf("|%s|%s|%s|%s|\n", strings.Repeat("-", 20), strings.Repeat("-", 22), strings.Repeat("-", 24), strings.Repeat("-", 14))
	for _, r := range results {
		fmt.Printf("| %-18s | %-20s | %-22s | %-12s |\n", r.name, ms(median(r.first)), ms(median(r.pgdown)),
			fmt.Sprintf("%.1f MiB", float64(r.rssAfter)/1024))
	}
}
