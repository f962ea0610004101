package window

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"porthole/config"
	"porthole/gerrit"
	"porthole/gitops/gitopstest"
	"porthole/runbooks"
)

const newCache = "<?php\nclass Cache {\n\tconst TTL = 3600;\n}\n"

func threeChanges(f *bpFixture) (cfg, core, echo *gerrit.Change) {
	cfg = f.configChange(101, "Enable FileExporter for sourceswiki", []string{"T198594"},
		map[string]string{"wmf-config/InitialiseSettings.php": "<?php\nreturn [ 'wgFileExporter' => true ];\n"})
	core = f.coreChange(102, "rdbms: fix cache TTL", map[string]string{"includes/cache/Cache.php": newCache})
	echo = f.echoChange(103, "Echo: fix notification count", map[string]string{"includes/Hooks.php": "<?php\nclass Hooks { /* count */ }\n"})
	return
}

func TestBackportPlanLayout(t *testing.T) {
	t.Parallel() // a fixture of its own
	f := newBPFixture(t)
	threeChanges(f)
	p := f.build("backport", map[string]string{"changes": "101 https://gerrit.wikimedia.org/r/c/mediawiki/core/+/102 103"})
	php := "php-" + gitopstest.Version
	want := []string{"preflight", "backport-lock", "approve-101", "approve-102", "approve-103", "wait-merge-101", "wait-merge-102", "wait-merge-103",
		"status-mediawiki-config", "fetch-mediawiki-config", "review-mediawiki-config", "rebase-mediawiki-config",
		"status-" + php, "fetch-" + php, "review-" + php, "rebase-" + php, "submodules-" + php,
		"sync-testservers", "owner-verify", "sync-1", "sync-2", "sync-3", "post-deploy", "backport-unlock"}
	if got := bpStepIDs(p); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("steps\n got %v\nwant %v", got, want)
	}
	// each path carries the SAL text of the change it deploys
	sals := map[string]string{"sync-1": "Backport: [[gerrit:101|Enable FileExporter for sourceswiki (T198594)]]",
		"sync-2": "Backport: [[gerrit:102|rdbms: fix cache TTL (T102)]]", "sync-3": "Backport: [[gerrit:103|Echo: fix notification count]]"}
	for id, path := range map[string]string{"sync-1": "wmf-config/InitialiseSettings.php", "sync-2": php + "/includes/cache/Cache.php",
		"sync-3": php + "/extensions/Echo/includes/Hooks.php"} {
		s := bpStep(p, id)
		if s.Command != "scap sync-file "+path+" '"+sals[id]+"'" {
			t.Errorf("%s command %q", id, s.Command)
		}
		if !s.Irreversible || s.Gate == nil || s.Gate.Default != "n" || s.Dir != f.s.Dir || s.Role != config.RoleDeploy {
			t.Errorf("%s: %+v", id, s)
		}
		if !strings.Contains(s.Undo, "Revert") {
			t.Errorf("%s undo %q", id, s.Undo)
		}
	}
	if s := bpStep(p, "fetch-"+php); s.Retries != 2 || s.Command != "git fetch" || s.Dir != f.s.CoreDir {
		t.Errorf("fetch %+v", s)
	}
	if s := bpStep(p, "rebase-mediawiki-config"); s.Undo != "git reset --hard ORIG_HEAD (in "+f.s.Dir+")" {
		t.Errorf("rebase undo %q", s.Undo)
	}
	if s := bpStep(p, "submodules-"+php); s.Command != "git submodule update extensions/Echo" {
		t.Errorf("submodule step %q", s.Command)
	}
	if s := bpStep(p, "review-"+php); s.Command != "git log -p --no-color --submodule=diff 'HEAD..@{u}'" {
		t.Errorf("review %q", s.Command)
	}
	if g := bpStep(p, "owner-verify").Gate; g == nil || g.Default != "n" || !strings.Contains(g.Prompt, "Patch Owner") || !strings.Contains(g.Prompt, "X-Wikimedia-Debug") {
		t.Errorf("owner gate %+v", g)
	}
	if g := bpStep(p, "approve-101").Gate; g == nil || g.Default != "n" || bpStep(p, "approve-102").Gate != nil {
		t.Errorf("one gate before the +2s: %+v", g)
	}
	if bpStep(p, "sync-testservers").Role != config.RoleTestServers || bpStep(p, "sync-testservers").Command != "scap pull" {
		t.Error("test-server sync")
	}
	if len(p.Changes) != 3 || p.Kind != "backport" || !strings.Contains(p.ID, "backport-101-102-103") {
		t.Errorf("plan %s %s", p.Kind, p.ID)
	}
	for _, w := range p.Warnings {
		if w.Level >= runbooks.Warn {
			t.Errorf("unexpected warning %+v", w)
		}
	}
}

