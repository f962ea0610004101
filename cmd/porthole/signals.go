package main

import (
	"context"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// interruptAsker, when set, is consulted on SIGINT before the command is
// cancelled: it returns nil when Ctrl-C should stop at once, or a question
// to put to the deployer (true: stop). porthole run sets it while a
// production step runs, so that Ctrl-C does not kill scap mid-sync unasked.
var interruptAsker atomic.Pointer[func() func() bool]

// setInterruptAsker installs f until the returned func is called.
func setInterruptAsker(f func() func() bool) (restore func()) {
	interruptAsker.Store(&f)
	return func() { interruptAsker.Store(nil) }
}

// handleSignals cancels the command on SIGTERM, and on SIGINT unless the
// interrupt asker takes it (a second SIGINT while it asks stops at once).
func handleSignals(cancel context.CancelFunc) (stop func()) {
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	var asking atomic.Bool
	go func() {
		for {
			select {
			case <-done:
				return
			case sig := <-ch:
				if sig == os.Interrupt && !asking.Load() {
					if f := interruptAsker.Load(); f != nil {
						if ask := (*f)(); ask != nil {
							asking.Store(true)
							go func() {
								if ask() {
									cancel()
								}
								asking.Store(false)
							}()
							continue
						}
					}
				}
				cancel()
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}
