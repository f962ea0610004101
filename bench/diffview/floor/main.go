// Command floor is the least a Go diff viewer can do in a terminal: it
// shows a patch file 23 lines at a time, every word coloured as
// porthole's viewer colours a page (256 colours, a style per word: ~6-7 KB
// a page, as porthole writes), the next page on any key, q quits. No
// Bubble Tea, no lipgloss, no index: raw mode, read a key, write a frame.
// The benchmark runs it next to less and porthole, so that what porthole
// takes above it is porthole's own (its packages' start, its goroutines),
// not Go's runtime or the size of the frames.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"
)

const rows, cols = 23, 80

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: floor FILE.patch")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	defer f.Close()
	st, err := term.MakeRaw(os.Stdin.Fd())
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	defer func() { _ = term.Restore(os.Stdin.Fd(), st) }()
	lines := bufio.NewScanner(f)
	_, _ = os.Stdout.WriteString("\x1b[?1049h\x1b[H\x1b[2J" + page(lines))
	key := make([]byte, 64)
	for {
		n, err := os.Stdin.Read(key)
		if err != nil || (n > 0 && key[0] == 'q') {
			break
		}
		_, _ = os.Stdout.WriteString(page(lines))
	}
	_, _ = os.Stdout.WriteString("\x1b[?1049l")
}

// page is the frame that shows the next rows lines: each line positioned,
// each word in a colour of its own on a background, erased to its end.
func page(lines *bufio.Scanner) string {
	var b strings.Builder
	b.WriteString("\x1b[?2026h")
	for r := 1; r <= rows; r++ {
		l := ""
		if lines.Scan() {
			l = lines.Text()
		}
		if len(l) > cols {
			l = l[:cols]
		}
		fmt.Fprintf(&b, "\x1b[%d;1H\x1b[m", r)
		for i, w := range strings.SplitAfter(l, " ") {
			fmt.Fprintf(&b, "\x1b[;38;5;%d;48;5;235m%s", 150+(r+i)%60, w)
		}
		b.WriteString("\x1b[m\x1b[K")
	}
	b.WriteString("\x1b[?2026l")
	return b.String()
}
