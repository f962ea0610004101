package maint_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"porthole/config"
	"porthole/internal/testreq"
	"porthole/maint"
	"porthole/runbooks"
	"porthole/runbooks/runbookstest"
	"porthole/sandbox"
	_ "porthole/window" // the backport runbook the maintenance runs follow
)

// TestSandboxMaintenanceAfterBackports deploys the sandbox's collation,
// namespace and static changes, each in its own backport window over real
// SSH, takes the maintenance runbook each window suggests, and runs it on
// the sandbox's maintenance host (mwscript stand-in, in tmux): what a
// deployer does in `porthole demo`.
func TestSandboxMaintenanceAfterBackports(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		scenario string
		want     runbooks.Suggestion
		check    func(t *testing.T, sb *sandbox.Sandbox, notes, output string)
	}{
		{"collation", runbooks.Suggestion{Runbook: maint.KindUpdateCollation, Params: map[string]string{"wiki": "cywiki", "previous_collation": "uppercase"}},
			func(t *testing.T, sb *sandbox.Sandbox, notes, output string) {
				for _, want := range []string{"cywiki: 250 rows would be updated", "cywiki: Fixing collation for 250 rows. 250 rows processed", "running in tmux session porthole-"} {
					if !strings.Contains(notes, want) {
						t.Errorf("notes lack %q:\n%s", want, notes)
					}
				}
			}},
		{"namespace", runbooks.Suggestion{Runbook: maint.KindNamespaceDupes, Params: map[string]string{"wiki": "dewiki"}},
			func(t *testing.T, sb *sandbox.Sandbox, notes, output string) {
				// The deployed config (synced to the maintenance host) has the new namespace.
				if !strings.Contains(output, "dbk=Entwurf:Sandbox_example -> Entwurf:Sandbox_example (no conflict) DRY RUN ONLY") ||
					!strings.Contains(output, "dbk=Entwurf:Sandbox_example -> Entwurf:Sandbox_example (no conflict)\n") {
					t.Errorf("output:\n%s", output)
				}
				if !strings.Contains(notes, "namespaceDupes --fix") && !strings.Contains(notes, "dewiki: 4 pages to fix, 4 were resolvable") {
					t.Errorf("notes:\n%s", notes)
				}
			}},
		{"static", runbooks.Suggestion{Runbook: maint.KindPurgeList, Params: map[string]string{"urls": "https://en.wikipedia.org/static/images/project-logos/newikibooks.png"}},
			func(t *testing.T, sb *sandbox.Sandbox, notes, output string) {
				b, err := os.ReadFile(filepath.Join(sb.HostDir("mwmaint1002"), "var", "lib", "mwscript", "purged.log"))
				if err != nil || !strings.Contains(string(b), " aawiki https://en.wikipedia.org/static/images/project-logos/newikibooks.png\n") {
					t.Errorf("purged.log %q %v", b, err)
				}
				if !strings.Contains(notes, "all: Purging 1 urls — Done!") {
					t.Errorf("notes:\n%s", notes)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			t.Parallel()    // a sandbox of its own: the scenarios touch different files anyway
			testreq.Tmux(t) // a window runs scap detached in tmux
			sb, err := sandbox.Start(ctx, sandbox.Options{Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = sb.Close() })
			env := maintSandboxEnv(t, sb)
			p, err := runbooks.Build(ctx, env, "backport", map[string]string{"changes": strconv.Itoa(sb.Changes[c.scenario])})
			if err != nil {
				t.Fatal(err)
			}
			facts, _, _, err := runYes(t, env, p)
			if err != nil {
				t.Fatalf("backport window: %v", err)
			}
			sugs := facts.Suggestions
			var got *runbooks.Suggestion
			for i := range sugs {
				if sugs[i].Runbook == c.want.Runbook {
					got = &sugs[i]
				}
			}
			if got == nil || len(sugs) != 1 {
				t.Fatalf("suggestions %+v, want one %s", sugs, c.want.Runbook)
			}
			for k, v := range c.want.Params {
				if got.Params[k] != v {
					t.Fatalf("suggestion %+v, want params %v", got, c.want.Params)
				}
			}
			mp, err := runbooks.Build(ctx, env, got.Runbook, got.Params)
			if err != nil {
				t.Fatal(err)
			}
			_, notes, output, err := runYes(t, env, mp)
			if err != nil {
				t.Fatalf("%s: %v\nnotes:\n%s\noutput:\n%s", got.Runbook, err, notes, output)
			}
			if !strings.Contains(output, "[sandbox] mwscript stand-in") {
				t.Fatalf("the stand-in did not run:\n%s", output)
			}
			c.check(t, sb, notes, output)
		})
	}
}

// maintSandboxEnv is sandboxEnv with the maintenance runbooks' transcript
// polling as quick as the Gerrit polling.
func maintSandboxEnv(t *testing.T, sb *sandbox.Sandbox) *runbooks.Env {
	t.Helper()
	env := runbookstest.SandboxEnv(t, sb)
	env.Config.Maintenance.PollInterval = 50 * time.Millisecond
	return env
}

// runYes runs p, journaled, answering every gate "y"; it returns the
// window's variables, its notes and its output.
func runYes(t *testing.T, env *runbooks.Env, p *runbooks.Plan) (*runbooks.Facts, string, string, error) {
	t.Helper()
	j, err := runbooks.OpenJournal(config.StateDir(env.Config), p)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	r := runbooks.NewRunner(env, p, j, runbooks.RunOptions{Backoff: func(int) time.Duration { return 10 * time.Millisecond }})
	r.Start(context.Background())
	var notes, out strings.Builder
	var runErr error
	for e := range r.Events() {
		switch ev := e.(type) {
		case runbooks.GateRequest:
			ev.Answer(runbooks.Decision{Choice: "y", By: env.User, At: time.Now()})
		case runbooks.StepNote:
			notes.WriteString(ev.Text + "\n")
		case runbooks.StepOutput:
			out.WriteString(ev.Line.Text + "\n")
		case runbooks.RunFinished:
			runErr = ev.Err
		}
	}
	return r.Facts(), notes.String(), out.String(), runErr
}
