package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// startGate lets work started behind the TUI (the demo's sandbox) finish
// before the program goes on: after close, enter refuses new work, and close
// waits for work that entered to leave, then runs what it left to clean up.
type startGate struct {
	mu      sync.Mutex
	closed  bool
	active  bool
	done    chan struct{}
	cleanup []func()
}

// enter is false once the gate is closed; otherwise leave must follow.
func (g *startGate) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed || g.active {
		return false
	}
	g.active, g.done = true, make(chan struct{})
	return true
}

func (g *startGate) leave() { close(g.done) }

// onClose runs f when the gate closes.
func (g *startGate) onClose(f func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cleanup = append(g.cleanup, f)
}

// close waits (at most timeout) for the work that entered, saying so on w
// when it is still running, then cleans up.
func (g *startGate) close(timeout time.Duration, w io.Writer, waiting string) {
	g.mu.Lock()
	g.closed = true
	active, done := g.active, g.done
	g.mu.Unlock()
	if active {
		select {
		case <-done:
		default:
			fmt.Fprintln(w, waiting)
		}
		select {
		case <-done:
		case <-time.After(timeout):
			return // still running: leave its cleanup to the process's end
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := len(g.cleanup) - 1; i >= 0; i-- {
		g.cleanup[i]()
	}
	g.cleanup = nil
}

// defaultHandler logs through whatever slog's default logger is at the
// time: the demo's TUI starts before the state dir's file log exists.
type defaultHandler struct{}

// Enabled implements slog.Handler.
func (defaultHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return slog.Default().Handler().Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (defaultHandler) Handle(ctx context.Context, r slog.Record) error {
	return slog.Default().Handler().Handle(ctx, r)
}

// WithAttrs implements slog.Handler (bound to the default of the time).
func (defaultHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return slog.Default().Handler().WithAttrs(as)
}

// WithGroup implements slog.Handler (bound to the default of the time).
func (defaultHandler) WithGroup(name string) slog.Handler {
	return slog.Default().Handler().WithGroup(name)
}
