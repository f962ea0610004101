package tui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"porthole/config"
	"porthole/gerrit"
	"porthole/remote"
	"porthole/runbooks"
	"porthole/runbooks/journal"
	"porthole/tui/internal/testgit"
)

// testEngine answers the TUI from canned changes and plans, and runs plans
// with the real runbooks.Runner (steps are small Go functions, no journal),
// so gates, step mode, irreversible defaults and cancel behave as in
// production. Only Gerrit and the hosts are left out.
type testEngine struct {
	t       *testing.T
	changes map[string]*gerrit.Change
	patch   string // the incoming `git log -p` the review step saves
	clock   func() time.Time

	mu        sync.Mutex
	started   []*runbooks.Plan
	runners   []*runbooks.Runner
	built     []string
	unf, past []journal.WindowSummary
	release   chan struct{}         // the sync step waits on it (to test cancel and q)
	failFetch int                   // the fetch fails this many times (like a flaky network)
	state     string                // when set, windows are journaled here and listed from here
	resolves  int                   // Resolve calls
	rebase    bool                  // the plan has a git rebase step after the review (as the real one)
	pending   []string              // the changes Pending lists
	moreSugs  []runbooks.Suggestion // suggested after the sync, after namespaceDupes
}

type testRun struct{ *runbooks.Runner }

func (testRun) Close() error { return nil }

func newTestEngine(t *testing.T) *testEngine {
	t.Helper()
	bugs := []string{"T388101"}
	mergeable := true
	ch := &gerrit.Change{Number: 1000, Project: "mediawiki/core", Branch: "wmf/1.44.0-wmf.5",
		ChangeID: "I0123456789abcdef0123456789abcdef01234567", Subject: "ApiMain: Send X-Database-Lag only with maxlag errors",
		Status: "NEW", Owner: gerrit.Account{Name: "Amara Okafor", Username: "aokafor"}, PatchSet: 2,
		Labels: map[string][]gerrit.Vote{
			"Code-Review": {{Account: gerrit.Account{Name: "Bo Lindqvist", Username: "bo"}, Value: 1}},
			"Verified":    {{Account: gerrit.Account{Name: "jenkins-bot", Username: "jenkins-bot"}, Value: 1}},
		},
		Mergeable: &mergeable, Bugs: bugs, WebURL: "https://gerrit.example.org/r/c/mediawiki/core/+/1000",
		Files: []gerrit.File{{Path: "includes/api/ApiMain.php", Status: "M", Inserted: 1, Deleted: 1}}}
	schema := &gerrit.Change{Number: 1004, Project: "mediawiki/core", Branch: "wmf/1.44.0-wmf.5",
		ChangeID: "I1111111111111111111111111111111111111111", Subject: "recentchanges: Add rc_actor_timestamp index",
		Status: "NEW", Owner: gerrit.Account{Name: "Chen Wei", Username: "cwei"}, PatchSet: 1,
		Labels: map[string][]gerrit.Vote{"Code-Review": {{Account: gerrit.Account{Name: "Dana", Username: "dana"}, Value: -1}}},
		Files:  []gerrit.File{{Path: "sql/mysql/patch-rc_actor_timestamp.sql", Status: "A", Inserted: 3}, {Path: "sql/tables.json", Status: "M", Inserted: 12, Deleted: 1}}}
	e := &testEngine{t: t, changes: map[string]*gerrit.Change{"1000": ch, "1004": schema}, release: make(chan struct{}),
		clock: func() time.Time { return time.Date(2026, 3, 3, 14, 0, 0, 0, time.UTC) }}

	// The incoming patch: a real `git log -p` with the change and an extra commit.
	r := testgit.New(t)
	base := r.Commit("Initial", map[string]string{"includes/api/ApiMain.php": "<?php\nclass ApiMain {\n\tpublic function lag() {\n\t\t$response->header( 'X-Database-Lag: ' . $lag );\n\t}\n}\n"})
	r.Commit("ApiMain: Send X-Database-Lag only with maxlag errors\n\nBug: T388101\nChange-Id: "+ch.ChangeID,
		map[string]string{"includes/api/ApiMain.php": "<?php\nclass ApiMain {\n\tpublic function lag() {\n\t\tif ( $maxlag ) {\n\t\t\t$response->header( 'X-Database-Lag: ' . $lag );\n\t\t}\n\t}\n}\n"})
	r.Commit("Direct push nobody asked for\n\nChange-Id: Iffffffffffffffffffffffffffffffffffffffff", map[string]string{"README": "hello\n"})
	e.patch = r.SavePatch(base + "..HEAD")
	return e
}

