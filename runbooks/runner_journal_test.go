package runbooks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"porthole/config"
	"porthole/gerrit"
	"porthole/remote"
	"porthole/runbooks/journal"
	"strings"
	"testing"
	"time"
)

// fullPlan exercises every record kind: output, command, progress, note, var, gate.
func fullPlan(secretURL string) *Plan {
	return &Plan{ID: "full", Kind: "backport", Title: "Backport 12345", Params: map[string]string{"changes": "12345"},
		Changes: []*gerrit.Change{{Number: 12345, Project: "mediawiki/core", Branch: "wmf/1.44.0-wmf.5",
			Subject: "Fix the thing", Owner: gerrit.Account{Name: "Dana"}, Bugs: []string{"T100"},
			WebURL: "https://gerrit.example/r/c/mediawiki/core/+/12345", CurrentRevision: "deadbeef", PatchSet: 2}},
		Steps: []*Step{
			{ID: "fetch", Title: "git fetch", Role: config.RoleDeploy, Command: "git fetch", Retries: 2,
				Do: func(ctx context.Context, sc *StepContext) error {
					_, err := remote.Check(sc.Exec(ctx, config.RoleDeploy, remote.Command{
						Cmd: "echo fetching " + remote.Quote(secretURL) + "; echo warning >&2"}))
					sc.Note(Warn, "1 extra commit")
					sc.Learn(func(f *Facts) { f.Change(7).Commit = "abc123" })
					return err
				}},
			{ID: "pull", Title: "scap pull", Role: config.RoleTestServers, Command: "scap pull",
				Gate: &Gate{Kind: GateConfirm, Prompt: "Sync to the test servers?", Default: "y"},
				Do: func(ctx context.Context, sc *StepContext) error {
					res, err := sc.ExecAll(ctx, config.RoleTestServers, remote.Command{Cmd: "echo pulled"}, remote.FanOutOptions{Name: "sync-testservers"})
					for _, r := range res {
						if r.Failed() {
							return r.Err
						}
					}
					return err
				}},
		}}
}

func TestJournalRecordsEverything(t *testing.T) {
	t.Setenv("PORTHOLE_TEST_GERRIT_TOKEN", "tok-0123456789")
	secretURL := "https://deployer:hunter2hunter2@gerrit.example/r/p"
	env := testEnv(t, map[string][]string{config.RoleDeploy: {"deploy1"}, config.RoleTestServers: {"mwdebug1", "mwdebug2", "mwdebug3"}})
	plan := fullPlan(secretURL + " tok-0123456789")
	j, dir := newJournal(t, plan)
	rr := drive(t, NewRunner(env, plan, j, RunOptions{}), yes)
	if rr.err != nil {
		t.Fatal(rr.err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	// permissions: journals hold deploy transcripts
	if st, _ := os.Stat(j.Path()); st.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v, want 0600", st.Mode().Perm())
	}
	if st, _ := os.Stat(journal.WindowsDir(dir)); st.Mode().Perm() != 0o700 {
		t.Errorf("windows dir mode %v, want 0700", st.Mode().Perm())
	}
	if j.Path() != filepath.Join(dir, "windows", "full.jsonl") {
		t.Errorf("journal at %s", j.Path())
	}
	raw, _ := os.ReadFile(j.Path())
	for _, secret := range []string{"hunter2hunter2", "tok-0123456789"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("the journal holds the secret %q", secret)
		}
	}
	recs := readRecords(t, j.Path())
	for _, typ := range []string{journal.RecWindowStart, journal.RecStepStart, journal.RecOutput, journal.RecCommand, journal.RecProgress, journal.RecNote, journal.RecFacts, journal.RecGate, journal.RecStepEnd, journal.RecWindowEnd} {
		if len(recordsOf(recs, typ)) == 0 {
			t.Errorf("no %s record", typ)
		}
	}
	start := recs[0]
	if start.Type != journal.RecWindowStart || start.Kind != "backport" || start.User != "alice" || start.Machine == "" ||
		len(start.Steps) != 2 || start.Steps[0].Command != "git fetch" || len(start.Changes) != 1 ||
		start.Changes[0].URL == "" || start.Changes[0].Owner != "Dana" {
		t.Errorf("window-start %+v", start)
	}
	var stderr, redacted bool
	for _, o := range recordsOf(recs, journal.RecOutput) {
		if o.Stream == "stderr" && o.Text == "warning" && o.Host == "deploy1" {
			stderr = true
		}
		if strings.Contains(o.Text, "fetching https://deployer:"+journal.Redacted+"@gerrit.example") {
			redacted = true
		}
	}
	if !stderr || !redacted {
		t.Errorf("output records: stderr line %v, redacted URL %v", stderr, redacted)
	}
	cmds := recordsOf(recs, journal.RecCommand)
	if len(cmds) != 4 { // one on deploy, three on the test servers
		t.Fatalf("%d command records, want 4", len(cmds))
	}
	for _, c := range cmds {
		if c.Exit == nil || *c.Exit != 0 || c.Host == "" || c.Cmd == "" {
			t.Errorf("command record %+v", c)
		}
	}
	progs := recordsOf(recs, journal.RecProgress)
	if last := progs[len(progs)-1].Progress; !strings.Contains(last, "100%") || !strings.Contains(last, "ok: 3") {
		t.Errorf("last progress %q", last)
	}
	g := recordsOf(recs, journal.RecGate)[0]
	if g.Gate.By != "bob" || g.Gate.Decision != "y" || g.Gate.Prompt != "Sync to the test servers?" {
		t.Errorf("gate %+v", g.Gate)
	}
	if v := recordsOf(recs, journal.RecFacts)[0]; v.Facts == nil || v.Facts.Change(7).Commit != "abc123" || v.Step != "fetch" {
		t.Errorf("facts %+v", v)
	}
	if end := recs[len(recs)-1]; end.Type != journal.RecWindowEnd || end.Status != journal.StatusOK {
		t.Errorf("last record %+v", end)
	}
}

