package maint

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"porthole/config"
	"porthole/remote"
	"porthole/runbooks"
	"porthole/runbooks/journal"
)

func TestNamespaceDupesDryRunThenFix(t *testing.T) {
	f := newMaintFixture(t)
	r := runMaint(t, f.env, KindNamespaceDupes, map[string]string{"wiki": "frwiki, testwiki"}, answerYes)
	if r.err != nil {
		t.Fatalf("run: %v\nnotes:\n%s", r.err, r.notesText())
	}
	want := []string{
		f.mw() + " namespaceDupes.php frwiki",
		f.mw() + " namespaceDupes.php testwiki",
		f.mw() + " namespaceDupes.php frwiki --fix",
		f.mw() + " namespaceDupes.php testwiki --fix",
	}
	if strings.Join(r.cmds, "\n") != strings.Join(want, "\n") {
		t.Fatalf("commands:\n%s\nwant:\n%s", strings.Join(r.cmds, "\n"), strings.Join(want, "\n"))
	}
	for i, c := range r.exits {
		if c != 0 {
			t.Fatalf("command %d exited %d", i, c)
		}
	}
	// The dry run's result is shown before the --fix gate, which defaults to No.
	if len(r.gates) != 1 || r.gates[0].Default != "n" || !strings.Contains(r.gates[0].Prompt, "--fix on 2 wikis") {
		t.Fatalf("gates: %+v", r.gates)
	}
	if !strings.Contains(r.gates[0].Detail, f.mw()+" namespaceDupes.php frwiki --fix") || !strings.Contains(r.gates[0].Detail, "mwmaint1002") {
		t.Fatalf("gate detail does not show the exact commands and host:\n%s", r.gates[0].Detail)
	}
	dry := strings.Join(r.outputs["dry-run"], "\n")
	if !strings.Contains(dry, "[sandbox] mwscript stand-in") || !strings.Contains(dry, "DRY RUN ONLY") || !strings.Contains(dry, "Looks good!") {
		t.Fatalf("dry-run output not shown:\n%s", dry)
	}
	notes := r.notesText()
	for _, n := range []string{
		"frwiki: 2 pages to fix, 2 were resolvable; 2 links to fix, 2 were resolvable, 0 were deleted — Looks good!",
		"namespaceDupes (dry run): 2 ok",
		"namespaceDupes --fix: 2 ok",
		"running in tmux session porthole-",
	} {
		if !strings.Contains(notes, n) {
			t.Errorf("notes lack %q:\n%s", n, notes)
		}
	}
	if r.last.Name != "namespaceDupes --fix" || r.last.OK != 2 || r.last.Total != 2 || r.last.Failed != 0 {
		t.Errorf("last progress %+v", r.last)
	}
	if got := f.stateFile(t, "frwiki/fixed"); got != "Portail\nDiscussion_Portail\n" {
		t.Fatalf("frwiki was not fixed: %q", got)
	}
	// Run again: the dry run finds nothing, so --fix is not run at all, nor asked for.
	r = runMaint(t, f.env, KindNamespaceDupes, map[string]string{"wiki": "frwiki"}, answerYes)
	if r.err != nil || len(r.cmds) != 1 || len(r.gates) != 0 || !strings.Contains(r.notesText(), "skipped: its dry run found nothing to do: frwiki (0 pages to fix") {
		t.Fatalf("second run: err %v cmds %q notes:\n%s", r.err, r.cmds, r.notesText())
	}
}

func TestNamespaceDupesDeclinedFixDoesNothing(t *testing.T) {
	f := newMaintFixture(t)
	r := runMaint(t, f.env, KindNamespaceDupes, map[string]string{"wiki": "frwiki", "tmux": "false"}, func(runbooks.Gate) string { return "n" })
	if !errors.Is(r.err, runbooks.ErrDeclined) {
		t.Fatalf("err %v, want declined", r.err)
	}
	if len(r.cmds) != 1 || r.cmds[0] != f.mw()+" namespaceDupes.php frwiki" {
		t.Fatalf("commands %q", r.cmds)
	}
	if f.stateFile(t, "frwiki/fixed") != "" {
		t.Fatal("--fix ran although the gate was declined")
	}
}