func (e *testEngine) Resolve(ctx context.Context, ref string) (*gerrit.Change, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.resolves++
	if ch, ok := e.changes[strings.TrimPrefix(ref, "https://gerrit.example.org/r/")]; ok {
		return ch, nil
	}
	return nil, fmt.Errorf("change %s not found in Gerrit: check the number", ref)
}

func (e *testEngine) Build(ctx context.Context, kind string, params map[string]string) (*runbooks.Plan, error) {
	e.mu.Lock()
	e.built = append(e.built, kind+":"+params["changes"])
	e.mu.Unlock()
	switch kind {
	case "backport":
		var chs []*gerrit.Change
		for _, n := range strings.Fields(params["changes"]) {
			e.mu.Lock()
			ch, ok := e.changes[n]
			e.mu.Unlock()
			if !ok {
				return nil, fmt.Errorf("change %s not found", n)
			}
			chs = append(chs, ch)
		}
		return e.backportPlan(chs), nil
	case "namespaceDupes":
		if params["wiki"] == "" {
			return nil, errors.New("wiki is required")
		}
		return &runbooks.Plan{Kind: kind, Title: "namespaceDupes on " + params["wiki"], Params: params,
			Steps: []*runbooks.Step{{ID: "run", Title: "namespaceDupes.php --wiki=" + params["wiki"], Role: config.RoleMaintenance,
				Command: "mwscript namespaceDupes.php --wiki=" + params["wiki"],
				Do: func(ctx context.Context, sc *runbooks.StepContext) error {
					sc.Output(remote.Line{Host: "mwmaint1002", Text: "Looks good!"})
					return nil
				}}}}, nil
	}
	return nil, fmt.Errorf("no runbook named %q", kind)
}

