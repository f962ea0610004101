package runbooks

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"porthole/config"
	"porthole/remote"
	"porthole/runbooks/journal"
)

// testEnv is an Env whose roles are remote.Local executors named like hosts.
func testEnv(t *testing.T, hosts map[string][]string) *Env {
	t.Helper()
	cfg := config.DefaultConfig()
	cfg.StateDir = t.TempDir()
	for role, hs := range hosts {
		cfg.Hosts[role] = hs
	}
	dial := func(host string) (remote.Executor, error) { return &remote.Local{Name: host}, nil }
	return &Env{Config: cfg, Hosts: config.NewHosts(cfg, dial), User: "alice"}
}

// runResult is what a test drive of a Runner saw.
type runResult struct {
	events []Event
	gates  []GateRequest
	err    error
}

// types lists the events' Go types in order, for order assertions.
func (rr runResult) types() []string {
	var out []string
	for _, e := range rr.events {
		switch ev := e.(type) {
		case StepStarted:
			out = append(out, "start:"+ev.StepID)
		case StepFinished:
			out = append(out, "end:"+ev.StepID+":"+ev.State.String())
		case GateRequest:
			out = append(out, "gate:"+ev.StepID)
		case RunFinished:
			out = append(out, "finished")
		}
	}
	return out
}

// drive starts r and reads its events to the end, answering each gate with answer.
func drive(t *testing.T, r *Runner, answer func(GateRequest) Decision) runResult {
	t.Helper()
	r.Start(context.Background())
	return collect(t, r, answer)
}

func collect(t *testing.T, r *Runner, answer func(GateRequest) Decision) runResult {
	t.Helper()
	var rr runResult
	finished := 0
	for e := range r.Events() {
		rr.events = append(rr.events, e)
		switch ev := e.(type) {
		case GateRequest:
			rr.gates = append(rr.gates, ev)
			if answer == nil {
				t.Fatalf("unexpected gate before %s: %q", ev.StepID, ev.Gate.Prompt)
			}
			ev.Answer(answer(ev))
		case RunFinished:
			finished++
			rr.err = ev.Err
		}
	}
	if finished != 1 {
		t.Fatalf("RunFinished %d times, want exactly once", finished)
	}
	if _, ok := rr.events[len(rr.events)-1].(RunFinished); !ok {
		t.Fatalf("last event is %T, want RunFinished", rr.events[len(rr.events)-1])
	}
	return rr
}

// yes answers every gate "y"; enter answers with the gate's default.
func yes(GateRequest) Decision   { return Decision{Choice: "y", By: "bob"} }
func enter(GateRequest) Decision { return Decision{} }

// shStep is a step that runs a shell command on role through the runner's default Do.
func shStep(id, role, cmd string) *Step {
	return &Step{ID: id, Title: "Step " + id, Role: role, Command: cmd}
}

// readRecords reads a journal's lines strictly: every line must be one JSON record.
func readRecords(t *testing.T, path string) []journal.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []journal.Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r journal.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("journal line %q is not JSON: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for i, r := range out {
		if r.Seq != int64(i+1) {
			t.Fatalf("record %d has seq %d", i+1, r.Seq)
		}
	}
	return out
}

// recordsOf filters records by type.
func recordsOf(recs []journal.Record, typ string) []journal.Record {
	var out []journal.Record
	for _, r := range recs {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// readLines reads a file's lines ("" → none).
func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// newJournal opens a journal for plan in a temp state dir.
func newJournal(t *testing.T, plan *Plan) (*journal.Journal, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "state")
	j, err := OpenJournal(dir, plan)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j, dir
}

// removeFile removes a file that may not exist.
func removeFile(p string) error { return os.Remove(p) }

// errEOF is io.EOF, as a dropped connection reports it.
var errEOF = io.EOF