func TestNamespaceDupesStopOrContinueOnFailure(t *testing.T) {
	f := newMaintFixture(t)
	f.writeState(t, "conflict-wikis", "frwiki\n")
	r := runMaint(t, f.env, KindNamespaceDupes, map[string]string{"wiki": "frwiki,testwiki,hewiki", "tmux": "false"}, answerYes)
	if r.err == nil || len(r.cmds) != 1 || len(r.gates) != 0 {
		t.Fatalf("stop: err %v cmds %q gates %d", r.err, r.cmds, len(r.gates))
	}
	notes := r.notesText()
	for _, n := range []string{
		"frwiki: FAILED: 2 pages to fix, 0 were resolvable",
		"Oh noeees — 2 page(s) cannot be fixed automatically",
		"not run: testwiki, hewiki",
	} {
		if !strings.Contains(notes, n) {
			t.Errorf("notes lack %q:\n%s", n, notes)
		}
	}
	// The summary is the step's error, not a note as well.
	if !strings.Contains(r.err.Error(), "namespaceDupes (dry run): 0 ok, 1 failed: frwiki (2 pages to fix, 0 were resolvable") ||
		strings.Contains(notes, "0 ok, 1 failed") {
		t.Errorf("err %v\nnotes:\n%s", r.err, notes)
	}
	if r.states["dry-run"] != runbooks.Failed || r.states["fix"] != runbooks.Pending {
		t.Fatalf("states %v", r.states)
	}

	r = runMaint(t, f.env, KindNamespaceDupes, map[string]string{"wiki": "frwiki,testwiki,hewiki", "tmux": "false", "on_failure": "continue"}, answerYes)
	if r.err != nil {
		t.Fatalf("continue: %v\n%s", r.err, r.notesText())
	}
	want := []string{
		f.mw() + " namespaceDupes.php frwiki",
		f.mw() + " namespaceDupes.php testwiki",
		f.mw() + " namespaceDupes.php hewiki",
		f.mw() + " namespaceDupes.php testwiki --fix",
		f.mw() + " namespaceDupes.php hewiki --fix",
	}
	if strings.Join(r.cmds, "\n") != strings.Join(want, "\n") {
		t.Fatalf("commands:\n%s", strings.Join(r.cmds, "\n"))
	}
	notes = r.notesText()
	for _, n := range []string{
		"namespaceDupes (dry run): 2 ok, 1 failed: frwiki (",
		"frwiki: skipped: its dry run failed",
		"namespaceDupes --fix: 2 ok, 1 skipped (frwiki)",
	} {
		if !strings.Contains(notes, n) {
			t.Errorf("notes lack %q:\n%s", n, notes)
		}
	}
	if got := f.stateFile(t, "hewiki/fixed"); got != "פורטל\n" {
		t.Fatalf("hewiki fixed: %q", got)
	}
}

func TestUpdateCollation(t *testing.T) {
	f := newMaintFixture(t)
	r := runMaint(t, f.env, KindUpdateCollation, map[string]string{"wiki": "cywiki", "previous_collation": "uppercase"}, answerYes)
	if r.err != nil {
		t.Fatalf("run: %v\n%s", r.err, r.notesText())
	}
	want := []string{
		f.mw() + " updateCollation.php --wiki=cywiki --previous-collation=uppercase --dry-run",
		f.mw() + " updateCollation.php --wiki=cywiki --previous-collation=uppercase",
	}
	if strings.Join(r.cmds, "\n") != strings.Join(want, "\n") {
		t.Fatalf("commands:\n%s", strings.Join(r.cmds, "\n"))
	}
	if !strings.Contains(r.notesText(), "cywiki: 250 rows would be updated") || !strings.Contains(r.notesText(), "cywiki: Fixing collation for 250 rows. 250 rows processed") {
		t.Fatalf("notes:\n%s", r.notesText())
	}
	if got := f.stateFile(t, "cywiki/collation"); got != "uca-default\n" {
		t.Fatalf("collation now %q", got)
	}
	// Again with the same previous collation: nothing has it any more; the
	// real run is skipped and the deployer is told why.
	r = runMaint(t, f.env, KindUpdateCollation, map[string]string{"wiki": "cywiki", "previous_collation": "uppercase", "tmux": "false"}, answerYes)
	if r.err != nil || len(r.cmds) != 1 || len(r.gates) != 0 {
		t.Fatalf("second: err %v cmds %q gates %+v", r.err, r.cmds, r.gates)
	}
	if !strings.Contains(r.notesText(), "skipped: its dry run found nothing to do: cywiki (Collations up-to-date. (no rows with that previous collation: is --previous-collation right?))") {
		t.Fatalf("notes:\n%s", r.notesText())
	}
}

