package maint

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"porthole/config"
	"porthole/internal/testreq"
	"porthole/remote"
	"porthole/runbooks"
)

// maintFixture is a maintenance host and a deployment host (both local
// executors) with a staging dir holding dblists and InitialiseSettings.php,
// and the sandbox's mwscript stand-in as mwscript.
type maintFixture struct {
	env     *runbooks.Env
	root    string
	state   string // the stand-in's state dir
	staging string
}

const fixtureSettings = `<?php
return [
'wgCategoryCollation' => [
	'default' => 'uppercase',
	'cywiki' => 'uca-default', // T390102
	'enwiki' => 'uca-default-u-kn',
],
'wgExtraNamespaces' => [
	'frwiki' => [
		100 => 'Portail',
		101 => 'Discussion_Portail',
	],
	'hewiki' => [
		100 => 'פורטל',
	],
	'testwiki' => [
		100 => 'Test_namespace_1',
	],
],
];
`

func newMaintFixture(t *testing.T) *maintFixture {
	t.Helper()
	root := t.TempDir()
	f := &maintFixture{root: root, state: filepath.Join(root, "mwstate"), staging: filepath.Join(root, "staging")}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(f.staging, "dblists"), 0o755))
	must(os.MkdirAll(filepath.Join(f.staging, "wmf-config"), 0o755))
	must(os.MkdirAll(filepath.Join(root, "bin"), 0o755))
	must(os.WriteFile(filepath.Join(f.staging, "dblists", "all.dblist"),
		[]byte("# all wikis\ncywiki\nenwiki\nfrwiki\nhewiki\ntestwiki\nzh_min_nanwiki\n"), 0o644))
	must(os.WriteFile(filepath.Join(f.staging, "dblists", "group0.dblist"), []byte("testwiki\nhewiki\n"), 0o644))
	must(os.WriteFile(filepath.Join(f.staging, "wmf-config", "InitialiseSettings.php"), []byte(fixtureSettings), 0o644))
	standin, err := filepath.Abs("../sandbox/standins/mwscript")
	must(err)
	wrapper := "#!/bin/sh\nexport MWSCRIPT_DBLIST=" + remote.Quote(filepath.Join(f.staging, "dblists", "all.dblist")) +
		" MWSCRIPT_SETTINGS=" + remote.Quote(filepath.Join(f.staging, "wmf-config", "InitialiseSettings.php")) +
		" MWSCRIPT_STATE=" + remote.Quote(f.state) + "\nexec /bin/sh " + remote.Quote(standin) + " \"$@\"\n"
	must(os.WriteFile(filepath.Join(root, "bin", "mwscript"), []byte(wrapper), 0o755))

	cfg := config.DefaultConfig()
	cfg.StateDir = filepath.Join(root, "porthole-state")
	cfg.StagingDir = f.staging
	cfg.Hosts = map[string][]string{config.RoleMaintenance: {"mwmaint1002"}, config.RoleDeploy: {"deploy1002"}}
	cfg.Commands.Mwscript = filepath.Join(root, "bin", "mwscript")
	cfg.Maintenance.TmuxSocket = testreq.TmuxServer(t)
	cfg.Maintenance.TranscriptDir = filepath.Join(root, "transcripts")
	cfg.Maintenance.PollInterval = 25 * time.Millisecond
	dial := func(host string) (remote.Executor, error) { return &remote.Local{Name: host}, nil }
	f.env = &runbooks.Env{Config: cfg, Hosts: config.NewHosts(cfg, dial), User: "alice"}
	return f
}

// mw is the configured mwscript prefix, as commands start.
func (f *maintFixture) mw() string { return f.env.Config.Commands.Mwscript }

// stateFile reads a file of the stand-in's state ("" when missing).
func (f *maintFixture) stateFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(f.state, rel))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

func (f *maintFixture) writeState(t *testing.T, rel, content string) {
	t.Helper()
	p := filepath.Join(f.state, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ran is what a run of a plan did.
type ran struct {
	cmds    []string // runbooks.CommandRun commands, in order
	exits   []int
	notes   []string
	lines   []string
	gates   []runbooks.Gate
	last    remote.Progress
	err     error
	states  map[string]runbooks.StepState
	outputs map[string][]string // step → output lines
}

func (r ran) notesText() string { return strings.Join(r.notes, "\n") }

// runMaint builds kind with params and runs it with the engine's Runner,
// answering every gate with answer ("y"/"n").
func runMaint(t *testing.T, env *runbooks.Env, kind string, params map[string]string, answer func(g runbooks.Gate) string) ran {
	t.Helper()
	plan, err := runbooks.Build(context.Background(), env, kind, params)
	if err != nil {
		t.Fatalf("build %s: %v", kind, err)
	}
	return runPlan(t, env, plan, runbooks.RunOptions{}, answer)
}

func runPlan(t *testing.T, env *runbooks.Env, plan *runbooks.Plan, opts runbooks.RunOptions, answer func(g runbooks.Gate) string) ran {
	t.Helper()
	r := runbooks.NewRunner(env, plan, nil, opts)
	r.Start(context.Background())
	out := ran{outputs: map[string][]string{}}
	for e := range r.Events() {
		switch ev := e.(type) {
		case runbooks.CommandRun:
			out.cmds = append(out.cmds, ev.Result.Cmd)
			out.exits = append(out.exits, ev.Result.ExitCode)
		case runbooks.StepNote:
			out.notes = append(out.notes, ev.Text)
		case runbooks.StepOutput:
			out.lines = append(out.lines, ev.Line.Text)
			out.outputs[ev.StepID] = append(out.outputs[ev.StepID], ev.Line.Text)
		case runbooks.StepProgress:
			out.last = ev.Progress
		case runbooks.GateRequest:
			out.gates = append(out.gates, ev.Gate)
			c := "n"
			if answer != nil {
				c = answer(ev.Gate)
			}
			ev.Answer(runbooks.Decision{Choice: c, By: "alice", At: time.Now()})
		case runbooks.RunFinished:
			out.err = ev.Err
		}
	}
	out.states = r.States()
	return out
}

func answerYes(runbooks.Gate) string { return "y" }

// tmuxSessions lists the sessions of a test's tmux server.
func tmuxSessions(t *testing.T, sock string) []string {
	t.Helper()
	out, err := exec.Command("tmux", "-L", sock, "list-sessions", "-F", "#{session_name}").Output()
	if err != nil {
		return nil
	}
	return strings.Fields(string(out))
}
