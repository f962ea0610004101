package main

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"porthole/runbooks"
)

// prodWatch knows whether a production (irreversible) step is running, so
// that Ctrl-C asks before stopping it, as the TUI's q does; and it keeps the
// terminal to one question at a time.
type prodWatch struct {
	mu      sync.Mutex
	running *runbooks.Step // the irreversible step running, nil for none
	gate    bool           // a gate is being asked
	ask     sync.Mutex     // held while a question reads the terminal
}

func (p *prodWatch) started(s *runbooks.Step) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s != nil && s.Irreversible {
		p.running = s
	} else {
		p.running = nil
	}
}

func (p *prodWatch) finished() {
	p.mu.Lock()
	p.running = nil
	p.mu.Unlock()
}

func (p *prodWatch) asking(on bool) {
	p.mu.Lock()
	p.gate = on
	p.mu.Unlock()
}

// question is the interrupt asker of porthole run: nil (stop at once)
// unless a production step is running outside a gate; else the question,
// default No. EOF on the terminal is No too: a second Ctrl-C stops.
func (p *prodWatch) question(ctx context.Context, in *runStdin, env *runbooks.Env) func() func() bool {
	return func() func() bool {
		p.mu.Lock()
		s, gate := p.running, p.gate
		p.mu.Unlock()
		if s == nil || gate {
			return nil
		}
		return func() bool {
			p.ask.Lock()
			defer p.ask.Unlock()
			what := s.Title + " is changing production"
			if strings.Contains(s.Command, "scap ") {
				what = "scap is syncing to production"
			}
			fmt.Fprintf(runOut, "\n?? %s, from %s: stop it? Stopped part-way, some servers keep the old code and some the new.\n   [y/N] ", what, runHosts(env, s.Role))
			line, ok := in.next(ctx)
			if ctx.Err() != nil {
				fmt.Fprintln(runOut, "(interrupted again: stopping)")
				return true
			}
			a := strings.ToLower(strings.TrimSpace(line))
			if ok && (a == "y" || a == "yes") {
				fmt.Fprintln(runOut, "-- stopping it")
				return true
			}
			if !ok {
				fmt.Fprintln(runOut, "n (no answer)")
			}
			fmt.Fprintf(runOut, "-- going on: %s keeps running (Ctrl-C again to be asked again)\n", s.Title)
			return false
		}
	}
}

// stoppedProduction says where a window stands when its production step n
// (1-based) was stopped part-way, for runInterrupted.
func stoppedProduction(plan *runbooks.Plan, n int) string {
	if n < 1 || n > len(plan.Steps) || !plan.Steps[n-1].Irreversible {
		return ""
	}
	var nums []string
	for _, ch := range plan.Changes {
		nums = append(nums, fmt.Sprint(ch.Number))
	}
	s := "; production is part-way: some servers may serve the new code and some the old, until the resume syncs it again"
	if plan.Kind == "backport" && len(nums) > 0 {
		s += " (or porthole revert " + strings.Join(nums, " ") + " takes it back)"
	}
	return s
}
