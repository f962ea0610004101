package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"

	"porthole/config"
	"porthole/maint"
	"porthole/runbooks"
	"porthole/runbooks/journal"
	wnd "porthole/window"
)

// runOut, runErr and runIn are where `porthole run` talks (tests swap them).
var (
	runOut io.Writer = os.Stdout
	runErr io.Writer = os.Stderr
	runIn  io.Reader = os.Stdin
)

func init() {
	register(&command{name: "run", summary: "run a maintenance runbook without the TUI (--list lists them)", run: runRunbook})
}

const runUsage = `usage: porthole run RUNBOOK [--param NAME=VALUE]... [--yes-dry-runs] [-config FILE]
       porthole run --resume [WINDOW]
       porthole run --list
Runs a runbook (namespaceDupes, updateCollation, purgeList, createExtensionTables,
or one of your YAML runbooks under $XDG_CONFIG_HOME/porthole/runbooks) without the
TUI: every step's output is printed with its host, every gate is asked here
([y/N]; irreversible steps default to No), and the window is journaled like any
other (porthole log). --yes-dry-runs answers yes to the gates of dry-run steps.
--resume picks up an unfinished window (the newest, or WINDOW): done steps are
not run again, and a script still running in tmux on the host is reattached.
Examples:
  porthole run namespaceDupes --param wiki=hewiki
  porthole run updateCollation --param wiki=iswiki --param previous_collation=uppercase
  porthole run purgeList --param urls=https://en.wikipedia.org/static/images/project-logos/hewiki.png`

// runParams collects repeated --param NAME=VALUE.
type runParams map[string]string

func (p runParams) String() string { return "" }

func (p runParams) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return fmt.Errorf("--param %q: write NAME=VALUE, e.g. --param wiki=enwiki", s)
	}
	if _, dup := p[k]; dup {
		return fmt.Errorf("--param %s is given twice", k)
	}
	p[k] = v
	return nil
}