func TestBackportWindowEndToEnd(t *testing.T) {
	t.Parallel() // a fixture of its own
	f := newBPFixture(t)
	cfgCh, core, echo := threeChanges(f)
	// a security patch in core, as on the real deployment host: expected, kept
	f.s.LocalCommit(f.s.CoreDir, "SECURITY: fix XSS (T999999)", map[string]string{"includes/Title.php": "<?php\nclass Title { /* safe */ }\n"})
	p := f.build("backport", map[string]string{"changes": "101 102 103"})
	r, evs, err := f.run(p, nil)
	if err != nil {
		t.Fatalf("window failed: %v\nnotes: %q", err, bpNotes(evs))
	}
	php := "php-" + gitopstest.Version
	for _, h := range []string{"mw1001", "mw1002", "mw1003"} {
		if got := f.appFile(h, "wmf-config/InitialiseSettings.php"); !strings.Contains(got, "wgFileExporter") {
			t.Errorf("%s config: %q", h, got)
		}
		if got := f.appFile(h, php+"/includes/cache/Cache.php"); got != newCache {
			t.Errorf("%s core: %q", h, got)
		}
		if got := f.appFile(h, php+"/extensions/Echo/includes/Hooks.php"); !strings.Contains(got, "count") {
			t.Errorf("%s echo: %q", h, got)
		}
	}
	pulls, _ := filepath.Glob(filepath.Join(f.mwdebug, "pull.*"))
	if len(pulls) != 2 {
		t.Errorf("scap pull ran on %d test servers, want 2", len(pulls))
	}
	calls := f.scapCalls()
	if len(calls) != 3 {
		t.Fatalf("scap sync-file calls %q", calls)
	}
	// each path with the SAL text of the change it deploys
	for i, ch := range []*gerrit.Change{cfgCh, core, echo} {
		if sal := gerrit.SAL([]*gerrit.Change{ch}, ""); len(calls[i]) != 2 || calls[i][1] != sal {
			t.Errorf("scap argv %q, want message %q", calls[i], sal)
		}
	}
	facts := r.Facts()
	if facts.Change(103).Repo != f.s.EchoDir() || facts.Change(102).Repo != f.s.CoreDir || facts.Change(101).Repo != f.s.Dir {
		t.Errorf("revert dirs %q %q %q", facts.Change(101).Repo, facts.Change(102).Repo, facts.Change(103).Repo)
	}
	for _, n := range []int{101, 102, 103} {
		if cf := facts.Change(n); len(cf.Commit) != 40 || !cf.Synced || len(cf.SyncPaths) == 0 {
			t.Errorf("facts of %d: commit %q synced %v paths %q", n, cf.Commit, cf.Synced, cf.SyncPaths)
		}
	}
	if facts.Change(103).Commit != f.s.Git(f.s.EchoDir(), "rev-parse", "HEAD") {
		t.Error("the commit of 103 is not the extension's deployed commit")
	}
	pf := facts.Repo(php).PatchFile
	if b, err := os.ReadFile(pf); err != nil || !strings.Contains(string(b), "extensions/Echo/includes/Hooks.php") || !strings.Contains(string(b), "Cache.php") {
		t.Errorf("saved patch %s: %v", pf, err)
	}
	if !strings.HasPrefix(pf, filepath.Join(f.env.Config.StateDir, "windows", p.ID)) {
		t.Errorf("patch file %s not under the window's state dir", pf)
	}
	if !facts.Suggested {
		t.Errorf("the diff was not read for suggestions: %+v", facts)
	}
	ns := strings.Join(bpNotes(evs), "\n")
	for _, want := range []string{"SECURITY: fix XSS", "✓", "extensions/Echo: checked out", "synced php-"} {
		if !strings.Contains(ns, want) {
			t.Errorf("notes lack %q:\n%s", want, ns)
		}
	}
	// the security patch is still there, on top
	if log := f.s.Git(f.s.CoreDir, "log", "-1", "--format=%s"); !strings.HasPrefix(log, "SECURITY") {
		t.Errorf("security patch not kept on top: %q", log)
	}
	var progress int
	for _, e := range evs {
		if sp, ok := e.(runbooks.StepProgress); ok && sp.Progress.Name == "sync-apaches" {
			progress++
		}
	}
	if progress == 0 {
		t.Error("no progress parsed from scap's lines")
	}
	if len(f.g.approved) != 3 {
		t.Errorf("approved %v", f.g.approved)
	}
}