// backportPlan is a window shaped like the real one, with steps that say
// and set what the real ones do.
func (e *testEngine) backportPlan(chs []*gerrit.Change) *runbooks.Plan {
	ch := chs[0]
	out := func(host, text string) func(ctx context.Context, sc *runbooks.StepContext) error {
		return func(ctx context.Context, sc *runbooks.StepContext) error {
			sc.Output(remote.Line{Host: host, Text: text, Time: e.clock()})
			return nil
		}
	}
	var warnings []runbooks.Warning
	for _, c := range chs {
		if c.Number == 1004 {
			warnings = append(warnings, runbooks.Warning{Level: runbooks.Danger, Code: "schema", Change: 1004,
				Text: "change 1004 changes the database schema (sql/tables.json): schema changes never ride a backport window"})
		}
	}
	plan := &runbooks.Plan{Kind: "backport", Title: fmt.Sprintf("Backport %d", ch.Number), Changes: chs, Warnings: warnings,
		Params: map[string]string{"changes": fmt.Sprint(ch.Number)},
		Steps: []*runbooks.Step{
			{ID: "approve-1000", Title: "+2 change 1000 (Backport)", Role: config.RoleGerrit,
				Gate: &runbooks.Gate{Kind: runbooks.GateConfirm, Prompt: "Backport 1 change? +2 starts Gerrit's gate and submit", Detail: "1000  mediawiki/core", Default: "n"},
				Do: func(ctx context.Context, sc *runbooks.StepContext) error {
					sc.Note(runbooks.Info, "approved change 1000")
					return nil
				}},
			{ID: "fetch-php", Title: "git fetch in php-1.44.0-wmf.5", Role: config.RoleDeploy, Command: "git fetch",
				Dir: "/srv/mediawiki-staging/php-1.44.0-wmf.5", Do: func(ctx context.Context, sc *runbooks.StepContext) error {
					sc.Output(remote.Line{Host: "deploy1002", Text: "$ cd /srv/mediawiki-staging/php-1.44.0-wmf.5 && git fetch", Time: e.clock()})
					e.mu.Lock()
					fail := e.failFetch > 0
					e.failFetch--
					e.mu.Unlock()
					if fail {
						sc.Output(remote.Line{Host: "deploy1002", Stream: remote.Stderr, Text: "fatal: unable to access 'https://gerrit.example.org/r/mediawiki/core/': Could not resolve host", Time: e.clock()})
						return errors.New("git fetch exited 128")
					}
					sc.Output(remote.Line{Host: "deploy1002", Stream: remote.Stderr, Text: "From https://gerrit.example.org/r/mediawiki/core", Time: e.clock()})
					return nil
				}},
			{ID: "review-php", Title: "Review HEAD..@{u} in php-1.44.0-wmf.5", Role: config.RoleDeploy, Command: "git log -p HEAD..@{u}",
				Do: func(ctx context.Context, sc *runbooks.StepContext) error {
					sc.Learn(func(f *runbooks.Facts) { rf := f.Repo("php"); rf.PatchFile, rf.Incoming = e.patch, 2 })
					sc.Note(runbooks.Warn, "✗ not part of this window: ffff Direct push nobody asked for")
					d, err := sc.Confirm(ctx, runbooks.Gate{Kind: runbooks.GateChoice, Prompt: "1 unexpected commit came with the fetch: deploy it too?",
						Choices: []runbooks.Choice{{Key: "d", Label: "Show their diff"}, {Key: "a", Label: "Deploy all"}, {Key: "n", Label: "Abort the window"}},
						Default: "n"})
					if err != nil {
						return err
					}
					if d.Choice != "a" {
						return errors.New("aborted: unexpected commits")
					}
					return nil
				}},
			{ID: "sync-testservers", Title: "Sync to the test servers (mwdebug)", Role: config.RoleTestServers, Command: "scap pull",
				Do: func(ctx context.Context, sc *runbooks.StepContext) error {
					for i, h := range []string{"mwdebug1001", "mwdebug1002"} {
						sc.Output(remote.Line{Host: h, Text: "[sandbox] scap stand-in: pull on " + h, Time: e.clock()})
						sc.Progress(remote.Progress{Name: "sync-testservers", Total: 2, OK: i + 1})
					}
					return nil
				}},
			{ID: "owner-verify", Title: "Wait for Amara Okafor to verify on mwdebug", Role: config.RoleLocal,
				Gate: &runbooks.Gate{Kind: runbooks.GateConfirm, Prompt: "Has Amara Okafor verified it on mwdebug with X-Wikimedia-Debug?", Default: "n"},
				Do:   out("", "confirmed")},
			{ID: "sync-php", Title: "Sync php-1.44.0-wmf.5/includes/api/ApiMain.php to all app servers", Role: config.RoleDeploy,
				Command: "scap sync-file php-1.44.0-wmf.5/includes/api/ApiMain.php 'Backport: [[gerrit:1000|ApiMain: Send X-Database-Lag only with maxlag errors (T388101)]]'",
				Dir:     "/srv/mediawiki-staging", Irreversible: true,
				Gate: &runbooks.Gate{Kind: runbooks.GateConfirm, Prompt: "Sync php-1.44.0-wmf.5/includes/api/ApiMain.php to production (every app server)?", Default: "n"},
				Do: func(ctx context.Context, sc *runbooks.StepContext) error {
					for i, h := range []string{"mw1001", "mw1002", "mw1003", "mw1004", "mw1005"} {
						sc.Output(remote.Line{Host: "deploy1002", Text: fmt.Sprintf("14:00:0%d sync-apaches: %3d%% (ok: %d; fail: 0; left: %d)", i, 20*(i+1), i+1, 4-i), Time: e.clock()})
						sc.Progress(remote.Progress{Name: "sync-apaches", Total: 5, OK: i + 1})
						_ = h
						if i == 2 {
							select { // hold the sync mid-way when a test asks to
							case <-e.release:
							case <-ctx.Done():
								return ctx.Err()
							}
						}
					}
					sc.Learn(func(f *runbooks.Facts) { f.Change(1000).Synced = true })
					return nil
				}},
			{ID: "post-deploy", Title: "After the sync: checks and maintenance the diff calls for", Role: config.RoleLocal,
				Do: func(ctx context.Context, sc *runbooks.StepContext) error {
					sc.Learn(func(f *runbooks.Facts) {
						f.Suggestions = append([]runbooks.Suggestion{{Runbook: "namespaceDupes", Params: map[string]string{"wiki": "dewiki"}, Reason: "new namespace on dewiki"}}, e.moreSugs...)
						f.Suggested = true
					})
					sc.Note(runbooks.Info, "suggested: namespaceDupes wiki=dewiki: new namespace on dewiki")
					return nil
				}},
		}}
	if e.rebase {
		rebase := &runbooks.Step{ID: "rebase-php", Title: "git rebase in php-1.44.0-wmf.5", Role: config.RoleDeploy, Command: "git rebase",
			Dir: "/srv/mediawiki-staging/php-1.44.0-wmf.5", Do: out("deploy1002", "Successfully rebased and updated refs/heads/wmf/1.44.0-wmf.5.")}
		plan.Steps = append(plan.Steps[:3], append([]*runbooks.Step{rebase}, plan.Steps[3:]...)...)
	}
	return plan
}

