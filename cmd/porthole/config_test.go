package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"porthole/config"
	"porthole/remote"
	"porthole/remote/sshtest"
	"porthole/runbooks"
	"porthole/runbooks/journal"
)

// writeConfig writes a config reaching c's sshd hosts and returns its path.
func writeConfig(t *testing.T, c *sshtest.Cluster, extra string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	y := "state_dir: " + filepath.Join(dir, "state") + "\n" +
		"ssh_config: " + c.SSHConfigPath + "\n" +
		"known_hosts: [" + c.KnownHostsPath + "]\n" +
		"hosts:\n  deploy: [deploy1]\n  mwdebug: [mwdebug1, mwdebug2]\n" + extra
	if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadEnvRunsAWindowOverSSH(t *testing.T) {
	c := sshtest.Start(t, 3, sshtest.Names("deploy1", "mwdebug1", "mwdebug2"))
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("gerrit-http-pw-77\n"), 0o600)
	cfgPath := writeConfig(t, c, "gerrit:\n  url: http://127.0.0.1:9/r/\n  user: alice\n  password_file: "+pw+"\n")
	env, cleanup, err := loadEnv(context.Background(), &envFlags{config: cfgPath, user: "deployer1"})
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	if env.User != "deployer1" || env.Gerrit == nil || env.Config.Hosts[config.RoleDeploy][0] != "deploy1" {
		t.Fatalf("env: user %q, gerrit %v, hosts %v", env.User, env.Gerrit, env.Config.Hosts)
	}
	plan := &runbooks.Plan{ID: "ssh-window", Kind: "test", Title: "over ssh", Steps: []*runbooks.Step{
		{ID: "deploy", Title: "On deploy", Role: config.RoleDeploy, Command: "echo $((6*7)) on $(hostname) gerrit-http-pw-77"},
		{ID: "pull", Title: "scap pull", Role: config.RoleTestServers, Do: func(ctx context.Context, sc *runbooks.StepContext) error {
			res, err := sc.ExecAll(ctx, config.RoleTestServers, remote.Command{Cmd: "echo pulled"}, remote.FanOutOptions{Name: "sync-testservers"})
			for _, r := range res {
				if r.Failed() {
					return r.Err
				}
			}
			return err
		}},
	}}
	j, err := openJournal(env, plan)
	if err != nil {
		t.Fatal(err)
	}
	r := runbooks.NewRunner(env, plan, j, runbooks.RunOptions{})
	r.Start(context.Background())
	var runErr error
	var lines []string
	for e := range r.Events() {
		switch ev := e.(type) {
		case runbooks.StepOutput:
			lines = append(lines, ev.Line.Host+": "+ev.Line.Text)
		case runbooks.RunFinished:
			runErr = ev.Err
		}
	}
	j.Close()
	if runErr != nil {
		t.Fatalf("run: %v\n%s", runErr, strings.Join(lines, "\n"))
	}
	out := strings.Join(lines, "\n")
	for _, want := range []string{"deploy1: 42 on ", "mwdebug1: pulled", "mwdebug2: pulled"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	jsonl, _ := os.ReadFile(filepath.Join(journal.WindowsDir(stateDir(env)), "ssh-window.jsonl"))
	if !strings.Contains(string(jsonl), `"host":"deploy1"`) || strings.Contains(string(jsonl), "gerrit-http-pw-77") {
		t.Errorf("journal: has deploy1 %v, has the password %v", strings.Contains(string(jsonl), `"host":"deploy1"`),
			strings.Contains(string(jsonl), "gerrit-http-pw-77"))
	}
	log, err := os.ReadFile(filepath.Join(stateDir(env), journal.LogFile))
	if err != nil || !strings.Contains(string(log), "porthole started") || strings.Contains(string(log), "gerrit-http-pw-77") {
		t.Errorf("log file: %v\n%s", err, log)
	}
}

func TestLoadEnvErrors(t *testing.T) {
	c := sshtest.Start(t, 1, sshtest.Names("deploy1"))
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("x-password\n"), 0o644)
	for _, tc := range []struct{ extra, want string }{
		{"gerrit:\n  user: alice\n  password_file: " + pw + "\n", "chmod 600"},
		{"concurrency: -1\n", "concurrency -1 is out of range"},
	} {
		_, _, err := loadEnv(context.Background(), &envFlags{config: writeConfig(t, c, tc.extra)})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.extra, err, tc.want)
		}
	}
	if _, _, err := loadEnv(context.Background(), &envFlags{config: filepath.Join(t.TempDir(), "none.yaml")}); err == nil {
		t.Error("a missing named config loaded")
	}
}

func TestResumeWindowPicksUpTheNewestUnfinished(t *testing.T) {
	runbooks.Register("cmdtest-resume", func(_ context.Context, _ *runbooks.Env, p map[string]string) (*runbooks.Plan, error) {
		return &runbooks.Plan{Title: "resumable", Steps: []*runbooks.Step{
			{ID: "a", Title: "A", Role: config.RoleLocal, Command: "echo a >> " + remote.Quote(p["out"])},
			{ID: "b", Title: "B", Role: config.RoleLocal, Command: "echo b >> " + remote.Quote(p["out"]), Irreversible: true},
		}}, nil
	})
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfgPath, []byte("state_dir: "+filepath.Join(dir, "state")+"\n"), 0o600)
	env, cleanup, err := loadEnv(context.Background(), &envFlags{config: cfgPath})
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	if _, _, _, err := resumeWindow(context.Background(), env, ""); err == nil || !strings.Contains(err.Error(), "no unfinished window") {
		t.Fatalf("resume with nothing to resume: %v", err)
	}
	out := filepath.Join(dir, "out")
	plan, err := runbooks.Build(context.Background(), env, "cmdtest-resume", map[string]string{"out": out})
	if err != nil {
		t.Fatal(err)
	}
	j, err := openJournal(env, plan)
	if err != nil {
		t.Fatal(err)
	}
	r := runbooks.NewRunner(env, plan, j, runbooks.RunOptions{})
	r.Start(context.Background())
	for e := range r.Events() {
		if _, ok := e.(runbooks.GateRequest); ok {
			r.Cancel() // the deployer quits at the irreversible step's gate
		}
	}
	j.Close()
	plan2, opts, j2, err := resumeWindow(context.Background(), env, "")
	if err != nil {
		t.Fatal(err)
	}
	if plan2.ID != plan.ID || opts.Resume == nil {
		t.Fatalf("resumed %s (%v), want %s", plan2.ID, opts.Resume, plan.ID)
	}
	r = runbooks.NewRunner(env, plan2, j2, opts)
	r.Start(context.Background())
	var runErr error
	for e := range r.Events() {
		switch ev := e.(type) {
		case runbooks.GateRequest:
			ev.Answer(runbooks.Decision{Choice: "y"})
		case runbooks.RunFinished:
			runErr = ev.Err
		}
	}
	j2.Close()
	b, _ := os.ReadFile(out)
	if runErr != nil || string(b) != "a\nb\n" {
		t.Fatalf("resumed run: %v, wrote %q", runErr, b)
	}
}