func TestBackportSALReachesScapIntact(t *testing.T) {
	t.Parallel() // a fixture of its own
	f := newBPFixture(t)
	canary := filepath.Join(f.s.Root, "pwned")
	subject := `Fix 'quotes' "double" $(touch ` + canary + `) and ` + "`touch " + canary + "`" + ` $HOME; rm -rf /`
	f.configChange(110, subject, []string{"T1", "T2"}, map[string]string{"wmf-config/CommonSettings.php": "<?php\n// new\n"})
	p := f.build("backport", map[string]string{"changes": "110"})
	_, evs, err := f.run(p, nil)
	if err != nil {
		t.Fatalf("%v %q", err, bpNotes(evs))
	}
	calls := f.scapCalls()
	want := "Backport: [[gerrit:110|" + subject + " (T1 T2)]]"
	if len(calls) != 1 || calls[0][0] != "wmf-config/CommonSettings.php" || calls[0][1] != want {
		t.Fatalf("scap got %q\nwant message %q", calls, want)
	}
	if _, err := os.Stat(canary); err == nil {
		t.Fatal("the SAL text ran a command")
	}
}

func TestBackportStopsOnDirtyCheckout(t *testing.T) {
	t.Parallel() // a fixture of its own
	f := newBPFixture(t)
	f.configChange(120, "Config tweak", nil, map[string]string{"wmf-config/CommonSettings.php": "<?php\n// tweak\n"})
	f.s.WriteFile(f.s.Dir, map[string]string{"wmf-config/CommonSettings.php": "<?php\n// hot fix by hand\n"})
	p := f.build("backport", map[string]string{"changes": "120"})
	r, evs, err := f.run(p, nil)
	// the pre-flight finds it, before the vote
	if err == nil || !strings.Contains(err.Error(), "pre-flight failed, nothing was approved") {
		t.Fatalf("dirty checkout: %v", err)
	}
	st := r.States()
	if st["preflight"] != runbooks.Failed || st["approve-120"] != runbooks.Pending || st["status-mediawiki-config"] != runbooks.Pending {
		t.Fatalf("states %v", st)
	}
	if ns := strings.Join(bpNotes(evs), "\n"); !strings.Contains(ns, "uncommitted change M wmf-config/CommonSettings.php") {
		t.Fatalf("notes %s", ns)
	}
	if len(f.g.approved) != 0 {
		t.Fatalf("approved %v from a dirty checkout", f.g.approved)
	}
	if len(f.scapCalls()) != 0 {
		t.Fatal("synced from a dirty checkout")
	}
}

func TestBackportExtraCommitNeedsDecision(t *testing.T) {
	t.Parallel() // a fixture of its own
	for _, answer := range []string{"n", "a"} {
		t.Run(answer, func(t *testing.T) {
			t.Parallel()
			f := newBPFixture(t)
			f.s.Land(gitopstest.ConfigProject, "master", "Direct push nobody reviewed\n",
				map[string]string{"dblists/all.dblist": "enwiki\ntestwiki\nnewwiki\n"})
			f.configChange(130, "Config tweak", nil, map[string]string{"wmf-config/CommonSettings.php": "<?php\n// tweak\n"})
			p := f.build("backport", map[string]string{"changes": "130"})
			head := f.s.Git(f.s.Dir, "rev-parse", "HEAD")
			var choices []string
			r, evs, err := f.run(p, func(g runbooks.GateRequest) string {
				if g.Gate.Kind != runbooks.GateChoice || g.StepID == "owner-verify" {
					return "y"
				}
				if g.Gate.Default != "n" || !strings.Contains(g.Gate.Detail, "Direct push nobody reviewed") {
					t.Errorf("extra-commit gate %+v", g.Gate)
				}
				choices = append(choices, g.Gate.Prompt)
				if len(choices) == 1 {
					return "d"
				}
				return answer
			})
			if len(choices) != 2 {
				t.Fatalf("asked %d times: %q", len(choices), choices)
			}
			ns := strings.Join(bpNotes(evs), "\n")
			if !strings.Contains(ns, "+newwiki") {
				t.Errorf("show-diff did not show the extra commit's diff:\n%s", ns)
			}
			switch answer {
			case "n":
				if err == nil || !strings.Contains(err.Error(), "aborted by the deployer") {
					t.Fatalf("abort: %v", err)
				}
				if f.s.Git(f.s.Dir, "rev-parse", "HEAD") != head {
					t.Fatal("rebased after an abort")
				}
				if r.States()["rebase-mediawiki-config"] != runbooks.Pending {
					t.Fatal("rebase ran")
				}
			case "a":
				if err != nil {
					t.Fatalf("deploy all: %v\n%s", err, ns)
				}
				// the extra commit's file went out too, in its own sync
				if got := f.appFile("mw1001", "dblists/all.dblist"); !strings.Contains(got, "newwiki") {
					t.Fatalf("extra commit's file not synced: %q", got)
				}
				if calls := f.scapCalls(); len(calls) != 2 || calls[1][0] != "dblists/all.dblist" {
					t.Fatalf("scap calls %q", calls)
				}
			}
		})
	}
}

