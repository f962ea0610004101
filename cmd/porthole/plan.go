package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"porthole/config"
	"porthole/gerrit"
	"porthole/runbooks"
	wnd "porthole/window"
)

// planOut is where `porthole plan` writes (a test swaps it).
var planOut io.Writer = os.Stdout

func init() {
	register(&command{name: "plan", summary: "show what a backport window would do, touching nothing", run: runPlan})
}

const planUsage = `usage: porthole plan [-config FILE] [-json] CHANGE...
CHANGE is a change number, a Gerrit URL or a Change-Id. porthole resolves the
changes and reads wikiversions.json and .gitmodules on the deployment host
(read-only), then prints the window: the changes, the warnings, and every step
with its host, exact command, gate and undo. Nothing is approved, fetched or synced.`

func runPlan(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("porthole plan", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	ef := addEnvFlags(fs)
	asJSON := fs.Bool("json", false, "print the plan as JSON")
	refs, help, err := parseArgs(fs, args, planUsage, planOut)
	if help || err != nil {
		return err
	}
	if len(refs) == 0 {
		return usageError{msg: "name at least one change, e.g. porthole plan 12345\n" + planUsage}
	}
	env, cleanup, err := loadEnv(ctx, ef)
	if err != nil {
		return err
	}
	defer cleanup()
	if env.Gerrit == nil {
		return fmt.Errorf("no Gerrit configured: set gerrit.url in the config (e.g. https://gerrit.wikimedia.org/r/)")
	}
	plan, err := runbooks.Build(ctx, env, "backport", map[string]string{"changes": strings.Join(refs, " ")})
	if err != nil {
		return err
	}
	if err := wnd.CheckNotDeployed(stateDir(env), plan); err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(planOut)
		enc.SetIndent("", "  ")
		err = enc.Encode(planJSONOf(env, plan))
	} else {
		err = printPlan(planOut, env, plan)
	}
	if err != nil {
		return err
	}
	return planDanger(plan)
}

// dangerError ends a plan shown in full whose window carries a danger
// warning (a schema change): exit code 3, so that no script takes it for a
// plan to go ahead with.
type dangerError struct{ msg string }

func (e dangerError) Error() string { return e.msg }

// planDanger is a dangerError naming the plan's danger warnings, or nil.
func planDanger(p *runbooks.Plan) error {
	var what []string
	for _, w := range p.Warnings {
		if w.Level == runbooks.Danger {
			s := w.Code
			if w.Change != 0 {
				s = fmt.Sprintf("%s (change %d)", w.Code, w.Change)
			}
			what = append(what, s)
		}
	}
	if len(what) == 0 {
		return nil
	}
	return dangerError{msg: fmt.Sprintf("the plan carries danger warnings: %s; read them above: such a change must not ride a backport window, or needs typing its number to be +2'd",
		strings.Join(what, ", "))}
}

// planView is a plan as `porthole plan --json` prints it: the steps without
// their functions, levels and gate kinds as words, each step's hosts named.
type planView struct {
	ID       string            `json:"id"`
	Kind     string            `json:"kind"`
	Title    string            `json:"title"`
	Params   map[string]string `json:"params"`
	SAL      string            `json:"sal"`
	Changes  []*gerrit.Change  `json:"changes"`
	Warnings []warningView     `json:"warnings"`
	Steps    []stepView        `json:"steps"`
}

type warningView struct {
	Level  string `json:"level"`
	Code   string `json:"code"`
	Change int    `json:"change,omitempty"`
	Text   string `json:"text"`
}

type stepView struct {
	N            int       `json:"n"`
	ID           string    `json:"id"`
	Title        string    `json:"title"`
	Role         string    `json:"role"`
	Hosts        []string  `json:"hosts,omitempty"`
	Dir          string    `json:"dir,omitempty"`
	Command      string    `json:"command,omitempty"`
	Irreversible bool      `json:"irreversible"`
	Gate         *gateView `json:"gate,omitempty"`
	Undo         string    `json:"undo,omitempty"`
	Retries      int       `json:"retries,omitempty"`
	CoveredBy    string    `json:"covered_by,omitempty"`
}

type gateView struct {
	Kind    string            `json:"kind"`
	Prompt  string            `json:"prompt"`
	Detail  string            `json:"detail,omitempty"`
	Choices []runbooks.Choice `json:"choices,omitempty"`
	Default string            `json:"default"`
}

func levelWord(l runbooks.Level) string {
	switch l {
	case runbooks.Danger:
		return "danger"
	case runbooks.Warn:
		return "warn"
	}
	return "info"
}

func gateKindWord(k runbooks.GateKind) string {
	switch k {
	case runbooks.GateConfirm:
		return "confirm"
	case runbooks.GateChoice:
		return "choice"
	case runbooks.GateTyped:
		return "typed"
	}
	return "continue"
}

// hostsOf names a role's hosts without connecting.
func hostsOf(env *runbooks.Env, role string) []string {
	switch role {
	case config.RoleGerrit:
		return []string{"gerrit"}
	case config.RoleLocal, "":
		return []string{"local"}
	}
	if hn, ok := env.Hosts.(config.HostNamer); ok {
		return hn.Names(role)
	}
	return nil
}

