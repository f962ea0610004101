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

// tm is the control client of the benchmark's tmux server.
var tm *control

func capture() string {
	s, _ := tm.run("capture-pane -p -t " + session)
	return s
}

// waitFor looks at the pane until cond holds (each look is a command on the
// control client: a fraction of a millisecond); it returns the time it took.
func waitFor(start time.Time, cond func(string) bool) (time.Duration, error) {
	for time.Since(start) < 10*time.Second {
		if cond(capture()) {
			return time.Since(start), nil
		}
		time.Sleep(100 * time.Microsecond) // leave the server time to read the viewer's output
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
// machine's load hits all alike), each round starting one viewer later
// (so that no viewer always follows the same one: in a fixed order less,
// always first, ran after the light floor and measured 1-2 ms quicker than
// the same less run after porthole's viewer).
func measure(viewers []viewerCmd, marker string, runs, pages int) ([]result, error) {
	results := make([]result, len(viewers))
	for i := range viewers {
		results[i].name = viewers[i].name
	}
	var err error
	if tm, err = startControl(socket); err != nil {
		return nil, fmt.Errorf("tmux: %w", err)
	}
	defer tm.close()
	for i := 0; i < runs; i++ {
		for k := range viewers {
			j := (i + k) % len(viewers)
			if err := measureOnce(&results[j], viewers[j].cmd, marker, pages); err != nil {
				return nil, fmt.Errorf("%s: %w", viewers[j].name, err)
			}
		}
	}
	return results, nil
}

type viewerCmd struct{ name, cmd string }

// measureOnce runs cmdline in a fresh 80x24 tmux session, waits for marker
// on screen, then presses space pages times and waits for each repaint.
func measureOnce(r *result, cmdline, marker string, pages int) error {
	_, _ = tm.run("kill-session -t " + session)
	start := time.Now()
	if _, err := tm.run("new-session -d -s " + session + " -x 80 -y 24 " + quote("exec "+cmdline)); err != nil {
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
		if _, err := tm.run("send-keys -t " + session + " Space"); err != nil {
			return err
		}
		d, err := waitFor(start, func(s string) bool { return s != before })
		if err != nil {
			return fmt.Errorf("page-down: %w", err)
		}
		r.pgdown = append(r.pgdown, d)
		time.Sleep(30 * time.Millisecond)
	}
	pid, _ := tm.run("display-message -p -t " + session + " '#{pane_pid}'")
	r.rssAfter = max(r.rssAfter, rssKB(strings.TrimSpace(pid)))
	_, _ = tm.run("kill-session -t " + session)
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
	defer func(d time.Duration) { diffview.Settle = d }(diffview.Settle)
	diffview.Settle = 0 // time the work, not the wait after a frame
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

// viewers is the -viewer flag: "label=command" rows, repeatable.
type viewers []viewerCmd

func (v *viewers) String() string { return fmt.Sprint(*v) }

func (v *viewers) Set(s string) error {
	label, cmd, ok := strings.Cut(s, "=")
	if !ok || label == "" || cmd == "" {
		return fmt.Errorf("want LABEL=COMMAND, got %q", s)
	}
	*v = append(*v, viewerCmd{label, cmd})
	return nil
}

// loadavg is the machine's load average and CPU pressure, as the kernel says.
func loadavg() string {
	la, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(la))
	if len(f) < 3 {
		return "load average unknown"
	}
	s := "load average " + strings.Join(f[:3], " / ")
	if p, err := os.ReadFile("/proc/pressure/cpu"); err == nil {
		if i := strings.Index(string(p), "avg10="); i >= 0 {
			s += ", CPU pressure " + strings.Fields(string(p)[i+6:])[0] + "%"
		}
	}
	return s
}

func main() {
	patch := flag.String("patch", "", "the patch file")
	var vs viewers
	flag.Var(&vs, "viewer", "`LABEL=COMMAND`: a viewer to time next to less (gets the file as its last argument; repeatable; the first is checked against less)")
	runs := flag.Int("runs", 5, "runs per viewer")
	pages := flag.Int("pages", 10, "page-downs per run")
	flag.Parse()
	if *patch == "" || len(vs) == 0 {
		fmt.Fprintln(os.Stderr, "usage: cmp -patch FILE -viewer LABEL=CMD [-viewer LABEL=CMD]...")
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
	rows := []viewerCmd{{"less -S", "less -S"}}
	for _, v := range vs {
		rows = append(rows, viewerCmd{v.name, v.cmd})
	}
	for i := range rows {
		rows[i].cmd += " " + *patch
	}
	loadBefore := loadavg()
	results, err := measure(rows, marker, *runs, *pages)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cmp:", err)
		os.Exit(1)
	}
	fmt.Printf("file: %s, %d lines, %.1f MiB; tmux 80x24, %d runs x %d page-downs, viewers taking turns (each round starting one later); medians\n",
		*patch, lines, float64(fi.Size())/(1<<20), *runs, *pages)
	fmt.Printf("%s at the start, %s at the end\n\n", loadBefore, loadavg())
	report(ip, results, fi.Size())
}

// report prints the table and checks the targets; it exits 1 when one is
// missed.
func report(ip inProcess, results []result, size int64) {
	row := func(a, b, c, d string) { fmt.Printf("| %-52s | %-14s | %-38s | %-30s |\n", a, b, c, d) }
	row("viewer", "first screen", "page-down", "memory")
	fmt.Printf("|%s|%s|%s|%s|\n", strings.Repeat("-", 54), strings.Repeat("-", 16), strings.Repeat("-", 40), strings.Repeat("-", 32))
	ratio := ip.heap / float64(size)
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
		fmt.Printf("target %-36s %-7s (%s)\n", name, mark, got)
	}
	check("first screen < 100 ms", median(ip.first) < 100*time.Millisecond, ms(median(ip.first)))
	check("page-down < 5 ms", median(ip.pgdown) < 5*time.Millisecond && median(ip.pgdownHL) < 5*time.Millisecond,
		ms(median(ip.pgdown))+", "+ms(median(ip.pgdownHL))+" with syntax")
	check("memory < 3x the file", ratio < 3, fmt.Sprintf("%.2fx", ratio))
	less, ph := results[0], results[1]
	check("tmux first screen <= less", median(ph.first) <= median(less.first),
		ph.name+" "+ms(median(ph.first))+" vs "+ms(median(less.first)))
	check("tmux page-down <= less", median(ph.pgdown) <= median(less.pgdown),
		ph.name+" "+ms(median(ph.pgdown))+" vs "+ms(median(less.pgdown)))
	if !ok {
		os.Exit(1)
	}
}