func TestBackportSubmoduleCheckCatchesSkippedUpdate(t *testing.T) {
	t.Parallel() // a fixture of its own
	f := newBPFixture(t)
	f.echoChange(140, "Echo: fix", map[string]string{"includes/Hooks.php": "<?php\nclass Hooks { /* fix */ }\n"})
	// update=none makes `git submodule update` do nothing: as if it was forgotten
	f.s.Git(f.s.CoreDir, "config", "submodule.extensions/Echo.update", "none")
	p := f.build("backport", map[string]string{"changes": "140"})
	r, evs, err := f.run(p, nil)
	php := "php-" + gitopstest.Version
	if err == nil || !strings.Contains(err.Error(), "after `git submodule update`") {
		t.Fatalf("skipped update not caught: %v\n%q", err, bpNotes(evs))
	}
	if r.States()["submodules-"+php] != runbooks.Failed || r.States()["sync-testservers"] != runbooks.Pending {
		t.Fatalf("states %v", r.States())
	}
	if len(f.scapCalls()) != 0 {
		t.Fatal("synced a stale extension")
	}
}

func TestBackportKeepsExtensionSecurityPatch(t *testing.T) {
	t.Parallel() // a fixture of its own
	f := newBPFixture(t)
	f.s.LocalCommit(f.s.EchoDir(), "SECURITY: Echo fix (T777)", map[string]string{"extension.json": "{\n\t\"name\": \"Echo\", \"secure\": true\n}\n"})
	f.echoChange(150, "Echo: fix", map[string]string{"includes/Hooks.php": "<?php\nclass Hooks { /* fix */ }\n"})
	p := f.build("backport", map[string]string{"changes": "150"})
	_, evs, err := f.run(p, nil)
	if err == nil || !strings.Contains(err.Error(), "would drop") {
		t.Fatalf("update=checkout must stop before dropping the patch: %v %q", err, bpNotes(evs))
	}
	if !strings.Contains(f.s.Git(f.s.EchoDir(), "log", "-1", "--format=%s"), "SECURITY") {
		t.Fatal("the security patch was dropped")
	}

	// with update=rebase (as scap prep sets it) the patch rides on top
	f2 := newBPFixture(t)
	f2.s.LocalCommit(f2.s.EchoDir(), "SECURITY: Echo fix (T777)", map[string]string{"extension.json": "{\n\t\"name\": \"Echo\", \"secure\": true\n}\n"})
	f2.s.Git(f2.s.CoreDir, "config", "submodule.extensions/Echo.update", "rebase")
	f2.echoChange(150, "Echo: fix", map[string]string{"includes/Hooks.php": "<?php\nclass Hooks { /* fix */ }\n"})
	p2 := f2.build("backport", map[string]string{"changes": "150"})
	_, evs, err = f2.run(p2, nil)
	if err != nil {
		t.Fatalf("%v %q", err, bpNotes(evs))
	}
	if !strings.Contains(strings.Join(bpNotes(evs), "\n"), "security patches kept") {
		t.Fatalf("notes %q", bpNotes(evs))
	}
	if got := f2.appFile("mw1002", "php-"+gitopstest.Version+"/extensions/Echo/includes/Hooks.php"); !strings.Contains(got, "fix") {
		t.Fatalf("not deployed: %q", got)
	}
}

