package window_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"porthole/config"
	"porthole/runbooks"
	"porthole/sandbox"
)

// TestSandboxScapStagingGone: the staging directory is gone (renamed away,
// or a file in its place) when the deployer confirms the production sync.
// The sync's gate shows `scap sync-file …` in STAGING; what runs in tmux on
// the deployment host must do exactly that or nothing: scap does not run
// (in the login directory or anywhere), no tmux job is left to wait for,
// and the step fails saying "STAGING does not exist on deploy1002" (or "is
// not a directory"), not that scap exited or is still going.
func TestSandboxScapStagingGone(t *testing.T) {
	for _, c := range []struct {
		name, says string
		file       bool
	}{{"missing", " does not exist on ", false}, {"file", " is not a directory on ", true}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // a sandbox of its own
			sb, env, p, file, before := coreWindow(t)
			staging := sb.StagingDir()
			var gate runbooks.Gate
			run := runSandbox(t, env, p, runbooks.RunOptions{}, func(g runbooks.GateRequest) string {
				if g.StepID == "sync-1" {
					gate = g.Gate
					if err := os.Rename(staging, staging+".moved"); err != nil {
						t.Error(err)
					}
					if c.file {
						if err := os.WriteFile(staging, []byte("not the staging directory\n"), 0o644); err != nil {
							t.Error(err)
						}
					}
				}
				return "y"
			})
			if !strings.Contains(gate.Detail, "$ scap sync-file ") || !strings.Contains(gate.Detail, "\nin "+staging+" on the deployment host") {
				t.Errorf("the sync's gate does not show the command and where it runs: %q", gate.Detail)
			}
			want := "did not run: " + staging + c.says + sandbox.DeployHost
			if run.err == nil || !strings.Contains(run.err.Error(), want) {
				t.Fatalf("window: %v; want an error saying %q", run.err, want)
			}
			for _, s := range sb.ScapSpans() {
				if s.Cmd != "scap pull" {
					t.Errorf("%s ran %s with the staging directory gone", s.Host, s.Cmd)
				}
			}
			for _, n := range run.notes {
				if strings.Contains(n, "scap goes on") || strings.Contains(n, "scap runs in tmux") {
					t.Errorf("note %q: no scap job was started", n)
				}
			}
			for _, h := range sb.Config.Hosts[config.RoleAppServers] {
				if got, _ := sb.ReadAppServerFile(h, file); !bytes.Equal(got, before) {
					t.Errorf("%s got the change although the sync did not run", h)
				}
			}
		})
	}
}
