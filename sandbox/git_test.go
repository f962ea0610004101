package sandbox

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// repoOf is where a project's changes are fetched on the deployment host.
func repoOf(sb *Sandbox, project string) string {
	php := filepath.Join(sb.StagingDir(), "php-"+sb.Version)
	switch project {
	case ProjectConfig:
		return sb.StagingDir()
	case ProjectEcho:
		return filepath.Join(php, "extensions/Echo")
	case ProjectVector:
		return filepath.Join(php, "skins/Vector")
	}
	return php
}

func TestChangesFetchable(t *testing.T) {
	sb := shared(t)
	cl := newClients(t, sb)
	touched := map[string][]string{} // file → scenarios
	for _, s := range sb.Scenarios {
		st := sb.Gerrit.Change(s.Change)
		dir := repoOf(sb, s.Project)
		msg := cl.ok(t, DeployHost, "cd "+q(dir)+" && git fetch -q origin "+q(st.Ref)+" && git log -1 --format=%B FETCH_HEAD")
		for _, want := range []string{s.Subject + "\n", "\nBug: T", "Change-Id: " + st.ChangeID} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: commit message lacks %q:\n%s", s.Name, want, msg)
			}
		}
		files := lines(cl.ok(t, DeployHost, "cd "+q(dir)+" && git diff --name-only FETCH_HEAD^ FETCH_HEAD"))
		if len(files) == 0 {
			t.Errorf("%s: the change touches no file", s.Name)
		}
		for _, f := range files {
			touched[s.Project+":"+f] = append(touched[s.Project+":"+f], s.Name)
		}
		// Fetching a change moves nothing the deployer has checked out.
		// (A submodule has a detached HEAD and no upstream: only the parents are checked.)
		if s.Project != ProjectEcho {
			if out := cl.ok(t, DeployHost, "cd "+q(dir)+" && git log --oneline HEAD..@{u}"); out != "" {
				t.Errorf("%s: fetching refs/changes moved the branch: %s", s.Name, out)
			}
		}
	}
	// Scenarios are independent: no two touch the same file, except the
	// config ones that edit different settings of InitialiseSettings.php.
	for f, names := range touched {
		if len(names) > 1 && f != ProjectConfig+":wmf-config/InitialiseSettings.php" {
			t.Errorf("%s is touched by several scenarios: %v", f, names)
		}
	}
}

func TestExtraCommitScenario(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb := start(t, 1)
	cl := newClients(t, sb)
	n := sb.Changes["extra-commit"]
	// The deployer's +2, as porthole gives it.
	if err := sb.Gerrit.Vote(n, sb.User, "Code-Review", 2); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the extra-commit change to merge", func() bool { return sb.Gerrit.Change(n).Status == "MERGED" })
	php := q(repoOf(sb, ProjectCore))
	got := lines(cl.ok(t, DeployHost, "cd "+php+" && git fetch -q && git log --no-merges --format=%s HEAD..@{u}"))
	sort.Strings(got)
	want := []string{strings.SplitN(extraCommit.subject, "\n", 2)[0], sb.Gerrit.Change(n).Subject}
	sort.Strings(want)
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("the fetch brings %q, want the change and the extra commit %q", got, want)
	}
	bodies := cl.ok(t, DeployHost, "cd "+php+" && git log --no-merges --format=%B HEAD..@{u}")
	if strings.Count(bodies, "Change-Id: "+sb.Gerrit.Change(n).ChangeID) != 1 {
		t.Errorf("exactly one incoming commit should carry the change's Change-Id:\n%s", bodies)
	}
	// Other scenarios on the same branch are untouched until their turn.
	if st := sb.Gerrit.Change(sb.Changes["core"]); st.Status != "NEW" {
		t.Errorf("core change is %s", st.Status)
	}
}

func TestExtensionChangeBumpsCore(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb := start(t, 1)
	cl := newClients(t, sb)
	n := sb.Changes["extension"]
	if err := sb.Gerrit.Submit(n); err != nil {
		t.Fatal(err)
	}
	php := q(repoOf(sb, ProjectCore))
	msg := cl.ok(t, DeployHost, "cd "+php+" && git fetch -q && git log --format=%B HEAD..@{u}")
	if !strings.HasPrefix(msg, "Update git submodules") || !strings.Contains(msg, "    Change-Id: "+sb.Gerrit.Change(n).ChangeID) {
		t.Fatalf("incoming in php-%s: %q, want Gerrit's submodule bump carrying the Echo change's Change-Id", sb.Version, msg)
	}
	cl.ok(t, DeployHost, "cd "+php+" && git rebase -q")
	status := cl.ok(t, DeployHost, "cd "+php+" && git status")
	if !strings.Contains(status, "modified:   extensions/Echo (new commits)") {
		t.Errorf("before git submodule update, git status should show Echo behind:\n%s", status)
	}
	cl.ok(t, DeployHost, "cd "+php+" && git submodule update extensions/Echo")
	file := cl.ok(t, DeployHost, "cat "+php+"/extensions/Echo/includes/Formatters/EchoMentionPresentationModel.php")
	if !strings.Contains(file, "'…',") {
		t.Error("after git submodule update, Echo does not have the change")
	}
}