func TestBackportRefusals(t *testing.T) {
	t.Parallel() // a fixture of its own
	f := newBPFixture(t)
	f.g.add(&gerrit.Change{Number: 201, Project: gitopstest.CoreProject, Branch: "master", Subject: "x"}, nil)
	f.g.add(&gerrit.Change{Number: 202, Project: gitopstest.ConfigProject, Branch: "wmf/something", Subject: "x"}, nil)
	f.g.add(&gerrit.Change{Number: 203, Project: "mediawiki/extensions/Flow", Branch: f.s.Branch, Subject: "x", Files: []gerrit.File{{Path: "a.php"}}}, nil)
	f.g.add(&gerrit.Change{Number: 204, Project: gitopstest.CoreProject, Branch: f.s.Branch, Subject: "x", WIP: true}, nil)
	f.g.add(&gerrit.Change{Number: 205, Project: gitopstest.CoreProject, Branch: f.s.Branch, Subject: "x", Status: "ABANDONED"}, nil)
	f.g.add(&gerrit.Change{Number: 206, Project: gitopstest.CoreProject, Branch: "wmf/1.99.0-wmf.1", Subject: "x"}, nil)
	for n, want := range map[string]string{
		"201": "backports deploy from wmf/<version> branches (live: php-" + gitopstest.Version + ")",
		"202": "deploys from master",
		"203": "mediawiki/extensions/Flow is not a submodule of",
		"204": "work in progress",
		"205": "abandoned",
		"206": "php-1.99.0-wmf.1 does not exist on the deployment host",
		"":    "no change given",
		"999": "not found",
	} {
		_, err := runbooks.Build(context.Background(), f.env, "backport", map[string]string{"changes": n})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", n, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: multi-line error %q", n, err)
		}
	}
}

func TestBackportWarnings(t *testing.T) {
	t.Parallel() // a fixture of its own
	f := newBPFixture(t)
	if err := os.MkdirAll(filepath.Join(f.s.Dir, "php-1.43.0-wmf.9"), 0o755); err != nil {
		t.Fatal(err)
	}
	no := false
	f.g.add(&gerrit.Change{Number: 301, Project: gitopstest.CoreProject, Branch: f.s.Branch, Subject: "schema",
		Files: []gerrit.File{{Path: "sql/abstractSchemaChanges/patch-foo.json", Status: "A"}, {Path: "maintenance/tables.json"}}}, nil)
	f.g.add(&gerrit.Change{Number: 302, Project: gitopstest.CoreProject, Branch: f.s.Branch, Subject: "i18n",
		Files: []gerrit.File{{Path: "languages/i18n/en.json"}}, Mergeable: &no}, nil)
	f.g.add(&gerrit.Change{Number: 303, Project: gitopstest.ConfigProject, Branch: "master", Subject: "logo",
		Files: []gerrit.File{{Path: "static/images/project-logos/en.png"}}, DependsOn: []string{"I" + strings.Repeat("0", 39) + "9", "304"}}, nil)
	f.g.add(&gerrit.Change{Number: 304, Project: gitopstest.CoreProject, Branch: "wmf/1.43.0-wmf.9", Subject: "old branch",
		Files: []gerrit.File{{Path: "includes/X.php"}}, Status: "MERGED",
		Labels: map[string][]gerrit.Vote{"Verified": {{Account: gerrit.Account{Username: "jenkins-bot"}, Value: -1}}}}, nil)
	f.g.add(&gerrit.Change{Number: 305, Project: gitopstest.CoreProject, Branch: f.s.Branch, Subject: "patch.sql",
		Files: []gerrit.File{{Path: "maintenance/archives/patch-x.sql"}},
		Labels: map[string][]gerrit.Vote{"Code-Review": {{Account: gerrit.Account{Username: "dba"}, Value: -2}},
			"Verified": {{Account: gerrit.Account{Username: "jenkins-bot"}, Value: -1}}}}, nil)
	f.g.add(&gerrit.Change{Number: 9, Project: gitopstest.CoreProject, Branch: f.s.Branch, Subject: "dep", Status: "NEW", ChangeID: "I" + strings.Repeat("0", 39) + "9"}, nil)
	f.env.Now = func() time.Time { return time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC) } // a Friday
	p := f.build("backport", map[string]string{"changes": "301 302 303 304 305"})
	got := map[string]runbooks.Warning{}
	for _, w := range p.Warnings {
		got[w.Code+":"+bpItoa(w.Change)] = w
	}
	for key, level := range map[string]runbooks.Level{
		"schema:301": runbooks.Danger, "l10n:302": runbooks.Warn, "not-mergeable:302": runbooks.Warn, "static:303": runbooks.Warn, "depends-on:303": runbooks.Warn,
		"not-deployed:304": runbooks.Danger, "merged:304": runbooks.Info, "schema:305": runbooks.Danger, "rejected:305": runbooks.Danger, "ci-failed:305": runbooks.Warn,
		"weekend:0": runbooks.Warn,
	} {
		w, ok := got[key]
		if !ok {
			t.Errorf("no %s warning; got %v", key, bpKeys(got))
			continue
		}
		if w.Level != level {
			t.Errorf("%s level %d, want %d", key, w.Level, level)
		}
	}
	if len(got) != 11 {
		t.Errorf("warnings %v", bpKeys(got))
	}
	if w := got["static:303"]; !strings.Contains(w.Text, "https://en.wikipedia.org/static/images/project-logos/en.png") {
		t.Errorf("static %q", w.Text)
	}
	if w := got["depends-on:303"]; !strings.Contains(w.Text, "change 9") || strings.Contains(w.Text, "304") {
		t.Errorf("depends-on (304 is in the window) %q", w.Text)
	}
	g := bpStep(p, "approve-301").Gate
	if g == nil || g.Kind != runbooks.GateTyped || g.Expect != "301 304 305" || g.Default != "n" ||
		!strings.Contains(g.Prompt, "4 danger warnings: type 301 304 305 to +2") || !strings.Contains(g.Detail, "schema") {
		t.Errorf("danger gate %+v", g)
	}
}