func TestLoadWindowToleratesATornLastLine(t *testing.T) {
	plan := &Plan{ID: "torn", Kind: "test", Steps: []*Step{shStep("a", config.RoleLocal, "echo hi"), shStep("b", config.RoleLocal, "echo there")}}
	j, dir := newJournal(t, plan)
	r := NewRunner(testEnv(t, nil), plan, j, RunOptions{})
	drive(t, r, nil)
	j.Close()
	// chop the window-end and half of the step-end before it, as a kill -9 mid-write would
	raw, _ := os.ReadFile(j.Path())
	lines := strings.SplitAfter(strings.TrimSuffix(string(raw), "\n"), "\n")
	torn := strings.Join(lines[:len(lines)-2], "") + lines[len(lines)-2][:20]
	if err := os.WriteFile(j.Path(), []byte(torn), 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := journal.LoadWindow(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	if w.Torn != 1 || w.Status != journal.StatusUnfinished || w.Interrupted != "b" || w.StepState("a") != Done {
		t.Fatalf("torn=%d status=%s interrupted=%q a=%s", w.Torn, w.Status, w.Interrupted, w.StepState("a"))
	}
	// reopening ends the torn line, so new records are whole
	j2, err := OpenJournal(dir, &Plan{ID: "torn", Kind: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if !j2.Resumed() {
		t.Fatal("reopened journal does not know it resumes")
	}
	if err := j2.Append(journal.Record{Type: journal.RecNote, Text: "after"}, true); err != nil {
		t.Fatal(err)
	}
	j2.Close()
	w, err = journal.LoadWindow(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	last := w.Records[len(w.Records)-1]
	if w.Torn != 1 || last.Text != "after" || last.Seq != w.Records[len(w.Records)-2].Seq+1 {
		t.Fatalf("after reopening: torn=%d last=%+v", w.Torn, last)
	}
}

func TestListWindowsNewestFirstWithStatus(t *testing.T) {
	state := t.TempDir()
	env := testEnv(t, nil)
	run := func(id string, steps []*Step, answer func(GateRequest) Decision) {
		p := &Plan{ID: id, Kind: "test", Title: "window " + id, Steps: steps}
		j, err := OpenJournal(state, p)
		if err != nil {
			t.Fatal(err)
		}
		drive(t, NewRunner(env, p, j, RunOptions{}), answer)
		j.Close()
	}
	run("20260101-100000-test", []*Step{shStep("a", config.RoleLocal, "true")}, nil)
	run("20260101-110000-test", []*Step{shStep("a", config.RoleLocal, "exit 3")}, nil)
	run("20260101-120000-test", []*Step{shStep("a", config.RoleLocal, "true"), {ID: "s", Title: "S", Role: config.RoleLocal, Command: "true", Irreversible: true}}, enter)
	// declined before anything was done: it ended there, nothing to resume
	run("20260101-121000-test", []*Step{{ID: "s", Title: "S", Role: config.RoleLocal, Command: "true", Irreversible: true}}, enter)
	// an unfinished one: started, never ended
	p := &Plan{ID: "20260101-130000-test", Kind: "test", Title: "crashed"}
	j, _ := OpenJournal(state, p)
	j.Append(journal.Record{Type: journal.RecWindowStart, Kind: "test", Title: "crashed", User: "alice", Steps: []journal.StepSummary{{ID: "x", Title: "X"}}}, true)
	j.Append(journal.Record{Type: journal.RecStepStart, Step: "x", Attempt: 1}, true)
	j.Close()
	// not a journal at all
	os.WriteFile(filepath.Join(journal.WindowsDir(state), "junk.jsonl"), []byte("hello\n"), 0o600)

	ws, err := journal.ListWindows(state)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]journal.WindowSummary{}
	var order []string
	for _, w := range ws {
		got[w.ID] = w
		order = append(order, w.ID)
	}
	if got["20260101-100000-test"].Status != journal.StatusOK || got["20260101-110000-test"].Status != journal.StatusFailed ||
		got["20260101-120000-test"].Status != journal.StatusDeclined || got["20260101-130000-test"].Status != journal.StatusUnfinished {
		t.Fatalf("statuses: %+v", ws)
	}
	if got["20260101-110000-test"].FailedStep != "a" || got["20260101-120000-test"].FailedStep != "s" ||
		got["20260101-130000-test"].FailedStep != "x" {
		t.Fatalf("failed steps: %+v", ws)
	}
	if got["junk"].Error == "" {
		t.Fatalf("junk journal listed without its error: %+v", got["junk"])
	}
	// newest first (by start time; all real runs started now, the crashed one too)
	for i := 1; i < len(ws); i++ {
		if ws[i].Started.After(ws[i-1].Started) {
			t.Fatalf("not newest first: %v", order)
		}
	}
	if w := got["20260101-121000-test"]; w.Status != journal.StatusDeclined || w.Resumable {
		t.Fatalf("declined before anything was done: %+v", w)
	}
	// unfinished: the crashed, declined and failed windows (not the one
	// that finished well, nor the one declined at once), the one that stopped last first
	un, _ := journal.Unfinished(state)
	var ids []string
	for _, u := range un {
		ids = append(ids, u.ID)
	}
	if strings.Join(ids, " ") != "20260101-130000-test 20260101-120000-test 20260101-110000-test" {
		t.Fatalf("journal.Unfinished = %v", ids)
	}
	if p, err := journal.FindWindow(state, "20260101-11"); err != nil || !strings.HasSuffix(p, "20260101-110000-test.jsonl") {
		t.Fatalf("journal.FindWindow by prefix: %s, %v", p, err)
	}
	if _, err := journal.FindWindow(state, "20260101"); err == nil || !strings.Contains(err.Error(), "matches") {
		t.Fatalf("ambiguous prefix gave %v", err)
	}
	if _, err := journal.FindWindow(state, "nope"); err == nil {
		t.Fatal("unknown window found")
	}
}

func TestAnExistingJournalIsOnlyContinuedByAResume(t *testing.T) {
	dir := t.TempDir()
	plan := &Plan{ID: "same", Kind: "test", Steps: []*Step{shStep("a", config.RoleLocal, "true")}}
	j, _ := OpenJournal(dir, plan)
	drive(t, NewRunner(testEnv(t, nil), plan, j, RunOptions{}), nil)
	j.Close()
	before, _ := os.ReadFile(j.Path())
	j2, err := OpenJournal(dir, plan)
	if err != nil {
		t.Fatal(err)
	}
	rr := drive(t, NewRunner(testEnv(t, nil), plan, j2, RunOptions{}), nil)
	j2.Close()
	if rr.err == nil || !strings.Contains(rr.err.Error(), "already has a journal") {
		t.Fatalf("a second window with the same id ran: %v", rr.err)
	}
	if after, _ := os.ReadFile(j.Path()); string(after) != string(before) {
		t.Fatal("the old window's journal was written to")
	}
}

func TestProgressIsThrottledInTheJournal(t *testing.T) {
	hosts := make([]string, 12)
	for i := range hosts {
		hosts[i] = fmt.Sprintf("mw%d", 1001+i)
	}
	env := testEnv(t, map[string][]string{config.RoleAppServers: hosts})
	frozen := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	env.Now = func() time.Time { return frozen } // the throttle never sees a second pass
	plan := &Plan{ID: "prog", Kind: "test", Steps: []*Step{{ID: "sync", Title: "sync", Role: config.RoleAppServers,
		Do: func(ctx context.Context, sc *StepContext) error {
			_, err := sc.ExecAll(ctx, config.RoleAppServers, remote.Command{Cmd: "case $(hostname) in *) true;; esac"},
				remote.FanOutOptions{Name: "sync-apaches", Concurrency: 4})
			return err
		}}}}
	j, _ := newJournal(t, plan)
	rr := drive(t, NewRunner(env, plan, j, RunOptions{}), nil)
	if rr.err != nil {
		t.Fatal(rr.err)
	}
	j.Close()
	events := 0
	for _, e := range rr.events {
		if _, ok := e.(StepProgress); ok {
			events++
		}
	}
	progs := recordsOf(readRecords(t, j.Path()), journal.RecProgress)
	if events < 20 || len(progs) != 2 {
		t.Fatalf("%d progress events, %d journaled; want every event on the channel and only the first and the last journaled", events, len(progs))
	}
	if !strings.Contains(progs[0].Progress, "left: 12") || !strings.Contains(progs[1].Progress, "100% (in-flight: 0; ok: 12; fail: 0; left: 0)") {
		t.Fatalf("journaled %q, %q", progs[0].Progress, progs[1].Progress)
	}
}

func TestOpenJournalGivesAPlanWithoutIDTheGeneratedOne(t *testing.T) {
	if _, err := OpenJournal(t.TempDir(), &Plan{ID: "../x"}); err == nil {
		t.Error(`window id "../x" accepted`)
	}
	p := &Plan{Kind: "backport"}
	j, err := OpenJournal(t.TempDir(), p)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if !strings.HasSuffix(p.ID, "-backport") || j.ID() != p.ID {
		t.Fatalf("plan id %q, journal id %q", p.ID, j.ID())
	}
}
