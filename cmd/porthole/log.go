package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/term"

	"porthole/config"
	"porthole/runbooks/journal"
	"porthole/runbooks/report"
)

// logOut is where `porthole log` writes (a test swaps it).
var logOut io.Writer = os.Stdout

func init() {
	register(&command{name: "log", summary: "list past windows; show or export one as Markdown", run: runLog})
}

const logUsage = `usage:
  porthole log [-n N] [-config FILE]            list windows, newest first
  porthole log show [ID] [-markdown] [-config FILE]  print a window for reading (the newest without ID;
                                                -markdown: its Markdown, as export writes it)
  porthole log export [ID] -o FILE [-force]     write it to FILE, for the Phabricator task or SAL
ID may be any unique prefix of a window id.`

func runLog(_ context.Context, args []string) error {
	sub := "list"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("porthole log "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	ef := addEnvFlags(fs)
	n := fs.Int("n", 20, "list at most N windows (0 for all)")
	out := fs.String("o", "", "export: the Markdown file to write")
	force := fs.Bool("force", false, "export: overwrite FILE if it exists")
	raw := fs.Bool("markdown", false, "show: print the Markdown instead of laying it out for the terminal")
	pos, help, err := parseArgs(fs, args, logUsage, logOut)
	if help || err != nil {
		return err
	}
	cfg, err := loadConfig(ef)
	if err != nil {
		return err
	}
	state := config.StateDir(cfg)
	switch sub {
	case "list", "ls":
		if len(pos) > 0 {
			return usageError{msg: fmt.Sprintf("unexpected argument %q: to see a window, run porthole log show %s", pos[0], pos[0])}
		}
		return listWindows(logOut, state, *n)
	case "show", "export":
		if len(pos) > 1 {
			return usageError{msg: fmt.Sprintf("%s takes one window id, not %d", sub, len(pos))}
		}
		id := ""
		if len(pos) == 1 {
			id = pos[0]
		}
		path, err := journal.FindWindow(state, id)
		if err != nil {
			return err
		}
		w, err := journal.LoadWindow(path)
		if err != nil {
			return err
		}
		md := report.Markdown(w)
		if sub == "show" {
			return showReport(logOut, md+revertHint(w, state), *raw)
		}
		if *out == "" {
			return usageError{msg: "export needs -o FILE (or print the window with porthole log show " + w.ID + ")"}
		}
		return writeExport(*out, md, *force, w.ID)
	default:
		return usageError{msg: fmt.Sprintf("unknown subcommand %q\n%s", sub, logUsage)}
	}
}

// showReport prints a window's record laid out for the terminal (colours on
// a terminal, plain text into a pipe), or its Markdown.
func showReport(w io.Writer, md string, raw bool) error {
	if raw {
		_, err := io.WriteString(w, md)
		return err
	}
	style, width := "plain", 100
	if f, ok := w.(*os.File); ok && term.IsTerminal(f.Fd()) {
		style = "light"
		if lipgloss.HasDarkBackground(os.Stdin, f) {
			style = "dark"
		}
		if cols, _, err := term.GetSize(f.Fd()); err == nil && cols > 0 {
			width = min(cols, 120)
		}
	}
	out, err := report.Terminal(md, width, style)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, out)
	return err
}

// listWindows prints the journaled windows, newest first.
func listWindows(w io.Writer, state string, n int) error {
	all, err := journal.ListWindows(state)
	if err != nil {
		return err
	}
	if len(all) == 0 {
		fmt.Fprintf(w, "No windows journaled under %s yet.\n", journal.WindowsDir(state))
		return nil
	}
	shown := all
	if n > 0 && len(shown) > n {
		shown = shown[:n]
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTARTED (UTC)\tKIND\tSTATUS\tUSER\tTITLE")
	for _, s := range shown {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, when(s.Started), dash(s.Kind), statusWords(s), dash(s.User), oneLine(s.Title, 60))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(shown) < len(all) {
		fmt.Fprintf(w, "(%d older windows not shown: porthole log -n 0 lists them all)\n", len(all)-len(shown))
	}
	return nil
}

// statusWords is a window's status with the step it stopped at.
func statusWords(s journal.WindowSummary) string {
	switch {
	case s.Kind == "" && s.Error != "":
		return "unreadable: " + oneLine(s.Error, 40)
	case s.RevertedBy != "":
		return "reverted (by " + s.RevertedBy + ")"
	case s.Status == journal.StatusOK:
		return fmt.Sprintf("ok (%d/%d steps)", s.Done, s.Steps)
	case s.FailedStep != "" && s.Status == journal.StatusDeclined:
		return "declined at " + s.FailedStep
	case s.FailedStep != "" && s.Status == journal.StatusUnfinished:
		return "unfinished in " + s.FailedStep
	case s.FailedStep != "":
		return s.Status + " at " + s.FailedStep
	}
	return s.Status
}

func writeExport(path, md string, force bool, id string) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s already exists: pick another file or add -force to overwrite it", path)
	}
	if err != nil {
		return fmt.Errorf("writing the export: %w", err)
	}
	if _, err := io.WriteString(f, md); err != nil {
		f.Close()
		return fmt.Errorf("writing the export: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing the export: %w", err)
	}
	fmt.Fprintf(logOut, "Wrote window %s to %s\n", id, path)
	return nil
}

// parseInterleaved parses flags that may come before or after positional arguments.
// parseArgs parses flags and positional words in any order. On -h it prints
// usage to out and reports help; a flag mistake becomes a usageError that
// carries the usage.
func parseArgs(fs *flag.FlagSet, args []string, usage string, out io.Writer) ([]string, bool, error) {
	pos, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(out, usage)
		return nil, true, nil
	}
	if err != nil {
		return nil, false, usageError{msg: err.Error() + "\n" + usage}
	}
	return pos, false, nil
}

func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string, limit int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > limit {
		return string(r[:limit-1]) + "…"
	}
	return s
}
