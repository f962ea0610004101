package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// Plain porthole (and porthole CHANGE...) names what the user typed, not
// the tui subcommand it runs.
func TestDispatchNamesWhatTheUserTyped(t *testing.T) {
	if haveTTY() {
		t.Skip("stdin and stdout are a terminal here")
	}
	for _, tc := range []struct {
		args   []string
		prefix string
	}{
		{nil, "porthole: the TUI needs a terminal"},
		{[]string{"1000"}, "porthole: the TUI needs a terminal"}, // porthole CHANGE...
		{[]string{"https://gerrit.wikimedia.org/r/c/mediawiki/core/+/1000"}, "porthole: the TUI needs a terminal"},
		{[]string{"I0123456789abcdef0123456789abcdef0badc0de"}, "porthole: the TUI needs a terminal"},
		{[]string{"rn"}, `porthole: unknown command "rn"`},
		{[]string{"tui"}, "porthole tui: the TUI needs a terminal"},
		{[]string{"--diff", "x.patch"}, "porthole: the TUI needs a terminal"},
	} {
		var stderr bytes.Buffer
		code := dispatch(context.Background(), tc.args, &stderr)
		if !strings.HasPrefix(stderr.String(), tc.prefix) {
			t.Errorf("porthole %s: stderr %q, want it to start with %q", strings.Join(tc.args, " "), stderr.String(), tc.prefix)
		}
		want := exitFailure
		if tc.args != nil && tc.args[0] == "rn" {
			want = exitUsage
		}
		if code != want {
			t.Errorf("porthole %s: exit %d, want %d", strings.Join(tc.args, " "), code, want)
		}
	}
}

// Exit codes: 0, 1 for a failure, 2 for a usage mistake, 130 for an
// interrupt (a typed interruptedError, or any error once ctx is cancelled).
func TestDispatchExitCodes(t *testing.T) {
	var ret error
	commands["zz-exit"] = &command{name: "zz-exit", run: func(context.Context, []string) error { return ret }}
	defer delete(commands, "zz-exit")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		ctx  context.Context
		err  error
		code int
	}{
		{context.Background(), nil, 0},
		{context.Background(), errors.New("boom"), exitFailure},
		{context.Background(), usageError{"bad flag"}, exitUsage},
		{context.Background(), interruptedError{"interrupted during step 1/2"}, exitInterrupted},
		{cancelled, errors.New("context canceled"), exitInterrupted},
		{cancelled, usageError{"bad flag"}, exitUsage},
		{cancelled, nil, 0},
	} {
		ret = tc.err
		var stderr bytes.Buffer
		if code := dispatch(tc.ctx, []string{"zz-exit"}, &stderr); code != tc.code {
			t.Errorf("%v (ctx %v): exit %d, want %d", tc.err, tc.ctx.Err(), code, tc.code)
		}
		if want := ""; tc.err == nil && stderr.String() != want {
			t.Errorf("success wrote %q", stderr.String())
		}
		if tc.err != nil && stderr.String() != "porthole zz-exit: "+tc.err.Error()+"\n" {
			t.Errorf("stderr %q", stderr.String())
		}
	}
}
