package gerrittest_test

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"porthole/gerrit/gerrittest"
)

// gitAs runs the real git CLI as a deployer whose HOME is home (its
// ~/.netrc, if any, holds the credentials), prompts disabled.
func gitAs(home, dir string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-c", "user.name=Dee Ployer", "-c", "user.email=deployer@example.org"}, args...)...)
	cmd.Dir = dir
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "HOME="+home, "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "SSH_ASKPASS=")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func mustGit(t *testing.T, home, dir string, args ...string) string {
	t.Helper()
	out, err := gitAs(home, dir, args...)
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// netrcHome is a HOME whose ~/.netrc (mode 0600) logs user in to s.
func netrcHome(t *testing.T, s *gerrittest.Server, user, pass string) string {
	t.Helper()
	home := t.TempDir()
	u, err := url.Parse(s.URL())
	must(t, err)
	must(t, os.WriteFile(filepath.Join(home, ".netrc"), []byte(fmt.Sprintf("machine %s login %s password %s\n", u.Hostname(), user, pass)), 0o600))
	return home
}

func TestGitOverHTTP(t *testing.T) {
	s := newServer(t, gerrittest.Options{WebHost: "gerrit.example.org"})
	home := netrcHome(t, s, "deployer", pw)
	repo := s.URL() + "mediawiki/core"
	wt := filepath.Join(t.TempDir(), "core")
	mustGit(t, home, filepath.Dir(wt), "clone", "--quiet", "--branch", branch, repo, wt)
	if b, err := os.ReadFile(filepath.Join(wt, "includes/Foo.php")); err != nil || !strings.Contains(string(b), "class Foo") {
		t.Fatalf("clone over HTTP: %v %q", err, b)
	}

	// A push for review becomes a change, owned by the account of the netrc.
	must(t, os.WriteFile(filepath.Join(wt, "includes/Foo.php"), []byte("<?php\nclass Foo {\n\tpublic $z;\n}\n"), 0o644))
	cid := "I" + strings.Repeat("ab", 20)
	mustGit(t, home, wt, "commit", "--quiet", "--all", "-m", "Add z\n\nChange-Id: "+cid)
	out := mustGit(t, home, wt, "push", "origin", "HEAD:refs/for/"+branch+"%topic=train")
	n := s.Change(1000)
	if n.ChangeID != cid || n.Owner != "deployer" || n.Topic != "train" || n.Status != "NEW" {
		t.Fatalf("change after the push = %+v", n)
	}
	for _, want := range []string{"remote: SUCCESS", "remote:   https://gerrit.example.org/r/c/mediawiki/core/+/1000 Add z [NEW]", "* [new reference]"} {
		if !strings.Contains(out, want) {
			t.Errorf("push output lacks %q:\n%s", want, out)
		}
	}

	// A second patch set, with the topic as a push option; then the branch
	// moves on the server and an incremental fetch negotiates.
	mustGit(t, home, wt, "commit", "--quiet", "--amend", "-m", "Add z, documented\n\nChange-Id: "+cid)
	mustGit(t, home, wt, "push", "--quiet", "-o", "topic=train2", "origin", "HEAD:refs/for/"+branch)
	if st := s.Change(1000); st.PatchSet != 2 || st.Topic != "train2" {
		t.Errorf("after the second push: patch set %d, topic %q", st.PatchSet, st.Topic)
	}
	tip, err := s.PushDirect("mediawiki/core", branch, "Moved on", map[string]string{"README.md": "moved\n"})
	must(t, err)
	mustGit(t, home, wt, "fetch", "--quiet", "origin")
	if got := strings.TrimSpace(mustGit(t, home, wt, "rev-parse", "origin/"+branch)); got != tip {
		t.Errorf("fetched %s, want %s", got, tip)
	}
	// Protocol v2, as git speaks by default; and v0.
	for _, v := range []string{"2", "0"} {
		mustGit(t, home, wt, "-c", "protocol.version="+v, "fetch", "--quiet", "origin", s.Change(1000).Ref+":refs/heads/ps-v"+v)
		if got := strings.TrimSpace(mustGit(t, home, wt, "rev-parse", "ps-v"+v)); got != s.Change(1000).Revision {
			t.Errorf("protocol v%s fetched %s, want %s", v, got, s.Change(1000).Revision)
		}
	}
	trace := filepath.Join(t.TempDir(), "trace")
	mustGit(t, home, wt, "-c", "protocol.version=2", "fetch", "--quiet", "origin")
	cmd := exec.Command("git", "ls-remote", "origin", "refs/heads/"+branch)
	cmd.Dir, cmd.Env = wt, append(os.Environ(), "GIT_TRACE_PACKET="+trace, "GIT_CONFIG_PARAMETERS='protocol.version=2'", "HOME="+home)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), tip) {
		t.Errorf("ls-remote over v2: %v %s", err, out)
	}
	if b, _ := os.ReadFile(trace); !strings.Contains(string(b), "version 2") || !strings.Contains(string(b), "command=ls-refs") {
		t.Errorf("git did not speak protocol v2:\n%.2000s", b)
	}

	// Gerrit's refusals.
	mustGit(t, home, wt, "commit", "--quiet", "--allow-empty", "-m", "No Change-Id here")
	out, err = gitAs(home, wt, "push", "origin", "HEAD:refs/for/"+branch)
	short := strings.TrimSpace(mustGit(t, home, wt, "rev-parse", "--short=7", "HEAD"))
	if err == nil || !strings.Contains(out, "remote: ERROR: commit "+short+": missing Change-Id in message footer") ||
		!strings.Contains(out, "[remote rejected] HEAD -> refs/for/"+branch+" (commit "+short+": missing Change-Id in message footer)") {
		t.Errorf("push without Change-Id: %v\n%s", err, out)
	}
	out, err = gitAs(home, wt, "push", "origin", "HEAD~1:refs/heads/hotfix")
	if err == nil || !strings.Contains(out, "(prohibited by Gerrit: not permitted: create)") {
		t.Errorf("direct push: %v\n%s", err, out)
	}
	withPW := strings.Replace(repo, "://", "://deployer:wrong@", 1)
	out, err = gitAs(t.TempDir(), wt, "push", withPW, "HEAD~1:refs/for/"+branch)
	if err == nil || !strings.Contains(out, "Authentication failed for '"+repo+"/'") {
		t.Errorf("wrong password: %v\n%s", err, out)
	}
	if _, err = gitAs(netrcHome(t, s, "deployer", "wrong"), wt, "push", "origin", "HEAD~1:refs/for/"+branch); err == nil {
		t.Error("push with a wrong password in ~/.netrc worked")
	}
	out, err = gitAs(t.TempDir(), wt, "push", "origin", "HEAD~1:refs/for/"+branch)
	if err == nil || !strings.Contains(out, "could not read Username") {
		t.Errorf("no .netrc: %v\n%s", err, out)
	}
	if _, err := gitAs(home, filepath.Dir(wt), "ls-remote", s.URL()+"a/mediawiki/core"); err != nil {
		t.Errorf("ls-remote under a/ with the netrc: %v", err)
	}
	if out, err := gitAs(t.TempDir(), filepath.Dir(wt), "ls-remote", s.URL()+"a/mediawiki/core"); err == nil {
		t.Errorf("ls-remote under a/ without credentials worked:\n%s", out)
	}
	// What go-git stored is a sound repository for the git CLI.
	mustGit(t, home, filepath.Dir(wt), "--git-dir="+s.RepoPath("mediawiki/core"), "fsck", "--no-dangling", "--no-progress")
	if out, err := gitAs(home, filepath.Dir(wt), "ls-remote", s.URL()+"no/such/project"); err == nil || !strings.Contains(out, "not found") {
		t.Errorf("unknown project: %v\n%s", err, out)
	}
}
