// Package testgit builds small real git repositories for the TUI's tests,
// with the git CLI, and returns what `git log -p` prints for them.
package testgit

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Repo is a git repository in a test's temporary directory.
type Repo struct {
	T   testing.TB
	Dir string
}

// New initialises a repository with a fixed identity and clock.
func New(t testing.TB) *Repo {
	t.Helper()
	r := &Repo{T: t, Dir: t.TempDir()}
	r.Git("init", "-q", "-b", "main")
	r.Git("config", "user.name", "Test Deployer")
	r.Git("config", "user.email", "deployer@example.org")
	r.Git("config", "commit.gpgsign", "false")
	return r
}

// Git runs git in the repository and returns its output; it fails the test on error.
func (r *Repo) Git(args ...string) string {
	r.T.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.Dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_DATE=2026-03-02T10:00:00Z", "GIT_COMMITTER_DATE=2026-03-02T10:00:00Z",
		"GIT_CONFIG_NOSYSTEM=1", "HOME="+r.Dir, "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.T.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Write writes files (path → content) into the work tree.
func (r *Repo) Write(files map[string]string) {
	r.T.Helper()
	for p, c := range files {
		full := filepath.Join(r.Dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			r.T.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			r.T.Fatal(err)
		}
	}
}

// Commit writes files and commits them all with the message.
func (r *Repo) Commit(msg string, files map[string]string) string {
	r.T.Helper()
	r.Write(files)
	r.Git("add", "-A")
	r.Git("commit", "-q", "-m", msg)
	return strings.TrimSpace(r.Git("rev-parse", "HEAD"))
}

// LogPatch returns `git log -p` of the range, as the deployer reviews it.
func (r *Repo) LogPatch(rng string) []byte {
	r.T.Helper()
	return []byte(r.Git("-c", "color.ui=never", "log", "-p", rng))
}

// SavePatch writes `git log -p` of the range to a file and returns its path.
func (r *Repo) SavePatch(rng string) string {
	r.T.Helper()
	p := filepath.Join(r.T.TempDir(), "incoming.patch")
	if err := os.WriteFile(p, r.LogPatch(rng), 0o600); err != nil {
		r.T.Fatal(err)
	}
	return p
}