func (e *testEngine) BuildRevert(ctx context.Context, plan *runbooks.Plan, facts *runbooks.Facts) (*runbooks.Plan, error) {
	if !facts.Change(1000).Synced {
		return nil, errors.New("nothing is synced")
	}
	e.mu.Lock()
	e.built = append(e.built, "revert:1000")
	e.mu.Unlock()
	return &runbooks.Plan{Kind: "revert", Title: "Revert 1000", Changes: plan.Changes, Params: map[string]string{"changes": "1000"},
		Steps: []*runbooks.Step{
			{ID: "revert-1000", Title: "git revert 1000's commit on the deployment host", Role: config.RoleDeploy, Command: "git revert --no-edit abc123",
				Irreversible: true, Gate: &runbooks.Gate{Kind: runbooks.GateConfirm, Prompt: "Revert and sync to all app servers now?", Default: "n"},
				Do: func(ctx context.Context, sc *runbooks.StepContext) error { return nil }},
			{ID: "sync-revert", Title: "Sync the revert", Role: config.RoleDeploy, Command: "scap sync-file php-1.44.0-wmf.5/includes/api/ApiMain.php 'Backport: Revert …'",
				Irreversible: true, CoveredBy: "revert-1000",
				Do: func(ctx context.Context, sc *runbooks.StepContext) error {
					sc.Learn(func(f *runbooks.Facts) {
						f.SAL = `Backport: Revert "[[gerrit:1000|ApiMain: Send X-Database-Lag only with maxlag errors (T388101)]]"`
					})
					return nil
				}},
		}}, nil
}

func (e *testEngine) Start(ctx context.Context, plan *runbooks.Plan, opts runbooks.RunOptions) (WindowRun, error) {
	if plan.ID == "" {
		plan.ID = journal.NewWindowID(plan.Kind, e.clock())
	}
	var j *journal.Journal
	if e.state != "" {
		var err error
		if j, err = runbooks.OpenJournal(e.state, plan); err != nil {
			return nil, err
		}
	}
	r := runbooks.NewRunner(&runbooks.Env{User: "deployer", Now: e.clock}, plan, j, opts)
	r.Start(ctx)
	e.mu.Lock()
	e.started = append(e.started, plan)
	e.runners = append(e.runners, r)
	e.mu.Unlock()
	if j != nil {
		return journaledRun{r, j}, nil
	}
	return testRun{r}, nil
}

// setChange replaces a change in the canned Gerrit (a merge, a vote).
func (e *testEngine) setChange(ch *gerrit.Change) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.changes[fmt.Sprint(ch.Number)] = ch
}

// Resume picks a window up from its real journal (see unfinishedWindow),
// the way runbooks.Resume does after rebuilding the plan.
func (e *testEngine) Resume(ctx context.Context, w journal.WindowSummary) (*runbooks.Plan, map[string]runbooks.StepState, WindowRun, error) {
	state, err := journal.LoadWindow(w.Path)
	if err != nil {
		return nil, nil, nil, err
	}
	plan := e.backportPlan([]*gerrit.Change{e.changes["1000"]})
	plan.ID = state.ID
	states := map[string]runbooks.StepState{}
	for _, s := range plan.Steps {
		states[s.ID] = state.StepState(s.ID)
	}
	j, err := runbooks.OpenJournal(filepath.Dir(filepath.Dir(w.Path)), plan)
	if err != nil {
		return nil, nil, nil, err
	}
	r := runbooks.NewRunner(&runbooks.Env{User: "deployer", Now: e.clock}, plan, j, runbooks.RunOptions{StepMode: true, AskOnFailure: true, Resume: state})
	r.Start(ctx)
	e.mu.Lock()
	e.started = append(e.started, plan)
	e.runners = append(e.runners, r)
	e.mu.Unlock()
	return plan, states, journaledRun{r, j}, nil
}

