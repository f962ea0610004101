package main

import (
	"context"
	"strings"
)

func init() {
	register(&command{name: "backport", summary: "run a backport window without the TUI: porthole backport CHANGE...", run: windowCmd("backport")})
	register(&command{name: "revert", summary: "emergency revert without the TUI: revert and sync first, then push: porthole revert CHANGE... or --from WINDOW [--change N]", run: windowCmd("revert")})
}

// windowCmd runs the backport or revert runbook from the command line: the
// same runner, gates and journal as `porthole run KIND --param changes=...`.
// Flags (--config, --reason for a revert, ...) pass through; the positional
// words are the changes.
func windowCmd(kind string) func(ctx context.Context, args []string) error {
	return func(ctx context.Context, args []string) error {
		if kind == "revert" && hasFrom(args) {
			return runRevertFrom(ctx, args)
		}
		runArgs, err := windowArgs(kind, args)
		if err != nil {
			return err
		}
		return runRunbook(ctx, runArgs)
	}
}

// windowArgs turns `porthole KIND [flags] CHANGE...` into the arguments of
// `porthole run KIND --param changes=... [flags]`.
func windowArgs(kind string, args []string) ([]string, error) {
	{
		var changes, rest []string
		for i := 0; i < len(args); i++ {
			a := args[i]
			switch {
			case a == "--reason" || a == "-reason":
				if i+1 < len(args) {
					rest = append(rest, "--param", "reason="+args[i+1])
					i++
				} else {
					return nil, usageError{msg: "--reason needs a text, e.g. --reason 'fatals on enwiki'"}
				}
			case strings.HasPrefix(a, "--reason=") || strings.HasPrefix(a, "-reason="):
				rest = append(rest, "--param", "reason="+a[strings.Index(a, "=")+1:])
			case strings.HasPrefix(a, "-"):
				rest = append(rest, a)
				if !strings.Contains(a, "=") && takesValue(a) && i+1 < len(args) {
					rest = append(rest, args[i+1])
					i++
				}
			default:
				changes = append(changes, a)
			}
		}
		if len(changes) == 0 {
			return nil, usageError{msg: "name the change(s), e.g. porthole " + kind + " 12345 (a number, a Gerrit URL or a Change-Id)"}
		}
		return append([]string{kind, "--param", "changes=" + strings.Join(changes, " ")}, rest...), nil
	}
}

// takesValue tells the pass-through flags that are followed by a value.
func takesValue(flag string) bool {
	switch strings.TrimLeft(flag, "-") {
	case "config", "param":
		return true
	}
	return false
}
