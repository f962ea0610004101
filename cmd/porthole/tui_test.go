package main

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// Without a terminal the TUI refuses, and says what to use instead.
func TestTUIRefusesWithoutATerminal(t *testing.T) {
	if haveTTY() {
		t.Skip("stdin and stdout are a terminal here")
	}
	for _, args := range [][]string{nil, {"1000"}, {"--diff", "x.patch"}} {
		err := runTUI(context.Background(), args)
		if !errors.Is(err, errNoTTY) {
			t.Fatalf("runTUI(%q) = %v, want the no-terminal error", args, err)
		}
		if !strings.Contains(err.Error(), "porthole plan") || !strings.Contains(err.Error(), "porthole exec") {
			t.Fatalf("the error does not point to plan/exec: %v", err)
		}
	}
	var ue usageError
	if err := runTUI(context.Background(), []string{"--no-such-flag"}); !errors.As(err, &ue) {
		t.Fatalf("a bad flag gave %v, want a usage error", err)
	}
}

func TestTUIIsTheDefaultCommand(t *testing.T) {
	c, ok := commands["tui"]
	if !ok || c.run == nil {
		t.Fatal("no tui command registered")
	}
	if demoTUI == nil {
		t.Fatal("porthole demo has no TUI hook")
	}
}