func runRunbook(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("porthole run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	ef := addEnvFlags(fs)
	params := runParams{}
	fs.Var(params, "param", "a runbook parameter, NAME=VALUE (repeatable)")
	list := fs.Bool("list", false, "list the runbooks and their parameters")
	yesDry := fs.Bool("yes-dry-runs", false, "answer yes to the gates of dry-run steps")
	resume := fs.Bool("resume", false, "resume an unfinished window (the newest, or the one named)")
	pos, help, err := parseArgs(fs, args, runUsage, runOut)
	if help || err != nil {
		return err
	}
	if *resume && len(params) > 0 {
		return usageError{msg: "--resume takes no --param: the window's own parameters are used\n" + runUsage}
	}
	if *resume && len(pos) > 1 {
		return usageError{msg: "--resume takes at most one window id\n" + runUsage}
	}
	if !*list && !*resume && len(pos) != 1 {
		return usageError{msg: "name one runbook, e.g. porthole run namespaceDupes --param wiki=hewiki (porthole run --list lists them)\n" + runUsage}
	}
	cfg, err := loadConfig(ef)
	if err != nil {
		return err
	}
	red := journal.NewRedactor(cfg)
	defer redactRunOutput(red)()
	return redactErr(red, runLoaded(ctx, cfg, ef, params, pos, *list, *resume, *yesDry))
}

// runLoaded is porthole run once the configuration is loaded.
func runLoaded(ctx context.Context, cfg *config.Config, ef *envFlags, params runParams, pos []string, list, resume, yesDry bool) error {
	_, problems := maint.RegisterUserRunbooks(cfg)
	for _, p := range problems {
		fmt.Fprintf(runErr, "porthole run: skipped a YAML runbook: %v\n", p)
	}
	if list {
		return runList(runOut)
	}
	if resume {
		return runResume(ctx, cfg, ef, pos, yesDry)
	}
	return runNew(ctx, cfg, ef, pos[0], params, yesDry)
}

// runResume picks up window pos[0], or the newest one that did not finish well.
func runResume(ctx context.Context, cfg *config.Config, ef *envFlags, pos []string, yesDry bool) error {
	id := ""
	if len(pos) == 1 {
		id = pos[0]
	}
	env, cleanup, err := envFromConfig(ctx, cfg, ef)
	if err != nil {
		return err
	}
	defer cleanup()
	if id == "" {
		if id, err = runNewestUnfinished(env); err != nil {
			return err
		}
	}
	plan, opts, j, err := resumeWindow(ctx, env, id)
	if err != nil {
		if ctx.Err() != nil {
			return interruptedError{msg: "interrupted while preparing to resume window " + id + ": no step ran; it is as it was"}
		}
		return err
	}
	defer j.Close()
	fmt.Fprintln(runOut, "resuming:")
	runPrintPlan(runOut, env, plan, opts.Resume)
	r := runbooks.NewRunner(env, plan, j, opts)
	r.Start(ctx)
	return runDrive(ctx, r, env, plan, yesDry, opts.Resume)
}

// runNewestUnfinished is the newest window that did not finish well:
// unfinished, or stopped by a failure (a lost host, a failed script).
func runNewestUnfinished(env *runbooks.Env) (string, error) {
	ws, err := journal.ListWindows(stateDir(env))
	if err != nil {
		return "", err
	}
	for _, w := range ws {
		if w.Resumable {
			return w.ID, nil
		}
	}
	return "", fmt.Errorf("no window to resume under %s: porthole log lists the windows there are", journal.WindowsDir(stateDir(env)))
}

// runNew builds and runs a new window of runbook kind.
func runNew(ctx context.Context, cfg *config.Config, ef *envFlags, kind string, params runParams, yesDry bool) error {
	if !runContains(runbooks.Kinds(), kind) {
		return usageError{msg: fmt.Sprintf("no runbook named %q: porthole run --list lists them%s", kind, runClosest(kind, runbooks.Kinds()))}
	}
	env, cleanup, err := envFromConfig(ctx, cfg, ef)
	if err != nil {
		return err
	}
	defer cleanup()
	plan, err := runbooks.Build(ctx, env, kind, params)
	if err != nil {
		if ctx.Err() != nil {
			return interruptedError{msg: "interrupted while preparing the " + kind + " window: no step ran and no window was journaled"}
		}
		var pe *runbooks.ParamError
		if errors.As(err, &pe) {
			return usageError{msg: err.Error()} // the same exit code as an unknown runbook
		}
		return err
	}
	if err := wnd.CheckNotDeployed(stateDir(env), plan); err != nil {
		return err
	}
	j, err := openJournal(env, plan)
	if err != nil {
		return err
	}
	defer j.Close()
	runPrintPlan(runOut, env, plan, nil)
	r := runbooks.NewRunner(env, plan, j, runbooks.RunOptions{})
	r.Start(ctx)
	return runDrive(ctx, r, env, plan, yesDry, nil)
}

func runContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// closest suggests a runbook name differing only in case or by a typo.
func runClosest(s string, names []string) string {
	for _, n := range names {
		if strings.EqualFold(n, s) {
			return "; did you mean " + n + "?"
		}
	}
	for _, n := range names {
		if len(n) > 3 && (strings.HasPrefix(strings.ToLower(n), strings.ToLower(s)) || strings.HasPrefix(strings.ToLower(s), strings.ToLower(n))) {
			return "; did you mean " + n + "?"
		}
	}
	return ""
}

// listRunbooks prints each runbook with where it comes from and its parameters.
func runList(w io.Writer) error {
	kinds := runbooks.Kinds()
	sort.Strings(kinds)
	for _, k := range kinds {
		src := "built-in"
		if f := maint.UserRunbookFile(k); f != "" {
			src = f
		}
		fmt.Fprintf(w, "%s  (%s)\n", k, src)
		for _, p := range runbooks.Params(k) {
			req := ""
			switch {
			case p.Required:
				req = ", required"
			case p.Default != "":
				req = ", default " + p.Default
			}
			typ := string(p.Type)
			if len(p.Allowed) > 0 {
				typ += " " + strings.Join(p.Allowed, "|")
			}
			fmt.Fprintf(w, "    --param %s=…  %s%s", p.Name, typ, req)
			if p.Help != "" {
				fmt.Fprintf(w, ": %s", p.Help)
			}
			fmt.Fprintln(w)
		}
	}
	return nil
}

// runPrintPlan shows the window before it starts (or resumes: done steps marked).
func runPrintPlan(w io.Writer, env *runbooks.Env, plan *runbooks.Plan, resumed *journal.WindowState) {
	fmt.Fprintf(w, "porthole run %s: %s (window %s)\n", plan.Kind, plan.Title, plan.ID)
	for i, s := range plan.Steps {
		mark := ""
		switch {
		case resumed != nil && resumed.StepState(s.ID) == runbooks.Done:
			mark = "  [done]"
		case s.Irreversible:
			mark = "  [irreversible: asks, default No]"
		case s.DryRun:
			mark = "  [dry run]"
		}
		fmt.Fprintf(w, "  %d. %s — on %s%s\n", i+1, s.Title, runHosts(env, s.Role), mark)
		for _, l := range strings.Split(s.Command, "\n") {
			if l != "" {
				fmt.Fprintf(w, "       $ %s\n", l)
			}
		}
	}
}

func runHosts(env *runbooks.Env, role string) string {
	if hn, ok := env.Hosts.(config.HostNamer); ok {
		if n := hn.Names(role); len(n) > 0 {
			return strings.Join(n, ", ") + " (" + role + ")"
		}
	}
	return "the " + role + " host"
}

// runStdin reads the terminal's answers one line at a time; closed at EOF.
type runStdin struct {
	once sync.Once
	ch   chan string
}

func (s *runStdin) next(ctx context.Context) (string, bool) {
	s.once.Do(func() {
		s.ch = make(chan string)
		go func() {
			sc := bufio.NewScanner(runIn)
			for sc.Scan() {
				s.ch <- sc.Text()
			}
			close(s.ch)
		}()
	})
	select {
	case l, ok := <-s.ch:
		return l, ok
	case <-ctx.Done():
		return "", false
	}
}
