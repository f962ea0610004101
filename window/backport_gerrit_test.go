package window

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"porthole/gerrit"
	"porthole/gerrit/gerrittest"
	"porthole/gitops/gitopstest"
	"porthole/runbooks"
)

// withEmulator swaps the fixture's fake Gerrit for the real emulator serving
// the fixture's origin repositories, reached through the real go-gerrit client.
func withEmulator(t *testing.T, f *bpFixture) *gerrittest.Server {
	t.Helper()
	srv, err := gerrittest.New(gerrittest.Options{RepoDir: f.s.Origins, BasePath: "/r/", WebHost: "gerrit.test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	for _, p := range []string{gitopstest.ConfigProject, gitopstest.CoreProject, gitopstest.EchoProject} {
		if err := srv.CreateProject(p, nil); err != nil {
			t.Fatal(err)
		}
	}
	srv.SubscribeSubmodule(gitopstest.CoreProject, "extensions/Echo", gitopstest.EchoProject)
	srv.AddUser(gerrittest.User{Username: "alice", Name: "Alice Deployer", Email: "alice@example.org", HTTPPassword: "s3cret", Groups: []string{gerrittest.ApproverGroup}})
	srv.AddUser(gerrittest.User{Username: "owner", Name: "Olga Owner", Email: "olga@example.org"})
	gc, err := gerrit.New(srv.URL(), gerrit.Options{User: "alice", Password: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	f.env.Gerrit = gc
	f.env.Config.Gerrit.PollInterval = 20 * time.Millisecond
	f.env.Config.Gerrit.CIAccount = "jenkins-bot"
	return srv
}

func TestBackportAndRevertAgainstGerritEmulator(t *testing.T) {
	t.Parallel() // a fixture of its own
	f := newBPFixture(t)
	srv := withEmulator(t, f)
	core, err := srv.CreateChange(gerrittest.ChangeSpec{Project: gitopstest.CoreProject, Branch: f.s.Branch,
		Subject: "rdbms: fix cache TTL", Body: "Bug: T123", Files: map[string]string{"includes/cache/Cache.php": newCache}, Owner: "owner"})
	if err != nil {
		t.Fatal(err)
	}
	echo, err := srv.CreateChange(gerrittest.ChangeSpec{Project: gitopstest.EchoProject, Branch: f.s.Branch,
		Subject: "Echo: fix count", Body: "Bug: T124", Files: map[string]string{"includes/Hooks.php": "<?php\nclass Hooks { /* count */ }\n"}, Owner: "owner"})
	if err != nil {
		t.Fatal(err)
	}
	refs := srv.URL() + "c/mediawiki/core/+/" + itoaBP(core) + " " + itoaBP(echo)
	p := f.build("backport", map[string]string{"changes": refs})
	if p.Changes[0].Subject != "rdbms: fix cache TTL" || p.Changes[0].Bugs[0] != "T123" || p.Changes[1].Project != gitopstest.EchoProject {
		t.Fatalf("resolved %+v", p.Changes[0])
	}
	r, evs, err := f.run(p, nil)
	if err != nil {
		t.Fatalf("window against the emulator: %v\n%q", err, bpNotes(evs))
	}
	php := "php-" + gitopstest.Version
	if got := f.appFile("mw1002", php+"/includes/cache/Cache.php"); got != newCache {
		t.Fatalf("core not deployed: %q", got)
	}
	if got := f.appFile("mw1002", php+"/extensions/Echo/includes/Hooks.php"); !strings.Contains(got, "count") {
		t.Fatalf("echo not deployed: %q", got)
	}
	for _, n := range []int{core, echo} {
		if st := srv.Change(n); st.Status != "MERGED" {
			t.Fatalf("change %d is %s", n, st.Status)
		}
	}
	ns := strings.Join(bpNotes(evs), "\n")
	if !strings.Contains(ns, "Update git submodules") || !strings.Contains(ns, "rdbms: fix cache TTL") {
		t.Fatalf("the review did not match the bump commit and the core commit:\n%s", ns)
	}
	want := "Backport: [[gerrit:" + itoaBP(core) + "|rdbms: fix cache TTL (T123)]]"
	if calls := f.scapCalls(); len(calls) != 2 || calls[0][1] != want || calls[1][1] != "Backport: [[gerrit:"+itoaBP(echo)+"|Echo: fix count (T124)]]" {
		t.Fatalf("scap calls %q", calls)
	}

	// Emergency revert; the emulator turns the refs/for/ pushes into changes.
	rp, err := BuildRevertFrom(context.Background(), f.env, p, r.Facts())
	if err != nil {
		t.Fatal(err)
	}
	r2, evs2, err := f.run(rp, nil)
	if err != nil {
		t.Fatalf("revert: %v\n%q", err, bpNotes(evs2))
	}
	if got := f.appFile("mw1003", php+"/includes/cache/Cache.php"); got != oldCache {
		t.Fatalf("not reverted: %q", got)
	}
	for _, n := range []int{core, echo} {
		num := r2.Facts().Change(n).RevertChange
		if num == 0 {
			t.Fatalf("no revert change for %d: %q", n, bpNotes(evs2))
		}
		ch, err := f.env.Gerrit.Resolve(context.Background(), strconv.Itoa(num))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ch.Subject, "Revert \"") || ch.Status != "NEW" || ch.Branch != f.s.Branch {
			t.Errorf("revert change %+v", ch)
		}
		if ch.RevertOf != n {
			t.Errorf("revert change %d: revert_of %d, want %d", ch.Number, ch.RevertOf, n)
		}
	}
}

func TestBackportStopsOnCIFailureAgainstEmulator(t *testing.T) {
	t.Parallel() // a fixture of its own
	f := newBPFixture(t)
	srv := withEmulator(t, f)
	n, err := srv.CreateChange(gerrittest.ChangeSpec{Project: gitopstest.ConfigProject, Branch: "master",
		Subject: "Broken config", Files: map[string]string{"wmf-config/CommonSettings.php": "<?php\n// broken\n"}, Owner: "owner", CI: gerrittest.CIFail})
	if err != nil {
		t.Fatal(err)
	}
	p := f.build("backport", map[string]string{"changes": itoaBP(n)})
	ci := false
	for _, w := range p.Warnings {
		ci = ci || w.Code == "ci-failed"
	}
	if !ci {
		t.Errorf("no ci-failed warning: %+v", p.Warnings)
	}
	// The failure shows the build and offers "recheck"; the first time
	// yes (CI runs again, and fails again), the second time no.
	var rechecks []runbooks.Gate
	r, _, err := f.run(p, func(g runbooks.GateRequest) string {
		if strings.Contains(g.Gate.Prompt, "recheck") {
			rechecks = append(rechecks, g.Gate)
			if len(rechecks) == 1 {
				return "y"
			}
			return "n"
		}
		return "y"
	})
	if err == nil || !strings.Contains(err.Error(), "could not be merged") || !strings.Contains(err.Error(), "then retry this step") || !strings.Contains(err.Error(), "integration.wikimedia.org/ci/job/") {
		t.Fatalf("CI failure: %v", err)
	}
	if len(rechecks) != 2 || rechecks[0].Default != "n" || !strings.Contains(rechecks[0].Detail, "the failed build: https://integration.wikimedia.org/ci/job/") {
		t.Fatalf("recheck questions: %+v", rechecks)
	}
	var comments []string
	for _, w := range srv.Writes() {
		if strings.Contains(w.Body, "recheck") {
			comments = append(comments, w.Path)
		}
	}
	if len(comments) != 1 {
		t.Fatalf("recheck comments posted: %q (want one, after the first yes)", comments)
	}
	if r.States()["wait-merge-"+itoaBP(n)] != runbooks.Failed || r.States()["fetch-mediawiki-config"] != runbooks.Pending {
		t.Fatalf("states %v", r.States())
	}
}

func itoaBP(n int) string { return strconv.Itoa(n) }

func TestBackportReapprovesNewPatchSetAgainstEmulator(t *testing.T) {
	t.Parallel() // a fixture of its own
	for _, answer := range []string{"y", "n"} {
		t.Run(answer, func(t *testing.T) {
			t.Parallel()
			f := newBPFixture(t)
			srv := withEmulator(t, f)
			n, err := srv.CreateChange(gerrittest.ChangeSpec{Project: gitopstest.ConfigProject, Branch: "master",
				Subject: "Tweak", Files: map[string]string{"wmf-config/CommonSettings.php": "<?php\n// v1\n"}, Owner: "owner", CI: gerrittest.CIManual})
			if err != nil {
				t.Fatal(err)
			}
			p := f.build("backport", map[string]string{"changes": itoaBP(n)})
			var reapprove []string
			_, evs, err := f.runTimed(p, func(g runbooks.GateRequest) string {
				if strings.Contains(g.Gate.Prompt, "Re-approve") {
					reapprove = append(reapprove, g.Gate.Prompt)
					if g.Gate.Default != "n" {
						t.Errorf("re-approve gate defaults to %q", g.Gate.Default)
					}
					return answer
				}
				return "y"
			}, func(e runbooks.Event) {
				switch ev := e.(type) {
				case runbooks.StepStarted:
					if ev.StepID == "wait-merge-"+itoaBP(n) {
						// the owner uploads a new patch set while CI runs
						if err := srv.NewPatchSet(n, map[string]string{"wmf-config/CommonSettings.php": "<?php\n// v2\n"}); err != nil {
							t.Error(err)
						}
					}
				case runbooks.StepNote:
					if strings.HasPrefix(ev.Text, "+2 again on change") {
						// CI passes on the new patch set and Zuul submits it
						if err := srv.Vote(n, "jenkins-bot", "Verified", 2); err != nil {
							t.Error(err)
						}
						if err := srv.Submit(n); err != nil {
							t.Error(err)
						}
					}
				}
			})
			if len(reapprove) != 1 || !strings.Contains(reapprove[0], "patch set 2") {
				t.Fatalf("re-approve gates %q", reapprove)
			}
			switch answer {
			case "y":
				if err != nil {
					t.Fatalf("%v %q", err, bpNotes(evs))
				}
				if st := srv.Change(n); st.Status != "MERGED" || st.PatchSet != 2 || st.Votes["Code-Review"]["alice"] != 2 {
					t.Fatalf("change %+v", st)
				}
				if got := f.appFile("mw1001", "wmf-config/CommonSettings.php"); got != "<?php\n// v2\n" {
					t.Fatalf("deployed %q", got)
				}
			case "n":
				if err == nil || !strings.Contains(err.Error(), "was not re-approved") {
					t.Fatalf("declined re-approval: %v", err)
				}
				if st := srv.Change(n); st.Status != "NEW" || st.Votes["Code-Review"]["alice"] == 2 {
					t.Fatalf("patch set 2 approved without asking: %+v", st)
				}
			}
		})
	}
}

func TestBackportFetchRetriesNetworkErrors(t *testing.T) {
	t.Parallel() // a fixture of its own
	f := newBPFixture(t)
	f.configChange(180, "Tweak", nil, map[string]string{"wmf-config/CommonSettings.php": "<?php\n// t\n"})
	f.s.Git(f.s.Dir, "remote", "set-url", "origin", "http://127.0.0.1:1/operations/mediawiki-config")
	p := f.build("backport", map[string]string{"changes": "180"})
	r, evs, err := f.run(p, nil)
	if err == nil || !strings.Contains(err.Error(), "git fetch") {
		t.Fatalf("fetch from a dead origin: %v", err)
	}
	attempts := 0
	for _, e := range evs {
		if s, ok := e.(runbooks.StepStarted); ok && s.StepID == "fetch-mediawiki-config" {
			attempts++
		}
	}
	if attempts != 3 || r.States()["fetch-mediawiki-config"] != runbooks.Failed {
		t.Fatalf("fetch attempts %d (want 1 + 2 retries), state %v", attempts, r.States()["fetch-mediawiki-config"])
	}
}