func TestUpdateCollationNeedsPreviousValue(t *testing.T) {
	f := newMaintFixture(t)
	_, err := runbooks.Build(context.Background(), f.env, KindUpdateCollation, map[string]string{"wiki": "cywiki"})
	if err == nil || !strings.Contains(err.Error(), "needs --param previous_collation=VALUE") {
		t.Fatalf("err %v", err)
	}
	_, err = runbooks.Build(context.Background(), f.env, KindUpdateCollation, map[string]string{"wiki": "cywiki", "previous_collation": "upper case"})
	if err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("err %v", err)
	}
}

func TestPurgeListStaticURL(t *testing.T) {
	f := newMaintFixture(t)
	r := runMaint(t, f.env, KindPurgeList, map[string]string{"urls": "static/images/project-logos/newikibooks.png https://en.wikipedia.org/static/favicon/wikipedia.ico"}, answerYes)
	if r.err != nil {
		t.Fatalf("run: %v\n%s", r.err, r.notesText())
	}
	want := "printf '%s\\n' https://en.wikipedia.org/static/images/project-logos/newikibooks.png https://en.wikipedia.org/static/favicon/wikipedia.ico | " + f.mw() + " purgeList.php"
	if len(r.cmds) != 1 || r.cmds[0] != want {
		t.Fatalf("commands %q\nwant %q", r.cmds, want)
	}
	if len(r.gates) != 1 || r.gates[0].Default != "y" {
		t.Fatalf("gates %+v", r.gates)
	}
	log := f.stateFile(t, "purged.log")
	if strings.Count(log, "\n") != 2 || !strings.Contains(log, "https://en.wikipedia.org/static/images/project-logos/newikibooks.png") {
		t.Fatalf("purged.log %q", log)
	}
	if !strings.Contains(r.notesText(), "all: Purging 2 urls — Done!") {
		t.Fatalf("notes:\n%s", r.notesText())
	}

	_, err := runbooks.Build(context.Background(), f.env, KindPurgeList, map[string]string{"urls": "https://de.wikipedia.org/static/images/x.png"})
	if err == nil || !strings.Contains(err.Error(), "en.wikipedia.org as the host") || !strings.Contains(err.Error(), "use https://en.wikipedia.org/static/images/x.png") {
		t.Fatalf("err %v", err)
	}
	_, err = runbooks.Build(context.Background(), f.env, KindPurgeList, map[string]string{"urls": "ftp://x/y"})
	if err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
		t.Fatalf("err %v", err)
	}
}

func TestCreateExtensionTables(t *testing.T) {
	f := newMaintFixture(t)
	r := runMaint(t, f.env, KindCreateExtensionTables, map[string]string{"wiki": "hewiki", "extension": "pageassessments"}, answerYes)
	if r.err != nil {
		t.Fatalf("run: %v\n%s", r.err, r.notesText())
	}
	if len(r.cmds) != 1 || r.cmds[0] != f.mw()+" extensions/WikimediaMaintenance/createExtensionTables.php hewiki pageassessments" {
		t.Fatalf("commands %q", r.cmds)
	}
	if len(r.gates) != 1 || r.gates[0].Default != "n" {
		t.Fatalf("gates %+v", r.gates)
	}
	// Unknown extension: the script says so and exits 0; that is a failure.
	r = runMaint(t, f.env, KindCreateExtensionTables, map[string]string{"wiki": "hewiki", "extension": "nosuchext"}, answerYes)
	if r.err == nil || r.exits[0] != 0 {
		t.Fatalf("err %v exits %v", r.err, r.exits)
	}
	// One wiki: the step's error says why, once; no note repeats it.
	if !strings.HasSuffix(r.err.Error(), "failed: hewiki: exit 0: This script is not configured to create tables for nosuchext") ||
		strings.Contains(r.notesText(), "not configured") {
		t.Fatalf("err %v\nnotes:\n%s", r.err, r.notesText())
	}
	// Tables already there: a DB error, exit 1.
	r = runMaint(t, f.env, KindCreateExtensionTables, map[string]string{"wiki": "hewiki", "extension": "pageassessments"}, answerYes)
	if r.err == nil || !strings.Contains(r.err.Error(), "hewiki: exit 1: Wikimedia\\Rdbms\\DBQueryError: Error 1050") || strings.Contains(r.notesText(), "Error 1050") {
		t.Fatalf("err %v notes:\n%s", r.err, r.notesText())
	}
}

