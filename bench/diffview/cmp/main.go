// Command cmp measures porthole's diff viewer on a patch file, in-process
// (first screen, page-down, heap against the file's size) and in a real
// terminal (tmux, 80x24: first screen drawn, page-down shown, resident
// memory) next to less on the same file in the same run (taking turns, and
// once more drawn by Bubble Tea's own renderer, as porthole drew before),
// prints a table and checks the targets: first screen < 100 ms, page-down
// < 5 ms, heap < 3x the file in-process; in tmux, first screen and page-down
// no slower than less. It exits 1 when a target is missed.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	diffviewbench "porthole/bench/diffview"
	"porthole/tui/common"
	"porthole/tui/components/diffview"
)

const session = "porthole-diffview-bench"

// socket names the benchmark's own tmux server, so other tmux sessions on
// the machine neither slow it down nor see it.
var socket = fmt.Sprintf("porthole-diffview-bench-%d", os.Getpid())

func tmux(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-L", socket, "-f", "/dev/null"}, args...)...).Output()
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

// measure runs each viewer runs times, taking turns (so a change in the
// machine's load hits both alike).
func measure(viewers []viewerCmd, marker string, runs, pages int) ([]result, error) {
	results := make([]result, len(viewers))
	for i := range viewers {
		results[i].name = viewers[i].name
	}
	// a session that stays, so the server does not stop and start between runs
	if _, err := tmux("new-session", "-d", "-s", "keep", "-x", "80", "-y", "24", "sleep 3600"); err != nil {
		return nil, fmt.Errorf("tmux: %w", err)
	}
	defer func() { _, _ = tmux("kill-server") }()
	for i := 0; i < runs; i++ {
		for j, v := range viewers {
			if err := measureOnce(&results[j], v.cmd, marker, pages); err != nil {
				return nil, fmt.Errorf("%s: %w", v.name, err)
			}
		}
	}
	return results, nil
}

type viewerCmd struct{ name, cmd string }

// measureOnce runs cmdline in a fresh 80x24 tmux session, waits for marker
// on screen, then presses space pages times and waits for each repaint.
func measureOnce(r *result, cmdline, marker string, pages int) error {
	_, _ = tmux("kill-session", "-t", session)
	start := time.Now()
	if _, err := tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", "exec "+cmdline); err != nil {
		return fmt.Errorf("tmux: %w", err)
	}
	d, err := waitFor(start, func(s string) bool { return strings.Contains(s, marker) })
	if err != nil {
		return fmt.Errorf("first screen: %w", err)
	}
	r.first = append(r.first, d)
	time.Sleep(150 * time.Millisecond) // let it settle (background indexing, highlights)
	for p := 0; p < pages; p++ {
		before := capture()
		start := time.Now()
		if _, err := tmux("send-keys", "-t", session, "Space"); err != nil {
			return err
		}
		d, err := waitFor(start, func(s string) bool { return s != before })
		if err != nil {
			return fmt.Errorf("page-down: %w", err)
		}
		r.pgdown = append(r.pgdown, d)
		time.Sleep(30 * time.Millisecond)
	}
	pid, _ := tmux("display-message", "-p", "-t", session, "#{pane_pid}")
	r.rssAfter = max(r.rssAfter, rssKB(strings.TrimSpace(pid)))
	_, _ = tmux("kill-session", "-t", session)
	return nil
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

// inProcess is the viewer measured without a terminal.
type inProcess struct {
	first, pgdown, pgdownHL []time.Duration
	heap                    float64 // bytes held after indexing and paging through everything
}

func measureInProcess(path string, runs, pages int) inProcess {
	var r inProcess
	pgdn := tea.KeyPressMsg{Code: tea.KeyPgDown}
	for i := 0; i < runs; i++ {
		start := time.Now()
		m := diffview.New(common.New())
		m.SetSize(80, 23)
		m, rest := m.Update(m.Open(path, path)())
		_ = m.View()
		r.first = append(r.first, time.Since(start))
		m = diffviewbench.Settle(m, rest) // the rest of the index, the prefetch
		for p := 0; p < pages; p++ {
			start = time.Now()
			var cmd tea.Cmd
			m, cmd = m.Update(pgdn)
			_ = m.View()
			r.pgdown = append(r.pgdown, time.Since(start))
			start = time.Now()
			if cmd != nil { // this page's highlighting, done at once (nothing prefetched)
				m, _ = m.Update(cmd())
			}
			_ = m.View()
			r.pgdownHL = append(r.pgdownHL, time.Since(start)+r.pgdown[len(r.pgdown)-1])
		}
		m.Close()
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	m := diffview.New(common.New())
	m.SetSize(80, 23)
	m, rest := m.Update(m.Open(path, path)())
	m = diffviewbench.Settle(m, rest)
	for m.Top() < m.Doc().Lines()-21 {
		var cmd tea.Cmd
		m, cmd = m.Update(pgdn)
		m = diffviewbench.Settle(m, cmd)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	r.heap = float64(after.HeapInuse) - float64(before.HeapInuse)
	runtime.KeepAlive(m)
	m.Close()
	return r
}

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

	ip := measureInProcess(*patch, *runs, *pages*5)
	results, err := measure([]viewerCmd{
		{"less -S", "less -S " + *patch},
		{"porthole diffview", *viewer + " " + *patch},
		{"porthole, Bubble Tea's renderer", *viewer + " -bubbletea " + *patch},
	}, marker, *runs, *pages)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cmp:", err)
		os.Exit(1)
	}
	fmt.Printf("file: %s, %d lines, %.1f MiB; tmux 80x24, %d runs x %d page-downs; medians\n\n",
		*patch, lines, float64(fi.Size())/(1<<20), *runs, *pages)
	row := func(a, b, c, d string) { fmt.Printf("| %-42s | %-14s | %-38s | %-30s |\n", a, b, c, d) }
	row("viewer", "first screen", "page-down", "memory")
	fmt.Printf("|%s|%s|%s|%s|\n", strings.Repeat("-", 44), strings.Repeat("-", 16), strings.Repeat("-", 40), strings.Repeat("-", 32))
	ratio := ip.heap / float64(fi.Size())
	row("porthole diffview, in-process", ms(median(ip.first)),
		fmt.Sprintf("%s (%s with its syntax job)", ms(median(ip.pgdown)), ms(median(ip.pgdownHL))),
		fmt.Sprintf("heap %.1f MiB = %.2fx the file", ip.heap/(1<<20), ratio))
	for _, r := range results {
		row(r.name+" in tmux", ms(median(r.first)), ms(median(r.pgdown))+" until shown", fmt.Sprintf("RSS %.1f MiB", float64(r.rssAfter)/1024))
	}
	fmt.Println()
	ok := true
	check := func(name string, good bool, got string) {
		mark := "met"
		if !good {
			mark, ok = "MISSED", false
		}
		fmt.Printf("target %-30s %-7s (%s)\n", name, mark, got)
	}
	check("first screen < 100 ms", median(ip.first) < 100*time.Millisecond, ms(median(ip.first)))
	check("page-down < 5 ms", median(ip.pgdown) < 5*time.Millisecond && median(ip.pgdownHL) < 5*time.Millisecond,
		ms(median(ip.pgdown))+", "+ms(median(ip.pgdownHL))+" with syntax")
	check("memory < 3x the file", ratio < 3, fmt.Sprintf("%.2fx", ratio))
	less, ph := results[0], results[1]
	check("tmux first screen <= less", median(ph.first) <= median(less.first),
		ms(median(ph.first))+" vs "+ms(median(less.first)))
	check("tmux page-down <= less", median(ph.pgdown) <= median(less.pgdown),
		ms(median(ph.pgdown))+" vs "+ms(median(less.pgdown)))
	if !ok {
		os.Exit(1)
	}
}
