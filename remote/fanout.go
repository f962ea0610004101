package remote

import (
	"context"
	"sync"
)

// FanOutOptions bound a fan-out.
type FanOutOptions struct {
	Concurrency int // hosts at once; 32 when zero
	MaxFailures int // stop starting hosts after this many failures; 0 for no limit
	Name        string
	OnProgress  func(Progress) // called on every change, from any goroutine, serialised
}

// HostResult is one host's outcome in a fan-out.
type HostResult struct {
	Host    string
	Result  Result
	Err     error // connection or cancellation; a non-zero exit is in Result
	Skipped bool  // never started: the failure limit was reached
}

// Failed is true when the host did not run the command to a zero exit.
func (h HostResult) Failed() bool { return h.Skipped || h.Err != nil || h.Result.ExitCode != 0 }

// FanOut runs cmd on every executor, at most Concurrency at once, and returns
// one HostResult per executor in the executors' order.
func FanOut(ctx context.Context, execs []Executor, cmd Command, opts FanOutOptions) []HostResult {
	width := opts.Concurrency
	if width <= 0 {
		width = 32
	}
	results := make([]HostResult, len(execs))
	var mu sync.Mutex
	prog := Progress{Name: opts.Name, Total: len(execs)}
	report := func() {
		if opts.OnProgress != nil {
			opts.OnProgress(prog)
		}
	}
	mu.Lock()
	report()
	mu.Unlock()
	sem := make(chan struct{}, width)
	var wg sync.WaitGroup
	for i, ex := range execs {
		sem <- struct{}{}
		mu.Lock()
		stop := opts.MaxFailures > 0 && prog.Failed >= opts.MaxFailures
		if stop || ctx.Err() != nil {
			mu.Unlock()
			<-sem
			results[i] = HostResult{Host: ex.Host(), Skipped: true, Err: ctx.Err()}
			continue
		}
		prog.InFlight++
		report()
		mu.Unlock()
		wg.Add(1)
		go func(i int, ex Executor) {
			defer wg.Done()
			defer func() { <-sem }()
			r, err := ex.Run(ctx, cmd)
			hr := HostResult{Host: ex.Host(), Result: r, Err: err}
			mu.Lock()
			results[i] = hr
			prog.InFlight--
			if hr.Failed() {
				prog.Failed++
			} else {
				prog.OK++
			}
			report()
			mu.Unlock()
		}(i, ex)
	}
	wg.Wait()
	return results
}