func TestWikiValidationAgainstDblist(t *testing.T) {
	f := newMaintFixture(t)
	ctx := context.Background()
	_, err := runbooks.Build(ctx, f.env, KindNamespaceDupes, map[string]string{"wiki": "enwikii"})
	if err == nil || err.Error() != "namespaceDupes: enwikii is not in all.dblist and is not a dblist; did you mean enwiki?" {
		t.Fatalf("err %v", err)
	}
	_, err = runbooks.Build(ctx, f.env, KindNamespaceDupes, map[string]string{"wiki": "enwiki;rm -rf /"})
	if err == nil || !strings.Contains(err.Error(), "is not a wiki database name") {
		t.Fatalf("err %v", err)
	}
	_, err = runbooks.Build(ctx, f.env, KindNamespaceDupes, map[string]string{"wiki": "enwiki", "wikis": "x"})
	if err == nil || !strings.Contains(err.Error(), `has no parameter "wikis"`) {
		t.Fatalf("err %v", err)
	}
	p, err := runbooks.Build(ctx, f.env, KindNamespaceDupes, map[string]string{"wiki": "group0,enwiki,testwiki"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Params["wiki"] != "group0,enwiki,testwiki" || !strings.Contains(p.Title, "3 wikis (testwiki, hewiki, enwiki)") {
		t.Fatalf("params %v title %q", p.Params, p.Title)
	}
	if p.Steps[0].Command != f.mw()+" namespaceDupes.php testwiki\n"+f.mw()+" namespaceDupes.php hewiki\n"+f.mw()+" namespaceDupes.php enwiki" {
		t.Fatalf("command %q", p.Steps[0].Command)
	}
	// With no hosts, wiki names cannot be checked: say so.
	_, err = runbooks.Build(ctx, &runbooks.Env{Config: f.env.Config}, KindNamespaceDupes, map[string]string{"wiki": "enwiki"})
	if err == nil || !strings.Contains(err.Error(), "cannot check wiki names") {
		t.Fatalf("err %v", err)
	}
}

func TestMaintFailingWikiAndSummary(t *testing.T) {
	f := newMaintFixture(t)
	f.writeState(t, "fail-wikis", "testwiki\n")
	r := runMaint(t, f.env, KindUpdateCollation, map[string]string{"wiki": "cywiki,testwiki,hewiki", "previous_collation": "uppercase",
		"dry_run": "false", "on_failure": "continue", "tmux": "false"}, answerYes)
	if r.err == nil {
		t.Fatal("no error although testwiki failed")
	}
	if len(r.cmds) != 3 {
		t.Fatalf("commands %q", r.cmds)
	}
	notes := r.notesText()
	if !strings.Contains(r.err.Error(), "updateCollation: 2 ok, 1 failed: testwiki (exit 1: ") || strings.Contains(notes, "2 ok, 1 failed") ||
		!strings.Contains(notes, "testwiki: FAILED: exit 1: ") || !strings.Contains(notes, "DBQueryError: Error 1205") {
		t.Fatalf("err %v\nnotes:\n%s", r.err, notes)
	}
	if r.last.OK != 2 || r.last.Failed != 1 || r.last.Total != 3 {
		t.Fatalf("progress %+v", r.last)
	}
}

func TestMaintStepReattachesToRecordedTmuxJob(t *testing.T) {
	f := newMaintFixture(t)
	ctx := context.Background()
	plan, err := runbooks.Build(ctx, f.env, KindUpdateCollation, map[string]string{"wiki": "cywiki", "previous_collation": "uppercase", "dry_run": "false"})
	if err != nil {
		t.Fatal(err)
	}
	plan.ID = "updateCollation-test"
	step := plan.Steps[0]
	// A previous porthole started the run in tmux and died: its window
	// variables hold the job. The step, run again, must reattach, not start
	// the script a second time.
	ex := &remote.Local{Name: "mwmaint1002"}
	mc := f.env.Config.Maintenance
	job, err := remote.StartTmux(ctx, ex, mc.TmuxSocket, mc.TranscriptDir, remote.TmuxSessionName(plan.ID, step.ID, "cywiki"),
		f.mw()+" updateCollation.php --wiki=cywiki --previous-collation=uppercase")
	if err != nil {
		t.Fatal(err)
	}
	facts := &runbooks.Facts{}
	facts.Run(runbooks.RunKey(step.ID, "cywiki")).TmuxJob = job.Encode()
	var notes, lines []string
	var cmds []remote.Result
	sc := runbooks.NewStepContext(f.env, plan, step, facts, nil, func(e runbooks.Event) {
		switch ev := e.(type) {
		case runbooks.StepNote:
			notes = append(notes, ev.Text)
		case runbooks.StepOutput:
			lines = append(lines, ev.Line.Text)
		case runbooks.CommandRun:
			cmds = append(cmds, ev.Result)
		}
	}, nil)
	if err := step.Do(ctx, sc); err != nil {
		t.Fatalf("%v\n%s", err, strings.Join(notes, "\n"))
	}
	if !strings.Contains(strings.Join(notes, "\n"), "reattaching to tmux session "+job.Session) {
		t.Fatalf("notes:\n%s", strings.Join(notes, "\n"))
	}
	if n := strings.Count(strings.Join(lines, "\n"), "[sandbox] mwscript stand-in"); n != 1 {
		t.Fatalf("the script ran %d times:\n%s", n, strings.Join(lines, "\n"))
	}
	if len(cmds) != 1 || cmds[0].ExitCode != 0 || !strings.HasSuffix(cmds[0].Cmd, "--previous-collation=uppercase") {
		t.Fatalf("command runs %+v", cmds)
	}
	if st, _ := recordState(outcomeOf(sc, step.ID, "cywiki")); st != stateOK {
		t.Fatalf("outcome %q", outcomeOf(sc, step.ID, "cywiki"))
	}
	ok, err := step.Check(ctx, sc)
	if !ok || err != nil {
		t.Fatalf("Check after the run: %v %v", ok, err)
	}
	if s := tmuxSessions(t, mc.TmuxSocket); len(s) != 0 {
		t.Fatalf("sessions left: %v", s)
	}
}

func TestMaintCancelKillsTmuxSession(t *testing.T) {
	f := newMaintFixture(t)
	f.env.Config.Commands.Mwscript = "MWSCRIPT_DELAY=30 " + f.mw()
	plan, err := runbooks.Build(context.Background(), f.env, KindUpdateCollation, map[string]string{"wiki": "cywiki", "previous_collation": "uppercase"})
	if err != nil {
		t.Fatal(err)
	}
	r := runbooks.NewRunner(f.env, plan, nil, runbooks.RunOptions{})
	r.Start(context.Background())
	var notes []string
	var runErr error
	for e := range r.Events() {
		switch ev := e.(type) {
		case runbooks.StepOutput:
			if strings.Contains(ev.Line.Text, "rows would be updated.") {
				r.Cancel()
			}
		case runbooks.StepNote:
			notes = append(notes, ev.Text)
		case runbooks.GateRequest:
			ev.Answer(runbooks.Decision{Choice: "n"})
		case runbooks.RunFinished:
			runErr = ev.Err
		}
	}
	if runErr == nil || !strings.Contains(strings.Join(notes, "\n"), "cancelled: killed tmux session porthole-") {
		t.Fatalf("err %v notes:\n%s", runErr, strings.Join(notes, "\n"))
	}
	if s := tmuxSessions(t, f.env.Config.Maintenance.TmuxSocket); len(s) != 0 {
		t.Fatalf("sessions left after cancel: %v", s)
	}
}

func TestParamsSchemaRegistered(t *testing.T) {
	for _, k := range []string{KindNamespaceDupes, KindUpdateCollation, KindPurgeList, KindCreateExtensionTables} {
		ps := runbooks.Params(k)
		if len(ps) == 0 {
			t.Fatalf("%s: no params", k)
		}
		for _, p := range ps {
			if p.Help == "" || p.Type == "" {
				t.Errorf("%s.%s lacks help or type", k, p.Name)
			}
		}
	}
	if runbooks.Params("nope") != nil {
		t.Fatal("params for an unknown kind")
	}
}

// switchHosts is the fixture's hosts with the maintenance host switchable
// off, like a laptop that lost the network.
type switchHosts struct {
	runbooks.Hosts
	mu   sync.Mutex
	down bool
}

func (s *switchHosts) One(role string) (remote.Executor, error) {
	s.mu.Lock()
	down := s.down
	s.mu.Unlock()
	if down && role == config.RoleMaintenance {
		return nil, errors.New("dial tcp: connect: network is unreachable")
	}
	return s.Hosts.One(role)
}

func (s *switchHosts) setDown(d bool) { s.mu.Lock(); s.down = d; s.mu.Unlock() }

// TestMaintResumeReattachesAfterTheHostWasGone: the maintenance host stays
// unreachable longer than reconnect_for, the window stops (the script goes
// on in tmux); `porthole resume` later reattaches instead of running the
// script again, and the window completes.
func TestMaintResumeReattachesAfterTheHostWasGone(t *testing.T) {
	f := newMaintFixture(t)
	f.env.Config.Commands.Mwscript = "MWSCRIPT_DELAY=0.3 " + f.mw()
	f.env.Config.Maintenance.ReconnectFor = 200 * time.Millisecond
	sh := &switchHosts{Hosts: f.env.Hosts}
	f.env.Hosts = sh
	ctx := context.Background()
	plan, err := runbooks.Build(ctx, f.env, KindNamespaceDupes, map[string]string{"wiki": "frwiki"})
	if err != nil {
		t.Fatal(err)
	}
	j, err := runbooks.OpenJournal(f.env.Config.StateDir, plan)
	if err != nil {
		t.Fatal(err)
	}
	r := runbooks.NewRunner(f.env, plan, j, runbooks.RunOptions{})
	r.Start(ctx)
	var first []string
	var runErr error
	for e := range r.Events() {
		switch ev := e.(type) {
		case runbooks.StepOutput:
			first = append(first, ev.Line.Text)
			if strings.HasPrefix(ev.Line.Text, "[sandbox] mwscript stand-in") {
				sh.setDown(true)
			}
		case runbooks.StepNote:
			first = append(first, "note: "+ev.Text)
		case runbooks.GateRequest:
			ev.Answer(runbooks.Decision{Choice: "n"})
		case runbooks.RunFinished:
			runErr = ev.Err
		}
	}
	j.Close()
	if !errors.Is(runErr, remote.ErrHostLost) {
		t.Fatalf("first run: %v\n%s", runErr, strings.Join(first, "\n"))
	}

	sh.setDown(false)
	path, err := journal.FindWindow(f.env.Config.StateDir, plan.ID)
	if err != nil {
		t.Fatal(err)
	}
	state, err := journal.LoadWindow(path)
	if err != nil {
		t.Fatal(err)
	}
	plan2, opts, err := runbooks.Resume(ctx, f.env, state)
	if err != nil {
		t.Fatal(err)
	}
	j2, err := runbooks.OpenJournal(f.env.Config.StateDir, plan2)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	r2 := runPlan(t, f.env, plan2, opts, answerYes)
	if r2.err != nil {
		t.Fatalf("resumed run: %v\n%s", r2.err, r2.notesText())
	}
	if !strings.Contains(r2.notesText(), "reattaching to tmux session porthole-") {
		t.Fatalf("notes:\n%s", r2.notesText())
	}
	all := strings.Join(first, "\n") + "\n" + strings.Join(r2.lines, "\n")
	if n := strings.Count(all, "[sandbox] mwscript stand-in: mwscript namespaceDupes.php frwiki (on"); n != 1 {
		t.Fatalf("the dry run ran %d times:\n%s", n, all)
	}
	if !strings.Contains(strings.Join(r2.lines, "\n"), "Looks good!") {
		t.Fatalf("the resumed run did not read the rest of the transcript:\n%s", strings.Join(r2.lines, "\n"))
	}
	if f.stateFile(t, "frwiki/fixed") != "Portail\nDiscussion_Portail\n" {
		t.Fatal("--fix did not run after the resume")
	}
}