func TestSyncPaths(t *testing.T) {
	fs := func(ps ...string) []gerrit.File {
		var out []gerrit.File
		for _, p := range ps {
			st := "M"
			if strings.HasPrefix(p, "-") {
				p, st = p[1:], "D"
			}
			out = append(out, gerrit.File{Path: p, Status: st})
		}
		return out
	}
	cases := []struct {
		prefix string
		files  []gerrit.File
		want   string
	}{
		{"", fs("wmf-config/InitialiseSettings.php"), "wmf-config/InitialiseSettings.php"},
		{"", fs("wmf-config/InitialiseSettings.php", "wmf-config/CommonSettings.php"), "wmf-config"},
		{"", fs("wmf-config/a.php", "static/images/x.png"), "wmf-config/a.php static/images/x.png"},
		{"php-1.44.0-wmf.5", fs("includes/cache/A.php", "includes/cache/sub/B.php"), "php-1.44.0-wmf.5/includes/cache"},
		{"php-1.44.0-wmf.5", fs("-includes/Old.php"), "php-1.44.0-wmf.5/includes"},
		{"php-1.44.0-wmf.5", fs("-includes/Old.php", "includes/New.php"), "php-1.44.0-wmf.5/includes"},
		{"php-1.44.0-wmf.5/extensions/Echo", fs("includes/Hooks.php"), "php-1.44.0-wmf.5/extensions/Echo/includes/Hooks.php"},
		{"php-1.44.0-wmf.5/extensions/Echo", fs("includes/Hooks.php", "extension.json"), "php-1.44.0-wmf.5/extensions/Echo/includes/Hooks.php php-1.44.0-wmf.5/extensions/Echo/extension.json"},
		{"", fs("/COMMIT_MSG", "README"), "README"},
		{"", nil, ""},
	}
	for _, c := range cases {
		if got := strings.Join(SyncPaths(c.prefix, c.files), " "); got != c.want {
			t.Errorf("%s %v: %q, want %q", c.prefix, c.files, got, c.want)
		}
	}
	r := []gerrit.File{{Path: "includes/B.php", OldPath: "resources/A.js", Status: "R"}}
	if got := strings.Join(SyncPaths("php-x", r), " "); got != "php-x/includes/B.php php-x/resources" {
		t.Errorf("rename: %q", got)
	}
}

func bpItoa(n int) string { return strconv.Itoa(n) }

func bpKeys(m map[string]runbooks.Warning) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
