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
	// OnResult, when set, gets each host's result as soon as it is known
	// (skipped hosts included), serialised with OnProgress.
	OnResult func(HostResult)
	// CloseEach closes a host's connection as soon as its command ended, so
	// at most Concurrency connections are open at once: for one-shot fan-outs
	// over more hosts than there are file descriptors (porthole exec). A
	// window leaves it off and reuses its connections.
	CloseEach bool
}

// HostResult is one host's outcome in a fan-out.
type HostResult struct {
	Host    string
	Result  Result
	Err     error // connection or cancellation; a non-zero exit is in Result
	Skipped bool  // never started: the failure limit was reached (or ctx was done)
}

// Failed is true when the host did not run the command to a zero exit.
func (h HostResult) Failed() bool { return h.Skipped || h.Err != nil || h.Result.ExitCode != 0 }

// FanOut runs cmd on every executor, at most Concurrency at once (a sliding
// window, like scap), and returns one HostResult per executor in the
// executors' order. Once MaxFailures hosts failed, or ctx is done, no more
// hosts start; those left are Skipped and stay counted as "left" in the
// progress. cmd.OnLine gets every host's lines (Line.Host tells them apart),
// never two calls at once.
func FanOut(ctx context.Context, execs []Executor, cmd Command, opts FanOutOptions) []HostResult {
	width := opts.Concurrency
	if width <= 0 {
		width = 32
	}
	results := make([]HostResult, len(execs))
	cmd.OnLine = serialized(cmd.OnLine)

	var mu sync.Mutex // guards prog and serialises the callbacks
	prog := Progress{Name: opts.Name, Total: len(execs)}
	report := func() {
		if opts.OnProgress != nil {
			opts.OnProgress(prog)
		}
	}
	finish := func(i int, hr HostResult) {
		results[i] = hr
		if opts.OnResult != nil {
			opts.OnResult(hr)
		}
	}
	mu.Lock()
	report()
	mu.Unlock()

	sem := make(chan struct{}, width)
	var wg sync.WaitGroup
	for i, ex := range execs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		mu.Lock()
		limited := opts.MaxFailures > 0 && prog.Failed >= opts.MaxFailures
		if limited || ctx.Err() != nil {
			// Not started: the rest are skipped too.
			for j := i; j < len(execs); j++ {
				finish(j, HostResult{Host: execs[j].Host(), Skipped: true, Err: ctx.Err(),
					Result: Result{Host: execs[j].Host(), Cmd: cmd.Script(), ExitCode: -1}})
			}
			mu.Unlock()
			break
		}
		prog.InFlight++
		report()
		mu.Unlock()
		wg.Add(1)
		go func(i int, ex Executor) {
			defer wg.Done()
			defer func() { <-sem }()
			r, err := ex.Run(ctx, cmd)
			if opts.CloseEach {
				_ = ex.Close()
			}
			hr := HostResult{Host: ex.Host(), Result: r, Err: err}
			mu.Lock()
			defer mu.Unlock()
			prog.InFlight--
			if hr.Failed() {
				prog.Failed++
			} else {
				prog.OK++
			}
			finish(i, hr)
			report()
		}(i, ex)
	}
	wg.Wait()
	return results
}
