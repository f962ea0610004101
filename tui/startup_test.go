package tui

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// startup is a Startup the test releases: it reports two parts, then waits.
func startup(e Engine, fail error) (*Startup, chan struct{}) {
	release := make(chan struct{})
	return &Startup{Label: "starting the sandbox", Run: func(ctx context.Context, progress func(string)) (Engine, error) {
		progress("Gerrit")
		progress("hosts")
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if fail != nil {
			return nil, fail
		}
		return e, nil
	}}, release
}

func TestHomeShowsWhileTheStartupRuns(t *testing.T) {
	e := newTestEngine(t)
	st, release := startup(e, nil)
	d := newDriver(t, Options{Startup: st, Sandbox: true, Title: "porthole demo"}, 100, 30)
	scr := d.waitScreen("starting the sandbox… Gerrit ✓ hosts ✓")
	for _, want := range []string{"porthole demo", "Home", "SANDBOX"} {
		if !strings.Contains(scr, want) {
			t.Errorf("Home lacks %q while the sandbox starts:\n%s", want, scr)
		}
	}
	if !d.m.home.Loading() {
		t.Error("the window lists are not waiting for the sandbox")
	}
	if strings.Contains(scr, "namespaceDupes") {
		t.Errorf("runbooks listed before the engine is there:\n%s", scr)
	}

	d.typeText("1000")
	d.key("enter")
	d.settle()
	e.mu.Lock()
	early := e.resolves
	e.mu.Unlock()
	if early != 0 {
		t.Errorf("a change was looked up %d time(s) before there was a Gerrit", early)
	}

	close(release)
	d.waitScreen("ApiMain: Send X-Database-Lag only with maxlag errors") // looked up once Gerrit is there
	scr = d.waitScreen("starting the sandbox: done")
	if strings.Contains(scr, "starting the sandbox…") {
		t.Errorf("the startup line stays after the start:\n%s", scr)
	}
	d.homeReady()
	d.waitScreen("namespaceDupes") // the runbooks, known once the engine is there
}

func TestHomeSaysWhenTheStartupFails(t *testing.T) {
	st, release := startup(nil, errors.New("port 29418 is taken"))
	d := newDriver(t, Options{Startup: st, Sandbox: true}, 100, 30)
	d.waitScreen("hosts ✓")
	d.typeText("1000")
	d.key("enter")
	close(release)
	d.waitScreen("starting the sandbox failed: port 29418 is taken")
	d.until("the window lists giving up", func(m Model) bool { return !m.home.Loading() })
	t.Log(d.screen())
}