func TestScenariosMergeInAnyOrder(t *testing.T) {
	t.Parallel() // a sandbox of its own
	tips := map[string][2]string{}
	for round, reverse := range []bool{false, true} {
		sb := start(t, 1)
		order := append([]Scenario(nil), sb.Scenarios...)
		if reverse {
			for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
				order[i], order[j] = order[j], order[i]
			}
		}
		for _, s := range order {
			if err := sb.Gerrit.Submit(s.Change); err != nil {
				t.Fatalf("round %d: submit %s: %v", round, s.Name, err)
			}
		}
		for _, p := range []string{ProjectCore, ProjectConfig} {
			branch := "master"
			if p == ProjectCore {
				branch = "wmf/" + sb.Version
			}
			tree, err := runGit(gitEnv(t.TempDir()), sb.Gerrit.RepoPath(p), "", "ls-tree", "-r", "refs/heads/"+branch)
			if err != nil {
				t.Fatal(err)
			}
			// .gitmodules names each sandbox's own paths: leave it out.
			var kept []string
			for _, l := range lines(tree) {
				if !strings.HasSuffix(l, "\t.gitmodules") {
					kept = append(kept, l)
				}
			}
			v := tips[p]
			v[round] = strings.Join(kept, "\n")
			tips[p] = v
		}
	}
	for p, v := range tips {
		if v[0] != v[1] {
			t.Errorf("%s ends with different trees in either order:\n%s\nvs\n%s", p, v[0], v[1])
		}
	}
}

// TestOriginsAreGitOverHTTP: the deploy host's checkouts fetch from and push
// reviews to the emulator over HTTP, with the HTTP password in ~/.netrc.
func TestOriginsAreGitOverHTTP(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb := start(t, 1)
	cl := newClients(t, sb)
	for _, p := range []string{ProjectConfig, ProjectCore, ProjectEcho, ProjectVector} {
		if got := strings.TrimSpace(cl.ok(t, DeployHost, "cd "+q(repoOf(sb, p))+" && git remote get-url origin")); got != sb.Gerrit.URL()+p {
			t.Errorf("%s: origin = %q, want %s", p, got, sb.Gerrit.URL()+p)
		}
	}
	if mode := strings.TrimSpace(cl.ok(t, DeployHost, "stat -c %a ~/.netrc")); mode != "600" {
		t.Errorf("~/.netrc mode = %s", mode)
	}
	php := q(repoOf(sb, ProjectCore))
	cl.ok(t, DeployHost, "cd "+php+" && git fetch -q origin")
	out := cl.ok(t, DeployHost, "cd "+php+" && git checkout -q -b t origin/wmf/"+sb.Version+
		" && git commit -q --allow-empty -m 'Sandbox review' -m 'Change-Id: I"+strings.Repeat("cd", 20)+"' && git push origin HEAD:refs/for/wmf/"+sb.Version+"%topic=sandbox 2>&1")
	if !strings.Contains(out, "remote: SUCCESS") || !strings.Contains(out, "[NEW]") {
		t.Fatalf("push for review over HTTP:\n%s", out)
	}
	found := false
	for n := 1000; n < 1100; n++ {
		if st := sb.Gerrit.Change(n); st.ChangeID == "I"+strings.Repeat("cd", 20) {
			found = st.Owner == sb.User && st.Topic == "sandbox"
		}
	}
	if !found {
		t.Error("the pushed change is not in Gerrit, owned by the deployer with topic sandbox")
	}
	// Without the netrc the push is refused as git refuses a missing login.
	out = cl.ok(t, DeployHost, "cd "+php+" && mv ~/.netrc ~/.netrc.off && { git push origin HEAD:refs/for/wmf/"+sb.Version+" 2>&1; mv ~/.netrc.off ~/.netrc; }")
	if !strings.Contains(out, "could not read Username") {
		t.Errorf("push without ~/.netrc:\n%s", out)
	}
}
