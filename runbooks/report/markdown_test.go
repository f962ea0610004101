package report

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"porthole/config"
	"porthole/gerrit"
	"porthole/remote"
	"porthole/runbooks"
	"porthole/runbooks/journal"
)

func TestMarkdownExport(t *testing.T) {
	t.Setenv("PORTHOLE_TEST_SECRET", "sekrit-value-1")
	env := testEnv(t, map[string][]string{config.RoleDeploy: {"deploy1"}, config.RoleTestServers: {"mwdebug1", "mwdebug2"}})
	plan := &runbooks.Plan{ID: "20260102-030405-backport", Kind: "backport", Title: "Backport: [[gerrit:12345|Fix the *thing*]]",
		Params: map[string]string{"changes": "12345"},
		Changes: []*gerrit.Change{{Number: 12345, Project: "mediawiki/core", Branch: "wmf/1.44.0-wmf.5", Subject: "Fix the thing",
			Owner: gerrit.Account{Name: "Dana"}, Bugs: []string{"T100"}, PatchSet: 2, CurrentRevision: "0123456789abcdef0123",
			WebURL: "https://gerrit.example/r/c/mediawiki/core/+/12345"}},
		Steps: []*runbooks.Step{
			{ID: "fetch", Title: "git fetch", Role: config.RoleDeploy, Command: "git fetch",
				Do: func(ctx context.Context, sc *runbooks.StepContext) error {
					// stdout and stderr are read concurrently, so their relative
					// order is not defined: the stderr line is a command of its own.
					if _, err := remote.Check(sc.Exec(ctx, config.RoleDeploy, remote.Command{
						Cmd: "seq 1 45; echo 'has ``` fence'"})); err != nil {
						return err
					}
					_, err := remote.Check(sc.Exec(ctx, config.RoleDeploy, remote.Command{Cmd: "echo oops sekrit-value-1 >&2"}))
					sc.Note(runbooks.Warn, "1 extra commit: 89abcdef")
					return err
				}},
			{ID: "pull", Title: "Sync to the test servers", Role: config.RoleTestServers, Command: "echo pulled",
				Irreversible: true, Undo: "git revert and sync again",
				Do: func(ctx context.Context, sc *runbooks.StepContext) error {
					_, err := sc.ExecAll(ctx, config.RoleTestServers, remote.Command{Cmd: "echo pulled"}, remote.FanOutOptions{Name: "sync-testservers"})
					return err
				}},
			shStep("check", config.RoleDeploy, "echo checking; exit 2"),
			shStep("sync", config.RoleDeploy, "scap sync-file php-1.44.0-wmf.5/includes/Foo.php 'Backport'"),
		}}
	j, _ := newJournal(t, plan)
	if runErr := runYes(runbooks.NewRunner(env, plan, j, runbooks.RunOptions{})); runErr == nil {
		t.Fatal("the check step should have failed the window")
	}
	j.Close()
	w, err := journal.LoadWindow(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	md := Markdown(w)
	for _, want := range []string{
		"# Backport: \\[\\[gerrit:12345\\|Fix the \\*thing\\*\\]\\]\n",
		"- **Window:** `20260102-030405-backport` (backport)",
		"- **Deployer:** alice on ",
		"- **Status:** failed at Step check",
		"- **Parameters:** changes=`12345`",
		"- [gerrit:12345](https://gerrit.example/r/c/mediawiki/core/+/12345) mediawiki/core `wmf/1.44.0-wmf.5` — Fix the thing (T100) — by Dana, patch set 2, `0123456789ab`",
		"| 1 | git fetch | deploy1 | done |",
		"| 2 | Sync to the test servers | mwdebug1, mwdebug2 | done |",
		"| 3 | Step check | deploy1 | failed |",
		"| 4 | Step sync | deploy | not run |",
		"### 1. git fetch — done",
		"on deploy1 → exit 0 (",
		"- **Warning:** 1 extra commit: 89abcdef",
		"Production-visible. Undo: git revert and sync again",
		"- `echo pulled` on mwdebug1 → exit 0",
		"- `echo pulled` on mwdebug2 → exit 0",
		"- Progress: `sync-testservers: 100% (in-flight: 0; ok: 2; fail: 0; left: 0)`",
		"- `echo checking; exit 2` on deploy1 → exit 2",
		"- **Error:** echo checking; exit 2 on deploy1 exited 2",
		"- ````seq 1 45; echo 'has ``` fence'```` on deploy1 → exit 0",
		"- `echo oops " + journal.Redacted + " >&2` on deploy1 → exit 0",
		"**Output** (1 line):",
		"- Would run `scap sync-file php-1.44.0-wmf.5/includes/Foo.php 'Backport'`",
		"**Output** (47 lines; the last 40 here, the 7 earlier ones in the journal):",
		"````text\n8\n9\n",
		"has ``` fence\n",
		"\n! oops " + journal.Redacted + "\n",
		"## Decisions",
		"**bob** before *Sync to the test servers*: “Sync to the test servers? This is production-visible and porthole cannot take it back.” — **yes** by bob",
		"## Failures",
		"- *Step check* failed: echo checking; exit 2 on deploy1 exited 2",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("export lacks %q", want)
		}
	}
	if strings.Contains(md, "<details>") || strings.Contains(md, "</") {
		t.Error("the export holds HTML")
	}
	if strings.Contains(md, "sekrit-value-1") {
		t.Error("export holds a secret")
	}
	if strings.Contains(md, "\n1\n") {
		t.Error("the export shows output lines it should have folded away")
	}
	if !regexp.MustCompile(`- \*\*Started:\*\* \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n`).MatchString(md) {
		t.Error("no start time")
	}
	if t.Failed() {
		t.Log(md)
	}
}

func TestMarkdownOfAnInterruptedWindow(t *testing.T) {
	w := &journal.WindowState{ID: "w1", Kind: "revert", Status: journal.StatusUnfinished, Interrupted: "sync"}
	w.Steps = []*journal.StepLog{
		{StepSummary: journal.StepSummary{ID: "revert", Title: "git revert"}, State: runbooks.Done},
		{StepSummary: journal.StepSummary{ID: "sync", Title: "Sync the revert", Irreversible: true}, State: runbooks.Running},
	}
	md := Markdown(w)
	for _, want := range []string{"# revert window w1", "unfinished: porthole stopped during Sync the revert",
		"### 2. Sync the revert — interrupted", "*Sync the revert* was running when porthole stopped: not known to be complete"} {
		if !strings.Contains(md, want) {
			t.Errorf("export lacks %q:\n%s", want, md)
		}
	}
}
