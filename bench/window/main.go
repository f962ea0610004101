// Command window measures porthole's own time in a one-change backport
// window: `porthole backport CHANGE` against a fresh sandbox (in-process SSH
// hosts, Gerrit emulator), every gate answered y on stdin. Its wall time
// minus the time inside remote commands (the sandbox hosts' command spans,
// and the scap stand-in's runs, which porthole detaches in tmux)
// and inside Gerrit (REST requests, timed by a proxy in front of the
// emulator, and stream-events sessions) is porthole's own. It also counts
// the SSH handshakes each host accepted: one per host per window.
//
// It prints one line per run and the medians, and exits 1 when a window
// fails, a host was dialled more than once, or the median own time is not
// under the target. Run it with bench/window.sh (see bench/README.md).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"porthole/sandbox"
)

// ownTarget is issue 14's goal for porthole's own time in a one-change window.
const ownTarget = 300 * time.Millisecond

// result is one window's figures.
type result struct {
	wall, remote, gerrit, outside, own time.Duration
	commands, requests                 int
	handshakes                         map[string]int
	problem                            string
	gaps                               []span // porthole's own stretches, longest first
}

func main() {
	reps := flag.Int("reps", 5, "windows to run, each on a fresh sandbox (at least 3)")
	bin := flag.String("porthole", "bench/out/porthole", "the porthole binary")
	scenario := flag.String("change", "core", "sandbox scenario to backport (core, config, extension, ...)")
	apps := flag.Int("app-servers", 5, "sandbox app servers")
	flag.Parse()
	if *reps < 3 {
		die("use -reps 3 or more: a median of fewer runs means little")
	}
	path, err := filepath.Abs(*bin)
	must(err)
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("one-change backport window (%s), %d runs, porthole %s\nload average at start: %s", *scenario, *reps, path, load)
	var rs []result
	for i := 1; i <= *reps; i++ {
		r := window(path, *scenario, *apps)
		rs = append(rs, r)
		status := "ok"
		if r.problem != "" {
			status = "PROBLEM: " + r.problem
		}
		fmt.Printf("run %d: wall %s = remote %s + gerrit %s (overlap removed: %s) + porthole %s; %d commands, %d requests, handshakes %v  %s\n",
			i, ms(r.wall), ms(r.remote), ms(r.gerrit), ms(r.outside), ms(r.own), r.commands, r.requests, r.handshakes, status)
		for _, g := range r.gaps[:min(3, len(r.gaps))] {
			fmt.Printf("    own stretch %s before %s\n", ms(g.end.Sub(g.start)), g.label)
		}
	}
	if !summary(rs) {
		os.Exit(1)
	}
}

// window runs one backport window on a fresh sandbox.
func window(bin, scenario string, apps int) result {
	var r result
	dir, err := os.MkdirTemp("", "porthole-window-bench-")
	must(err)
	defer os.RemoveAll(dir)
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: filepath.Join(dir, "sb"), AppServers: apps})
	if err != nil {
		die("sandbox: " + err.Error())
	}
	defer sb.Close()
	change, ok := sb.Changes[scenario]
	if !ok {
		die("no sandbox scenario " + scenario)
	}
	px, err := newProxy(sb.Gerrit.URL())
	must(err)
	defer px.close()
	cfg := filepath.Join(dir, "porthole.yaml")
	must(pointConfigAt(sb.ConfigPath, cfg, sb.Gerrit.URL(), px.url))

	var out bytes.Buffer
	cmd := exec.Command(bin, "backport", "--config", cfg, strconv.Itoa(change))
	cmd.Stdin = strings.NewReader(strings.Repeat("y\n", 100))
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = append(os.Environ(), "PORTHOLE_CONFIG=", "SSH_AUTH_SOCK=", "XDG_CONFIG_HOME="+filepath.Join(dir, "xdg"))
	start := time.Now()
	err = cmd.Run()
	end := time.Now()
	r.wall = end.Sub(start)
	if err != nil {
		r.problem = fmt.Sprintf("porthole backport: %v; see %s", err, keep(dir, out.Bytes()))
	}

	var remote, gerrit []span
	for _, s := range sb.ScapSpans() { // scap detached in tmux runs outside any SSH command
		remote = append(remote, span{s.Start, s.End, s.Host + ": " + s.Cmd})
	}
	for _, s := range sb.CommandSpans() {
		sp := span{s.Start, s.End, s.Host + ": " + firstWords(s.Cmd)}
		if s.Host == sandbox.GerritHost {
			gerrit = append(gerrit, sp)
		} else {
			remote = append(remote, sp)
			r.commands++
		}
	}
	reqs := px.spans()
	r.requests = len(reqs)
	gerrit = append(gerrit, reqs...)
	r.remote = covered(remote, start, end)
	r.gerrit = covered(gerrit, start, end)
	all := append(slices.Clone(remote), gerrit...)
	r.outside = covered(all, start, end)
	r.own = r.wall - r.outside
	r.gaps = gaps(all, start, end)
	r.handshakes = sb.Handshakes()
	for h, n := range r.handshakes {
		if n != 1 && r.problem == "" {
			r.problem = fmt.Sprintf("%s accepted %d SSH handshakes in one window, want 1", h, n)
		}
	}
	return r
}

// pointConfigAt copies the sandbox's porthole config with Gerrit's URL
// replaced by the proxy's (a text edit: it does not depend on the config package).
func pointConfigAt(src, dst, from, to string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if !bytes.Contains(data, []byte(from)) {
		return fmt.Errorf("%s does not name Gerrit's URL %s", src, from)
	}
	return os.WriteFile(dst, bytes.ReplaceAll(data, []byte(from), []byte(to)), 0o600)
}

// keep saves a failed window's output for reading and returns its path.
func keep(dir string, out []byte) string {
	f, err := os.CreateTemp("", "porthole-window-bench-*.out")
	if err != nil {
		return dir
	}
	defer f.Close()
	_, _ = f.Write(out)
	return f.Name()
}

// summary prints the medians and the verdict; false when something failed.
func summary(rs []result) bool {
	med := func(get func(result) time.Duration) time.Duration {
		var d []time.Duration
		for _, r := range rs {
			d = append(d, get(r))
		}
		slices.Sort(d)
		if len(d)%2 == 1 {
			return d[len(d)/2]
		}
		return (d[len(d)/2-1] + d[len(d)/2]) / 2
	}
	own := med(func(r result) time.Duration { return r.own })
	fmt.Printf("\nmedian of %d: wall %s, remote commands %s, gerrit %s, porthole's own %s (target < %s)\n",
		len(rs), ms(med(func(r result) time.Duration { return r.wall })), ms(med(func(r result) time.Duration { return r.remote })),
		ms(med(func(r result) time.Duration { return r.gerrit })), ms(own), ms(ownTarget))
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("load average at the end: %s", load)
	good := own < ownTarget
	for _, r := range rs {
		if r.problem != "" {
			good = false
		}
	}
	if good {
		fmt.Println("every window finished, every host dialled once, target met")
	} else {
		fmt.Println("FAILED: see PROBLEM above, or the target")
	}
	return good
}

func firstWords(s string) string {
	// porthole's cancel guard comes first (remote/ssh.go); show the command it guards.
	if _, after, ok := strings.Cut(s, "trap 'kill $porthole_guard 2>/dev/null' EXIT\n"); ok {
		s = after
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return s
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }

func must(err error) {
	if err != nil {
		die(err.Error())
	}
}

func die(msg string) {
	fmt.Fprintln(os.Stderr, "window:", msg)
	os.Exit(2)
}
