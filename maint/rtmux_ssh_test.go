package maint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"porthole/config"
	"porthole/internal/testreq"
	"porthole/remote"
	"porthole/remote/sshtest"
	"porthole/runbooks"
)

// TestTmuxRunSurvivesDroppedSSHConnection runs a maintenance step in tmux
// on a real sshd, kills that sshd (and with it porthole's connection and
// session) while the script runs, brings the host back, and checks that
// porthole reattaches by itself and ends with the script's whole transcript
// and its exit code.
func TestTmuxRunSurvivesDroppedSSHConnection(t *testing.T) {
	sock := testreq.TmuxServer(t)
	c := sshtest.Start(t, 1, sshtest.Names("mwmaint1002"))
	pool := c.Pool()
	dir := t.TempDir()
	gate := filepath.Join(dir, "go-on")

	cfg := config.DefaultConfig()
	cfg.StateDir = filepath.Join(dir, "state")
	cfg.Hosts = map[string][]string{config.RoleMaintenance: {"mwmaint1002"}}
	cfg.Maintenance.TmuxSocket = sock
	cfg.Maintenance.TranscriptDir = filepath.Join(dir, "transcripts")
	cfg.Maintenance.PollInterval = 50 * time.Millisecond
	env := &runbooks.Env{Config: cfg, Hosts: config.NewHosts(cfg, pool.Get), User: "alice"}

	script := fmt.Sprintf(`i=1; while [ $i -le 5 ]; do echo "batch $i"; i=$((i+1)); done; echo started; `+
		`while [ ! -e %s ]; do sleep 0.05; done; i=6; while [ $i -le 10 ]; do echo "batch $i"; i=$((i+1)); done; echo finished; exit 3`, remote.Quote(gate))
	rb, err := ParseUserRunbook("long.yaml", []byte(`name: longScript
params:
  - {name: script, type: string, required: true}
steps:
  - title: Long run
    command: sh -c {script}
    tmux: true
    ok_exit_codes: [3]
    success: finished
`))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := rb.build(context.Background(), env, map[string]string{"script": script})
	if err != nil {
		t.Fatal(err)
	}
	plan.ID = "longScript-ssh-test"
	j, err := runbooks.OpenJournal(cfg.StateDir, plan)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	r := runbooks.NewRunner(env, plan, j, runbooks.RunOptions{})
	r.Start(context.Background())

	var lines, notes []string
	var runs []remote.Result
	var runErr error
	dropped, back := false, false
	deadline := time.AfterFunc(60*time.Second, r.Cancel)
	defer deadline.Stop()
	for e := range r.Events() {
		switch ev := e.(type) {
		case runbooks.StepOutput:
			lines = append(lines, ev.Line.Text)
			if ev.Line.Text == "started" && !dropped {
				dropped = true
				if err := c.Stop(0); err != nil { // the host's sshd dies with every session
					t.Error(err)
				}
			}
		case runbooks.StepNote:
			notes = append(notes, ev.Text)
			if strings.HasPrefix(ev.Text, "lost the connection to mwmaint1002") && !back {
				back = true
				// The script went on without us; the host comes back.
				if err := os.WriteFile(gate, nil, 0o600); err != nil {
					t.Error(err)
				}
				if err := c.Restart(0); err != nil {
					t.Error(err)
				}
			}
		case runbooks.CommandRun:
			runs = append(runs, ev.Result)
		case runbooks.RunFinished:
			runErr = ev.Err
		}
	}
	allNotes := strings.Join(notes, "\n")
	if runErr != nil {
		t.Fatalf("run: %v\nnotes:\n%s\nlines:\n%s", runErr, allNotes, strings.Join(lines, "\n"))
	}
	if !dropped || !back {
		t.Fatalf("the connection was not dropped (dropped %v, back %v)\nnotes:\n%s", dropped, back, allNotes)
	}
	if !strings.Contains(allNotes, "reattached to tmux session porthole-longScript-ssh-test-long-run-all-") {
		t.Fatalf("no reattach note:\n%s", allNotes)
	}
	// The transcript as porthole showed it: every line once, in order.
	var want []string
	for i := 1; i <= 5; i++ {
		want = append(want, fmt.Sprintf("batch %d", i))
	}
	want = append(want, "started")
	for i := 6; i <= 10; i++ {
		want = append(want, fmt.Sprintf("batch %d", i))
	}
	want = append(want, "finished")
	got := lines[1:] // lines[0] is "$ sh -c …"
	if !strings.HasPrefix(lines[0], "$ sh -c ") || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("lines:\n%s", strings.Join(lines, "\n"))
	}
	if len(runs) != 1 || runs[0].ExitCode != 3 || runs[0].Host != "mwmaint1002" {
		t.Fatalf("command runs %+v", runs)
	}
	if n := c.Logins(0); n < 2 {
		t.Fatalf("%d logins: porthole did not connect again", n)
	}
	// The transcript on the host is complete too, ending with the exit marker.
	job, err := remote.DecodeTmuxJob(r.Facts().Run(runbooks.RunKey("long-run", "all")).TmuxJob)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(job.Transcript)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != strings.Join(want, "\n")+"\n"+job.Marker+"3\n" {
		t.Fatalf("transcript %q", data)
	}
	if s := tmuxSessions(t, sock); len(s) != 0 {
		t.Fatalf("sessions left: %v", s)
	}
}