type journaledRun struct {
	*runbooks.Runner
	j *journal.Journal
}

func (r journaledRun) Close() error { return r.j.Close() }

// unfinishedWindow runs a journaled window up to the review step, then stops
// it there (as a crash or a quit would): a real unfinished window.
func (e *testEngine) unfinishedWindow(t *testing.T) journal.WindowSummary {
	t.Helper()
	dir := t.TempDir()
	plan := e.backportPlan([]*gerrit.Change{e.changes["1000"]})
	j, err := runbooks.OpenJournal(dir, plan)
	if err != nil {
		t.Fatal(err)
	}
	r := runbooks.NewRunner(&runbooks.Env{User: "deployer", Now: e.clock}, plan, j, runbooks.RunOptions{StepMode: true})
	r.Start(context.Background())
	for ev := range r.Events() {
		if g, ok := ev.(runbooks.GateRequest); ok {
			if g.StepID == "review-php" {
				r.Cancel()
			}
			g.Answer(runbooks.Decision{Choice: "y", By: "deployer", At: e.clock()})
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	unf, err := journal.Unfinished(dir)
	if err != nil || len(unf) != 1 {
		t.Fatalf("unfinished windows: %v %v", unf, err)
	}
	return unf[0]
}

func (e *testEngine) Windows() ([]journal.WindowSummary, []journal.WindowSummary, error) {
	if e.state != "" {
		past, err := journal.ListWindows(e.state)
		if err != nil {
			return nil, nil, err
		}
		unf, err := journal.Unfinished(e.state)
		return unf, past, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.unf, e.past, nil
}

func (e *testEngine) Abandon(w journal.WindowSummary) error {
	if err := journal.Abandon(w.Path, e.User(), e.clock()); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, u := range e.unf {
		if u.ID == w.ID {
			e.unf = append(e.unf[:i:i], e.unf[i+1:]...)
			break
		}
	}
	return nil
}

func (e *testEngine) Report(w journal.WindowSummary) (string, error) {
	return "# Window " + w.ID + "\n\n- ✓ +2 change 1000\n- ✗ sync failed\n", nil
}

func (e *testEngine) Kinds() []string { return []string{"namespaceDupes", "purgeList"} }

func (e *testEngine) Params(kind string) []runbooks.ParamSpec {
	if kind == "purgeList" {
		return []runbooks.ParamSpec{{Name: "urls", Type: runbooks.ParamURLList, Required: true, Help: "the URLs to purge"}}
	}
	if kind == "namespaceDupes" {
		return []runbooks.ParamSpec{{Name: "wiki", Type: runbooks.ParamWiki, Required: true, Help: "the wiki's database name"},
			{Name: "fix", Type: runbooks.ParamBool, Default: "false", Help: "move clashing pages"}}
	}
	return nil
}

func (e *testEngine) Hosts(role string) string {
	return map[string]string{config.RoleDeploy: "deploy1002", config.RoleTestServers: "mwdebug ×2",
		config.RoleGerrit: "gerrit", config.RoleLocal: "local", config.RoleMaintenance: "mwmaint1002"}[role]
}

func (e *testEngine) SAL(plan *runbooks.Plan) string { return gerrit.SAL(plan.Changes, "") }

func (e *testEngine) User() string      { return "deployer" }
func (e *testEngine) CIAccount() string { return "jenkins-bot" }

// Pending lists the changes named in e.pending (none unless a test sets it).
func (e *testEngine) Pending(ctx context.Context) ([]*gerrit.Change, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*gerrit.Change
	for _, n := range e.pending {
		out = append(out, e.changes[n])
	}
	return out, nil
}

func (e *testEngine) startedPlans() []*runbooks.Plan {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*runbooks.Plan(nil), e.started...)
}
