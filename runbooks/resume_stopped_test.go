package runbooks

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"porthole/config"
	"porthole/remote"
	"porthole/runbooks/journal"
)

// stoppedKind is a two-step runbook: "prep" appends to params[out] and
// fails while params[block] exists; "sync" is irreversible and appends too.
const stoppedKind = "test-stopped"

func init() {
	Register(stoppedKind, func(_ context.Context, _ *Env, p map[string]string) (*Plan, error) {
		out := remote.Quote(p["out"])
		return &Plan{Kind: stoppedKind, Title: "stopped window", Params: p, Steps: []*Step{
			{ID: "prep", Title: "Prepare", Role: config.RoleLocal, Command: "test ! -e " + remote.Quote(p["block"]) + " && echo prep >> " + out},
			{ID: "sync", Title: "Sync everywhere", Role: config.RoleLocal, Command: "echo sync >> " + out, Irreversible: true},
		}}, nil
	})
}

// startStopped runs a test-stopped window until it stops (answer decides the gates).
func startStopped(t *testing.T, env *Env, params map[string]string, answer func(GateRequest) Decision) (*Plan, runResult) {
	t.Helper()
	p, err := Build(context.Background(), env, stoppedKind, params)
	if err != nil {
		t.Fatal(err)
	}
	j, err := OpenJournal(env.Config.StateDir, p)
	if err != nil {
		t.Fatal(err)
	}
	rr := drive(t, NewRunner(env, p, j, RunOptions{}), answer)
	j.Close()
	return p, rr
}

// resumeStopped resumes the only unfinished window and runs it to its end.
func resumeStopped(t *testing.T, env *Env, answer func(GateRequest) Decision) (journal.WindowSummary, runResult) {
	t.Helper()
	un, err := journal.Unfinished(env.Config.StateDir)
	if err != nil || len(un) != 1 {
		t.Fatalf("journal.Unfinished = %+v, %v; want one window", un, err)
	}
	state, err := journal.LoadWindow(un[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	plan, opts, err := Resume(context.Background(), env, state)
	if err != nil {
		t.Fatal(err)
	}
	j, err := OpenJournal(env.Config.StateDir, plan)
	if err != nil {
		t.Fatal(err)
	}
	rr := drive(t, NewRunner(env, plan, j, opts), answer)
	j.Close()
	return un[0], rr
}

func readOut(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

func TestResumeADeclinedWindowAsksTheGateAgain(t *testing.T) {
	env := testEnv(t, nil)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	params := map[string]string{"out": out, "block": filepath.Join(dir, "block")}
	_, rr := startStopped(t, env, params, func(GateRequest) Decision { return Decision{Choice: "n", By: "alice"} })
	if rr.err == nil || !strings.Contains(rr.err.Error(), "no") {
		t.Fatalf("first run ended with %v, want a decline", rr.err)
	}
	if got := readOut(t, out); got != "prep\n" {
		t.Fatalf("after the decline the output is %q", got)
	}
	u, rr := resumeStopped(t, env, func(g GateRequest) Decision {
		if g.StepID != "sync" || g.Gate.Default != "n" {
			t.Errorf("resume asked %q (default %q), want the declined sync gate defaulting to no", g.StepID, g.Gate.Default)
		}
		return Decision{Choice: "y", By: "bob"}
	})
	if u.Status != journal.StatusDeclined || u.FailedStep != "sync" || u.Done != 1 || u.Stopped.IsZero() ||
		!strings.Contains(u.Why, `alice said no to "Sync everywhere?`) {
		t.Fatalf("the declined window is listed as %+v", u)
	}
	if rr.err != nil || len(rr.gates) != 1 {
		t.Fatalf("resumed run: %v, %d gates", rr.err, len(rr.gates))
	}
	if got := readOut(t, out); got != "prep\nsync\n" {
		t.Fatalf("after the resume the output is %q (prep must not run twice)", got)
	}
	if un, _ := journal.Unfinished(env.Config.StateDir); len(un) != 0 {
		t.Fatalf("a window that finished after its resume is still unfinished: %+v", un)
	}
}

func TestResumeAFailedWindowRunsTheFailedStepAgain(t *testing.T) {
	env := testEnv(t, nil)
	dir := t.TempDir()
	out, block := filepath.Join(dir, "out"), filepath.Join(dir, "block")
	if err := os.WriteFile(block, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	params := map[string]string{"out": out, "block": block}
	_, rr := startStopped(t, env, params, crashYes)
	if rr.err == nil {
		t.Fatal("the blocked step did not fail")
	}
	os.Remove(block) // the deployer fixed what made it fail
	u, rr := resumeStopped(t, env, crashYes)
	if u.Status != journal.StatusFailed || u.FailedStep != "prep" || !strings.HasPrefix(u.Why, "failed: ") {
		t.Fatalf("the failed window is listed as %+v", u)
	}
	if rr.err != nil {
		t.Fatalf("resumed run: %v", rr.err)
	}
	if got := readOut(t, out); got != "prep\nsync\n" {
		t.Fatalf("after the resume the output is %q", got)
	}
}

func TestAbandonTakesAWindowOffTheUnfinishedList(t *testing.T) {
	env := testEnv(t, nil)
	dir := t.TempDir()
	params := map[string]string{"out": filepath.Join(dir, "out"), "block": filepath.Join(dir, "block")}
	startStopped(t, env, params, func(GateRequest) Decision { return Decision{Choice: "n"} })
	un, err := journal.Unfinished(env.Config.StateDir)
	if err != nil || len(un) != 1 {
		t.Fatalf("journal.Unfinished = %+v, %v", un, err)
	}
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	if err := journal.Abandon(un[0].Path, "carol", at); err != nil {
		t.Fatal(err)
	}
	if un2, _ := journal.Unfinished(env.Config.StateDir); len(un2) != 0 {
		t.Fatalf("an abandoned window is still unfinished: %+v", un2)
	}
	state, err := journal.LoadWindow(un[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	last := state.Records[len(state.Records)-1]
	if state.Status != journal.StatusAbandoned || state.AbandonedBy != "carol" || !state.Ended.Equal(at) ||
		last.Type != journal.RecWindowAbandon || last.Seq != state.Records[len(state.Records)-2].Seq+1 {
		t.Fatalf("abandoned window: status %s by %q at %s, last record %+v", state.Status, state.AbandonedBy, state.Ended, last)
	}
	if !strings.Contains(last.Text, `step "sync"`) {
		t.Errorf("the abandon record does not say where the window had stopped: %q", last.Text)
	}
	if _, _, err := Resume(context.Background(), env, state); err == nil || !strings.Contains(err.Error(), "abandoned by carol") {
		t.Fatalf("Resume of an abandoned window: %v", err)
	}
	if err := journal.Abandon(un[0].Path, "carol", at); err == nil || !strings.Contains(err.Error(), "already abandoned") {
		t.Fatalf("abandoning twice: %v", err)
	}
	// a window that finished well is not abandoned
	os.Remove(params["out"])
	p, rr := startStopped(t, env, params, crashYes)
	if rr.err != nil {
		t.Fatal(rr.err)
	}
	path := filepath.Join(journal.WindowsDir(env.Config.StateDir), p.ID+".jsonl")
	if err := journal.Abandon(path, "carol", at); err == nil || !strings.Contains(err.Error(), "finished well") {
		t.Fatalf("abandoning a finished window: %v", err)
	}
}