func planJSONOf(env *runbooks.Env, p *runbooks.Plan) planView {
	v := planView{ID: p.ID, Kind: p.Kind, Title: p.Title, Params: p.Params, Changes: p.Changes,
		SAL: gerrit.SAL(p.Changes, env.Config.SALFormat), Warnings: []warningView{}, Steps: []stepView{}}
	for _, w := range p.Warnings {
		v.Warnings = append(v.Warnings, warningView{Level: levelWord(w.Level), Code: w.Code, Change: w.Change, Text: w.Text})
	}
	for i, s := range p.Steps {
		sv := stepView{N: i + 1, ID: s.ID, Title: s.Title, Role: s.Role, Hosts: hostsOf(env, s.Role), Dir: s.Dir,
			Command: s.Command, Irreversible: s.Irreversible, Undo: s.Undo, Retries: s.Retries, CoveredBy: s.CoveredBy}
		if g := effectiveGate(s); g != nil {
			sv.Gate = &gateView{Kind: gateKindWord(g.Kind), Prompt: g.Prompt, Detail: g.Detail, Choices: g.Choices, Default: g.Default}
		}
		v.Steps = append(v.Steps, sv)
	}
	return v
}

// effectiveGate is the gate the runner asks before s: its own, and for an
// irreversible step always one that defaults to No.
func effectiveGate(s *runbooks.Step) *runbooks.Gate {
	if s.Irreversible && s.CoveredBy == "" {
		g := runbooks.Gate{Kind: runbooks.GateConfirm, Prompt: s.Title + "?"}
		if s.Gate != nil {
			g = *s.Gate
		}
		if g.Kind == runbooks.GateContinue {
			g.Kind = runbooks.GateConfirm
		}
		g.Default = "n"
		return &g
	}
	return s.Gate
}

func printPlan(w io.Writer, env *runbooks.Env, p *runbooks.Plan) error {
	bw := &errWriter{w: w}
	bw.printf("%s\n", p.Title)
	bw.printf("porthole plan: nothing was approved, fetched or synced; this is what the window would do.\n")
	bw.printf("\nChanges\n")
	for _, ch := range p.Changes {
		bw.printf("  %d  %s  %s  %s\n", ch.Number, ch.Project, ch.Branch, strings.ToLower(ch.Status))
		bw.printf("       %s\n", ch.Subject)
		owner := ch.Owner.Name
		if owner == "" {
			owner = ch.Owner.Username
		}
		bw.printf("       owner: %s", dash(owner))
		if len(ch.Bugs) > 0 {
			var links []string
			for _, b := range ch.Bugs {
				links = append(links, "https://phabricator.wikimedia.org/"+b)
			}
			bw.printf("   tasks: %s", strings.Join(links, " "))
		}
		bw.printf("\n")
		if a := approvals(ch); a != "" {
			bw.printf("       approvals: %s\n", a)
		}
		if ch.WebURL != "" {
			bw.printf("       %s\n", ch.WebURL)
		}
	}
	bw.printf("\nWarnings\n")
	if len(p.Warnings) == 0 {
		bw.printf("  none\n")
	}
	for _, wn := range p.Warnings {
		bw.printf("  %-6s %-13s %s\n", strings.ToUpper(levelWord(wn.Level)), wn.Code, wn.Text)
	}
	bw.printf("\nSAL: %s\n", gerrit.SAL(p.Changes, env.Config.SALFormat))
	bw.printf("\nSteps\n")
	for i, s := range p.Steps {
		mark := ""
		if s.Irreversible {
			mark = "  ⚠ irreversible"
		}
		bw.printf("%3d. %s%s\n", i+1, s.Title, mark)
		var where string
		switch s.Role {
		case config.RoleGerrit:
			where = "on Gerrit (REST API)"
		case config.RoleLocal, "":
			where = "on this machine"
		default:
			where = "on " + strings.Join(hostsOf(env, s.Role), ", ") + " (" + s.Role + ")"
		}
		if s.Dir != "" {
			where += " in " + s.Dir
		}
		bw.printf("     %s\n", where)
		if s.Command != "" {
			bw.printf("     $ %s\n", s.Command)
		}
		if g := effectiveGate(s); g != nil {
			bw.printf("     gate: %s %s\n", g.Prompt, gateAnswers(g))
		} else if s.CoveredBy != "" {
			bw.printf("     gate: confirmed by %s\n", s.CoveredBy)
		}
		if s.Retries > 0 {
			bw.printf("     retries: %d on a network error\n", s.Retries)
		}
		if s.Undo != "" {
			bw.printf("     undo: %s\n", s.Undo)
		}
	}
	return bw.err
}

func gateAnswers(g *runbooks.Gate) string {
	switch g.Kind {
	case runbooks.GateConfirm:
		if g.Default == "y" {
			return "[Y/n]"
		}
		return "[y/N]"
	case runbooks.GateChoice:
		var cs []string
		for _, c := range g.Choices {
			cs = append(cs, "["+c.Key+"] "+c.Label)
		}
		return "(" + strings.Join(cs, ", ") + "; default " + g.Default + ")"
	case runbooks.GateTyped:
		return "[type " + g.Expect + "; y is not enough]"
	}
	return "[enter]"
}

// approvals summarises the votes: "Code-Review +2 alice; Verified +1 jenkins-bot".
func approvals(ch *gerrit.Change) string {
	var labels []string
	for l := range ch.Labels {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	var parts []string
	for _, l := range labels {
		for _, v := range ch.Labels[l] {
			if v.Value == 0 {
				continue
			}
			who := v.Account.Username
			if who == "" {
				who = v.Account.Name
			}
			parts = append(parts, fmt.Sprintf("%s %+d %s", l, v.Value, who))
		}
	}
	return strings.Join(parts, "; ")
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
