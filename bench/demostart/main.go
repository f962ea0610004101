// Command demostart times `porthole demo` in a real terminal (tmux, 100x30,
// its own server): from launch until Home's title is on the pane (the first
// screen), and until the sandbox behind it is ready (the footer's
// "starting the sandbox…" line is gone and the seeded changes can be looked
// up). It prints each run and the medians, and exits 1 when the first
// screen's median is not under -target.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

const (
	session = "demo"
	title   = "Changes for this window" // Home's first section
	booting = "starting the sandbox…"
)

var socket = fmt.Sprintf("porthole-demostart-%d", os.Getpid())

func tmux(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-L", socket, "-f", "/dev/null"}, args...)...).Output()
	return string(out), err
}

func capture() string {
	s, _ := tmux("capture-pane", "-p", "-t", session)
	return s
}

// waitFor polls the pane until cond holds (at most 30 s).
func waitFor(start time.Time, cond func(string) bool) (time.Duration, error) {
	for time.Since(start) < 30*time.Second {
		if s := capture(); cond(s) {
			return time.Since(start), nil
		}
	}
	return 0, fmt.Errorf("timed out; screen:\n%s", capture())
}

// once launches the demo and returns the time to Home and to a ready sandbox.
func once(bin string) (home, ready time.Duration, err error) {
	_, _ = tmux("kill-session", "-t", session)
	start := time.Now()
	if _, err := tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", "exec "+bin+" demo"); err != nil {
		return 0, 0, fmt.Errorf("tmux: %w", err)
	}
	defer func() {
		_, _ = tmux("send-keys", "-t", session, "C-c")
		for i := 0; i < 100; i++ { // the sandbox is removed on the way out
			if _, err := tmux("has-session", "-t", session); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		_, _ = tmux("kill-session", "-t", session)
	}()
	if home, err = waitFor(start, func(s string) bool { return strings.Contains(s, title) }); err != nil {
		return 0, 0, fmt.Errorf("first screen: %w", err)
	}
	ready, err = waitFor(start, func(s string) bool {
		return strings.Contains(s, title) && !strings.Contains(s, booting) && !strings.Contains(s, "listing the unfinished")
	})
	if err != nil {
		return 0, 0, fmt.Errorf("sandbox ready: %w", err)
	}
	return home, ready, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }

func main() {
	bin := flag.String("bin", "", "the porthole binary")
	runs := flag.Int("runs", 5, "launches")
	target := flag.Duration("target", 500*time.Millisecond, "the first screen's goal")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "usage: demostart -bin PORTHOLE [-runs 5]")
		os.Exit(2)
	}
	// a session that stays, so the server does not stop and start between runs
	if _, err := tmux("new-session", "-d", "-s", "keep", "sleep 3600"); err != nil {
		fmt.Fprintln(os.Stderr, "demostart: tmux:", err)
		os.Exit(1)
	}
	defer func() { _, _ = tmux("kill-server") }()
	var homes, readies []time.Duration
	for i := 0; i < *runs; i++ {
		home, ready, err := once(*bin)
		if err != nil {
			fmt.Fprintln(os.Stderr, "demostart:", err)
			_, _ = tmux("kill-server")
			os.Exit(1)
		}
		homes, readies = append(homes, home), append(readies, ready)
		fmt.Printf("run %d: Home on screen %s, sandbox ready %s\n", i+1, ms(home), ms(ready))
	}
	fmt.Printf("\nmedian of %d: first screen (Home) %s, sandbox ready %s\n", *runs, ms(median(homes)), ms(median(readies)))
	if median(homes) >= *target {
		fmt.Printf("target first screen < %s: MISSED\n", ms(*target))
		_, _ = tmux("kill-server")
		os.Exit(1)
	}
	fmt.Printf("target first screen < %s: met\n", ms(*target))
}
