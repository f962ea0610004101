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
	"time"

	"porthole/config"
	"porthole/maint"
	"porthole/runbooks"
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
	red := runbooks.NewRedactor(cfg)
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
	ws, err := runbooks.ListWindows(stateDir(env))
	if err != nil {
		return "", err
	}
	for _, w := range ws {
		if w.Resumable {
			return w.ID, nil
		}
	}
	return "", fmt.Errorf("no window to resume under %s: porthole log lists the windows there are", runbooks.WindowsDir(stateDir(env)))
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
func runPrintPlan(w io.Writer, env *runbooks.Env, plan *runbooks.Plan, resumed *runbooks.WindowState) {
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

// drive prints the run's events and answers its gates from the terminal
// (resumed: the window's state before this run, or nil).
func runDrive(ctx context.Context, r *runbooks.Runner, env *runbooks.Env, plan *runbooks.Plan, yesDry bool, resumed *runbooks.WindowState) error {
	d := newRunDriver(env, plan, yesDry, resumed)
	defer setInterruptAsker(d.prod.question(ctx, d.in, env))()
	var final error
	for e := range r.Events() {
		if f, ok := e.(runbooks.RunFinished); ok {
			final = f.Err
			continue
		}
		d.event(ctx, e)
	}
	journal := ""
	if j := r.Journal(); j != nil {
		journal = " (porthole log show " + j.ID() + ")"
	}
	if final != nil {
		fmt.Fprintf(runOut, "\nporthole run %s stopped%s\n", plan.Kind, journal)
		var ce *runbooks.CancelledError
		if (errors.As(final, &ce) || ctx.Err() != nil) && r.Journal() != nil {
			step := d.atGate
			if ce != nil {
				step = ce.StepID
			}
			return runInterrupted(env, plan, d.index[step], d.stopped[step], d.done, r.Journal().ID())
		}
		return final
	}
	fmt.Fprintf(runOut, "\nporthole run %s: all %d steps done%s\n", plan.Kind, len(plan.Steps), journal)
	return nil
}

// runDriver is what runDrive keeps from one event to the next.
type runDriver struct {
	env      *runbooks.Env
	plan     *runbooks.Plan
	yesDry   bool
	in       *runStdin
	steps    map[string]*runbooks.Step
	index    map[string]int    // step ID → its 1-based position
	done     int               // steps done, this run and before it
	lastProg map[string]string // step ID → the progress last printed
	stopped  map[string]bool   // steps whose command a cancel stopped
	atGate   string            // the step whose gate is being asked
	prod     *prodWatch        // whether a production step runs, for Ctrl-C
}

func newRunDriver(env *runbooks.Env, plan *runbooks.Plan, yesDry bool, resumed *runbooks.WindowState) *runDriver {
	d := &runDriver{env: env, plan: plan, yesDry: yesDry, in: &runStdin{},
		steps: map[string]*runbooks.Step{}, index: map[string]int{},
		lastProg: map[string]string{}, stopped: map[string]bool{}, prod: &prodWatch{}}
	for i, s := range plan.Steps {
		d.steps[s.ID] = s
		d.index[s.ID] = i + 1
		if resumed != nil && resumed.StepState(s.ID) == runbooks.Done {
			d.done++
		}
	}
	return d
}

// event prints one event of the run, or answers its gate.
func (d *runDriver) event(ctx context.Context, e runbooks.Event) {
	switch ev := e.(type) {
	case runbooks.StepStarted:
		d.atGate = ""
		d.prod.started(d.steps[ev.StepID])
		fmt.Fprintf(runOut, "\n==> [%d/%d] %s\n", d.index[ev.StepID], len(d.plan.Steps), d.steps[ev.StepID].Title)
	case runbooks.StepOutput:
		fmt.Fprintf(runOut, "%s: %s\n", ev.Line.Host, ev.Line.Text)
	case runbooks.StepNote:
		prefix := "--"
		switch ev.Level {
		case runbooks.Warn:
			prefix = "!!"
		case runbooks.Danger:
			prefix = "XX"
		}
		fmt.Fprintf(runOut, "%s %s\n", prefix, ev.Text)
	case runbooks.StepProgress:
		p := ev.Progress
		if p.Total > 1 {
			key := fmt.Sprintf("%d/%d/%d", p.OK, p.Failed, p.InFlight)
			if d.lastProg[ev.StepID] != key {
				d.lastProg[ev.StepID] = key
				fmt.Fprintf(runErr, "%s\n", p.String())
			}
		}
	case runbooks.GateRequest:
		d.atGate = ev.StepID
		d.prod.asking(true)
		d.prod.ask.Lock()
		ans, ok := runAsk(ctx, d.in, ev, d.steps[ev.StepID], d.env, d.yesDry)
		d.prod.ask.Unlock()
		d.prod.asking(false)
		if ok {
			ev.Answer(ans)
		}
	case runbooks.StepFinished:
		d.prod.finished()
		d.finished(ev)
	}
}

// finished prints how a step ended.
func (d *runDriver) finished(ev runbooks.StepFinished) {
	s := d.steps[ev.StepID]
	switch {
	case ev.State == runbooks.Done:
		d.done++
		fmt.Fprintf(runOut, "<== %s: done (%s)\n", s.Title, ev.Duration.Round(time.Millisecond))
	case ev.State == runbooks.Failed && errors.Is(ev.Err, context.Canceled):
		d.stopped[ev.StepID] = true
		fmt.Fprintf(runOut, "<== %s: cancelled: its command was stopped\n", s.Title)
	case ev.State == runbooks.Failed:
		// The failure ends the run: its error, the last line on
		// stderr, says why in full (once, not here as well).
		fmt.Fprintf(runOut, "<== %s: FAILED (why: the last line, below)\n", s.Title)
	case ev.State == runbooks.Skipped:
		fmt.Fprintf(runOut, "<== %s: skipped\n", s.Title)
	}
}

// runInterrupted says, in one line, where an interrupted window stands and
// how to pick it up: during step n (1-based; 0 for between steps), whose
// command was stopped (running) or whose gate was being asked.
func runInterrupted(env *runbooks.Env, plan *runbooks.Plan, n int, running bool, done int, id string) error {
	where := "between steps"
	if n > 0 {
		s := plan.Steps[n-1]
		if running {
			where = fmt.Sprintf("during step %d/%d (%s): its command on %s was stopped and will run again on resume%s", n, len(plan.Steps), s.Title, runHosts(env, s.Role), stoppedProduction(plan, n))
		} else {
			where = fmt.Sprintf("at the question before step %d/%d (%s): it did not run; resume asks again", n, len(plan.Steps), s.Title)
		}
	}
	return interruptedError{msg: fmt.Sprintf("interrupted %s; %d of %d steps done, all journaled; continue with: porthole run --resume %s (porthole log show %s shows the window)",
		where, done, len(plan.Steps), id, id)}
}

// ask puts a gate to the deployer on the terminal. It gives no answer (ok
// false) when ctx is cancelled while it asks: the runner stops the window
// as interrupted, not as declined.
func runAsk(ctx context.Context, in *runStdin, g runbooks.GateRequest, s *runbooks.Step, env *runbooks.Env, yesDry bool) (runbooks.Decision, bool) {
	d := runbooks.Decision{By: env.User, At: time.Now()}
	gate := g.Gate
	fmt.Fprintf(runOut, "\n?? %s\n", gate.Prompt)
	if gate.Detail != "" {
		for _, l := range strings.Split(gate.Detail, "\n") {
			fmt.Fprintf(runOut, "   %s\n", l)
		}
	}
	if yesDry && s != nil && s.DryRun && !s.Irreversible {
		fmt.Fprintln(runOut, "   y (--yes-dry-runs: a dry run changes nothing)")
		d.Choice = "y"
		return d, true
	}
	def := gate.Default
	var hint string
	switch gate.Kind {
	case runbooks.GateChoice:
		var cs []string
		for _, c := range gate.Choices {
			cs = append(cs, c.Key+"="+c.Label)
		}
		hint = "[" + strings.Join(cs, ", ") + "; default " + def + "]"
	case runbooks.GateContinue:
		if def == "" {
			def = "y"
		}
		hint = "[enter to go on, n to stop]"
	case runbooks.GateTyped:
		def = "n"
		hint = "[type " + gate.Expect + " to go on; anything else stops]"
	default:
		if def == "y" {
			hint = "[Y/n]"
		} else {
			def = "n"
			hint = "[y/N]"
		}
	}
	for {
		fmt.Fprintf(runOut, "   %s ", hint)
		line, ok := in.next(ctx)
		if ctx.Err() != nil {
			fmt.Fprintln(runOut, "(interrupted)")
			return d, false
		}
		if !ok {
			// No terminal to answer (EOF): the safe answer.
			fmt.Fprintln(runOut, "n (no answer)")
			d.Choice = "n"
			return d, true
		}
		if gate.Kind == runbooks.GateTyped {
			// the runner takes only the exact text; "y" is a no
			d.Choice, d.At = strings.TrimSpace(line), time.Now()
			if d.Choice != gate.Expect {
				fmt.Fprintf(runOut, "   %q is not %s: not going on\n", d.Choice, gate.Expect)
			}
			return d, true
		}
		a := strings.ToLower(strings.TrimSpace(line))
		if a == "" {
			a = def
		}
		if a == "yes" {
			a = "y"
		}
		if a == "no" {
			a = "n"
		}
		valid := a == "y" || a == "n"
		if gate.Kind == runbooks.GateChoice {
			valid = false
			for _, c := range gate.Choices {
				if c.Key == a {
					valid = true
				}
			}
		}
		if valid {
			d.Choice, d.At = a, time.Now()
			return d, true
		}
		fmt.Fprintf(runOut, "   %q is not an answer here\n", line)
	}
}
