package window_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"porthole/config"
	"porthole/runbooks"
	"porthole/runbooks/runbookstest"
	"porthole/sandbox"
)

// runAnswering runs p to its end, answering scap's questions (gates whose
// prompt starts "scap asks:") with the next of answers ("" takes the gate's
// default) and every other gate with y. It returns the scap gates asked,
// the progress seen and the run's error.
func runAnswering(t *testing.T, env *runbooks.Env, p *runbooks.Plan, answers ...string) ([]runbooks.Gate, []runbooks.StepProgress, error) {
	t.Helper()
	j, err := runbooks.OpenJournal(config.StateDir(env.Config), p)
	if err != nil {
		t.Fatal(err)
	}
	r := runbooks.NewRunner(env, p, j, runbooks.RunOptions{Backoff: func(int) time.Duration { return 10 * time.Millisecond }})
	r.Start(context.Background())
	var gates []runbooks.Gate
	var progress []runbooks.StepProgress
	var runErr error
	for e := range r.Events() {
		switch ev := e.(type) {
		case runbooks.GateRequest:
			d := runbooks.Decision{Choice: "y", By: env.User, At: time.Now()}
			if strings.HasPrefix(ev.Gate.Prompt, "scap asks:") {
				gates = append(gates, ev.Gate)
				d.Choice = ev.Gate.Default
				if len(answers) > 0 {
					if answers[0] != "" {
						d.Choice = answers[0]
					}
					answers = answers[1:]
				}
			}
			ev.Answer(d)
		case runbooks.StepProgress:
			progress = append(progress, ev)
		case runbooks.RunFinished:
			runErr = ev.Err
		}
	}
	return gates, progress, runErr
}

func coreWindow(t *testing.T) (*sandbox.Sandbox, *runbooks.Env, *runbooks.Plan, string, []byte) {
	t.Helper()
	sb, env := runbookstest.StartSandbox(t)
	p, err := runbooks.Build(context.Background(), env, "backport", map[string]string{"changes": strconv.Itoa(sb.Changes["core"])})
	if err != nil {
		t.Fatal(err)
	}
	file := "php-" + sb.Version + "/includes/api/ApiMain.php"
	before, err := sb.ReadAppServerFile("mw1001", file)
	if err != nil {
		t.Fatal(err)
	}
	return sb, env, p, file, before
}

// TestSandboxScapCanaryGate: the stand-in's canary checks fail; scap, run
// with a terminal, asks; porthole shows scap's own choices as a gate whose
// default is to roll back. Taking the default rolls the canaries and test
// servers back and fails the sync; no app server gets the change.
func TestSandboxScapCanaryGate(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb, env, p, file, before := coreWindow(t)
	if err := sb.SetCanariesFailing(true); err != nil {
		t.Fatal(err)
	}
	gates, progress, err := runAnswering(t, env, p, "r", "")
	if err == nil || !strings.Contains(err.Error(), "scap sync-file") {
		t.Fatalf("the window went on after a rollback: %v", err)
	}
	if len(gates) != 2 {
		t.Fatalf("%d scap questions, want 2 (r retried the checks, which failed again)", len(gates))
	}
	g := gates[0]
	var keys []string
	for _, c := range g.Choices {
		keys = append(keys, c.Key+"="+c.Label)
	}
	if strings.Join(keys, "|") != "r=Retry|i=Ignore failure and continue|b=Roll back all stages and terminate|x=Exit without rollback" || g.Default != "b" {
		t.Errorf("gate choices %q default %q", keys, g.Default)
	}
	if !strings.Contains(g.Prompt, "What do you want to do?") || !strings.Contains(g.Prompt, "Canary checks failed") {
		t.Errorf("gate prompt %q", g.Prompt)
	}
	for _, h := range sb.Config.Hosts[config.RoleAppServers] { // (the test servers had it from scap pull before the sync)
		if got, _ := sb.ReadAppServerFile(h, file); !bytes.Equal(got, before) {
			t.Errorf("%s runs the change after the rollback", h)
		}
	}
	// With a terminal, scap rewrites its progress line per host: porthole
	// sees every update, not only the start and the end.
	n := 0
	for _, ev := range progress {
		if ev.Progress.Name == "sync-testservers" {
			n++
		}
	}
	if n < 4 {
		t.Errorf("%d progress updates of sync-testservers, want the terminal's per-host rewrites (>= 4)", n)
	}
}

// TestSandboxScapCanaryIgnored: answering i goes on to production.
func TestSandboxScapCanaryIgnored(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb, env, p, file, before := coreWindow(t)
	if err := sb.SetCanariesFailing(true); err != nil {
		t.Fatal(err)
	}
	gates, _, err := runAnswering(t, env, p, "i")
	if err != nil || len(gates) != 1 {
		t.Fatalf("window: %v after %d scap questions", err, len(gates))
	}
	for _, h := range sb.Config.Hosts[config.RoleAppServers] {
		if got, _ := sb.ReadAppServerFile(h, file); bytes.Equal(got, before) {
			t.Errorf("%s did not get the change", h)
		}
	}
}
