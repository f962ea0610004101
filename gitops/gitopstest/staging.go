// Package gitopstest builds real git repositories shaped like a deployment
// host's /srv/mediawiki-staging, with bare "origin" repositories standing in
// for Gerrit's, for tests of gitops and the backport runbooks. Everything is
// done with the git CLI in a test's temporary directory.
package gitopstest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// Version is the wmf branch version the fixture deploys.
const Version = "1.44.0-wmf.5"

// Project names as Gerrit has them.
const (
	ConfigProject = "operations/mediawiki-config"
	CoreProject   = "mediawiki/core"
	EchoProject   = "mediawiki/extensions/Echo"
)

// Staging is a staging directory with its origins.
type Staging struct {
	T         testing.TB
	Root      string // the test's directory for all of this
	Origins   string // bare repositories at Origins/<project>.git
	Dir       string // the staging directory: a clone of operations/mediawiki-config
	Version   string
	CoreDir   string // Dir/php-<Version>: a clone of mediawiki/core on wmf/<Version>
	Branch    string // wmf/<Version>
	scratch   string
	gitconfig string // the GIT_CONFIG_GLOBAL of Env
	tick      int
}

// NewIsolated builds the staging layout: origins for mediawiki-config
// (master), mediawiki/core and mediawiki/extensions/Echo (wmf/<Version>, Echo
// a submodule of core at extensions/Echo), the staging clone and
// php-<Version> with its submodule initialised. It leaves the test process's
// environment alone, so that it may run in a parallel test: its git settings
// (identity, protocol.file.allow=always for local submodule URLs) are in Env,
// which the commands under test and the git the test runs itself (Git) need.
func NewIsolated(t testing.TB) *Staging {
	t.Helper()
	unsetGitLocations.Do(func() {
		for _, k := range gitLocations {
			os.Unsetenv(k)
		}
	})
	s := newStaging(t)
	s.build()
	return s
}

// gitLocations are the variables that would point git elsewhere than the
// directory it runs in; a fixture's git never sees them.
var gitLocations = []string{"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"}

// unsetGitLocations unsets gitLocations in the process once: parallel
// tests cannot t.Setenv, and no test needs them set.
var unsetGitLocations sync.Once

// Env is the environment ("K=V") git needs for the fixture's repositories:
// its global config file (identity, protocol.file.allow=always) and no
// system config.
func (s *Staging) Env() []string {
	return []string{"GIT_CONFIG_GLOBAL=" + s.gitconfig, "GIT_CONFIG_NOSYSTEM=1"}
}

// newStaging makes the fixture's directory and its git config file.
func newStaging(t testing.TB) *Staging {
	t.Helper()
	root := t.TempDir()
	s := &Staging{T: t, Root: root, Origins: filepath.Join(root, "origin"), Dir: filepath.Join(root, "srv", "mediawiki-staging"),
		Version: Version, Branch: "wmf/" + Version, scratch: filepath.Join(root, "scratch"), gitconfig: filepath.Join(root, "gitconfig")}
	s.CoreDir = filepath.Join(s.Dir, "php-"+Version)
	if err := os.WriteFile(s.gitconfig, []byte("[user]\n\tname = Deployer\n\temail = deployer@example.org\n"+
		"[protocol \"file\"]\n\tallow = always\n[init]\n\tdefaultBranch = master\n[advice]\n\tdetachedHead = false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

// build seeds the origins and clones the staging directory.
func (s *Staging) build() {
	s.seed(ConfigProject, "master", "Initial config", map[string]string{
		".gitignore":                         "/php-*\n",
		"wikiversions.json":                  fmt.Sprintf("{\n    \"enwiki\": \"php-%s\",\n    \"testwiki\": \"php-%s\"\n}\n", Version, Version),
		"wmf-config/InitialiseSettings.php":  "<?php\nreturn [\n\t'wgCategoryCollation' => [\n\t\t'default' => 'uppercase',\n\t],\n];\n",
		"wmf-config/CommonSettings.php":      "<?php\n// common settings\n",
		"static/images/project-logos/en.png": "PNG-ish\n",
		"dblists/all.dblist":                 "enwiki\ntestwiki\n",
	})
	echoSHA := s.seed(EchoProject, s.Branch, "Echo at "+Version, map[string]string{
		"extension.json":     "{\n\t\"name\": \"Echo\"\n}\n",
		"includes/Hooks.php": "<?php\nclass Hooks {\n}\n",
		"i18n/en.json":       "{\n\t\"echo-desc\": \"Notifications\"\n}\n",
	})
	s.seed(CoreProject, s.Branch, "Branch "+Version, map[string]string{
		"includes/Setup.php":       "<?php\n// setup\n",
		"includes/cache/Cache.php": "<?php\nclass Cache {\n\tconst TTL = 60;\n}\n",
		"includes/Title.php":       "<?php\nclass Title {\n}\n",
		"languages/i18n/en.json":   "{\n\t\"mainpage\": \"Main Page\"\n}\n",
		"maintenance/tables.json":  "[]\n",
		".gitmodules":              fmt.Sprintf("[submodule \"extensions/Echo\"]\n\tpath = extensions/Echo\n\turl = %s\n\tbranch = %s\n", s.Bare(EchoProject), s.Branch),
	}, gitlink{"extensions/Echo", echoSHA})

	s.git("", "clone", "-q", "-b", "master", s.Bare(ConfigProject), s.Dir)
	s.git("", "clone", "-q", "-b", s.Branch, s.Bare(CoreProject), s.CoreDir)
	s.git(s.CoreDir, "submodule", "update", "--init", "-q")
}

type gitlink struct{ path, sha string }

// Bare is the path of a project's origin repository.
func (s *Staging) Bare(project string) string {
	return filepath.Join(s.Origins, project+".git")
}

// seed creates the bare origin of a project with one commit on branch.
func (s *Staging) seed(project, branch, subject string, files map[string]string, links ...gitlink) string {
	bare := s.Bare(project)
	s.git("", "init", "-q", "--bare", bare)
	work := s.work(project)
	s.git("", "init", "-q", work)
	s.git(work, "checkout", "-q", "-b", branch)
	s.git(work, "remote", "add", "origin", bare)
	s.write(work, files)
	s.git(work, "add", "-A")
	for _, l := range links {
		s.git(work, "update-index", "--add", "--cacheinfo", "160000,"+l.sha+","+l.path)
	}
	s.commit(work, subject)
	s.git(work, "push", "-q", "origin", "HEAD:refs/heads/"+branch)
	return s.git(work, "rev-parse", "HEAD")
}

func (s *Staging) work(project string) string {
	return filepath.Join(s.scratch, project)
}

func (s *Staging) write(dir string, files map[string]string) []string {
	keys := make([]string, 0, len(files))
	for k := range files {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, p := range keys {
		full := filepath.Join(dir, p)
		if files[p] == Delete {
			if err := os.Remove(full); err != nil {
				s.T.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			s.T.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(files[p]), 0o644); err != nil {
			s.T.Fatal(err)
		}
	}
	return keys
}

// add stages exactly the given paths (never a gitlink whose directory the
// scratch clone does not have).
func (s *Staging) add(dir string, paths []string) {
	if len(paths) == 0 {
		return
	}
	s.git(dir, append([]string{"add", "-A", "--"}, paths...)...)
}

// Delete as a file's content deletes the file.
const Delete = "\x00delete\x00"

func (s *Staging) commit(dir, msg string) {
	s.tick++
	date := fmt.Sprintf("2026-11-20T10:%02d:%02dZ", s.tick/60%60, s.tick%60)
	s.gitEnv(dir, []string{"GIT_AUTHOR_DATE=" + date, "GIT_COMMITTER_DATE=" + date}, "commit", "-q", "--allow-empty", "-m", msg)
}

// Git runs git in dir (the root when ""), failing the test on error, and
// returns its trimmed output.
func (s *Staging) Git(dir string, args ...string) string {
	s.T.Helper()
	return s.git(dir, args...)
}

func (s *Staging) git(dir string, args ...string) string {
	s.T.Helper()
	return s.gitEnv(dir, nil, args...)
}

func (s *Staging) gitEnv(dir string, env []string, args ...string) string {
	s.T.Helper()
	cmd := exec.Command("git", args...)
	if dir == "" {
		dir = s.Root
	}
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), s.Env()...), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.T.Fatalf("git %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return strings.TrimSpace(string(out))
}

// Message builds a commit message with a Change-Id footer (and Bug footers).
func Message(subject, changeID string, bugs ...string) string {
	var b strings.Builder
	b.WriteString(subject + "\n\n")
	for _, bug := range bugs {
		b.WriteString("Bug: " + bug + "\n")
	}
	if changeID != "" {
		b.WriteString("Change-Id: " + changeID + "\n")
	}
	return b.String()
}

// ChangeID makes a deterministic Change-Id from a seed: I + 40 hex digits.
func ChangeID(seed int) string {
	return fmt.Sprintf("I%040x", seed)
}

// Land lands a commit with message msg on a project's branch at its origin, as
// Gerrit does when a change merges (fast-forward), and returns its SHA-1.
func (s *Staging) Land(project, branch, msg string, files map[string]string) string {
	s.T.Helper()
	work := s.sync(project, branch)
	s.add(work, s.write(work, files))
	s.commit(work, msg)
	s.git(work, "push", "-q", "origin", "HEAD:refs/heads/"+branch)
	return s.git(work, "rev-parse", "HEAD")
}

// LandMerge lands a change the way Gerrit's merge-if-necessary does when the
// branch moved: the change's commit on the old tip, then a merge commit
// "Merge "subject" into BRANCH" (no Change-Id). It first lands base (another
// commit, no Change-Id) so a merge is needed. It returns the change commit's
// and the merge's SHA-1s.
func (s *Staging) LandMerge(project, branch, msg string, files map[string]string, baseFiles map[string]string) (change, merge string) {
	s.T.Helper()
	work := s.sync(project, branch)
	tip := s.git(work, "rev-parse", "HEAD")
	s.add(work, s.write(work, baseFiles))
	s.commit(work, "Unrelated commit landing first")
	s.git(work, "checkout", "-q", "-b", "side", tip)
	s.add(work, s.write(work, files))
	s.commit(work, msg)
	change = s.git(work, "rev-parse", "HEAD")
	s.git(work, "checkout", "-q", branch)
	subject, _, _ := strings.Cut(msg, "\n")
	s.tick++
	s.git(work, "merge", "-q", "--no-ff", "-m", fmt.Sprintf("Merge %q into %s", subject, branch), "side")
	s.git(work, "branch", "-q", "-D", "side")
	merge = s.git(work, "rev-parse", "HEAD")
	s.git(work, "push", "-q", "origin", "HEAD:refs/heads/"+branch)
	return change, merge
}

// LandExtension lands a change on Echo's wmf branch and, like Gerrit's
// superproject subscription, core's "Update git submodules" commit that moves
// the gitlink and repeats the change's Change-Id, indented. It returns the
// extension commit and core's bump commit.
func (s *Staging) LandExtension(subject, changeID string, files map[string]string) (ext, bump string) {
	s.T.Helper()
	ext = s.Land(EchoProject, s.Branch, Message(subject, changeID), files)
	bump = s.BumpSubmodule("extensions/Echo", ext, subject, changeID)
	return ext, bump
}

// BumpSubmodule makes core's submodule-update commit for path → sha.
func (s *Staging) BumpSubmodule(path, sha, subject, changeID string) string {
	s.T.Helper()
	work := s.sync(CoreProject, s.Branch)
	s.git(work, "update-index", "--add", "--cacheinfo", "160000,"+sha+","+path)
	msg := fmt.Sprintf("Update git submodules\n\n* Update %s from branch '%s'\n  to %s\n  - %s\n\n    Change-Id: %s\n",
		path, s.Branch, sha, subject, changeID)
	s.commit(work, msg)
	s.git(work, "push", "-q", "origin", "HEAD:refs/heads/"+s.Branch)
	return s.git(work, "rev-parse", "HEAD")
}

// sync brings the scratch clone of a project to its origin's branch tip.
func (s *Staging) sync(project, branch string) string {
	work := s.work(project)
	s.git(work, "fetch", "-q", "origin")
	s.git(work, "checkout", "-q", "-B", branch, "origin/"+branch)
	s.git(work, "reset", "-q", "--hard", "origin/"+branch)
	return work
}

// LocalCommit commits files in a checkout on the deployment host, the way a
// security patch is applied there (git am), and returns the commit.
func (s *Staging) LocalCommit(dir, subject string, files map[string]string) string {
	s.T.Helper()
	s.add(dir, s.write(dir, files))
	s.commit(dir, subject)
	return s.git(dir, "rev-parse", "HEAD")
}

// WriteFile writes (or with Delete removes) files in a checkout without committing.
func (s *Staging) WriteFile(dir string, files map[string]string) {
	s.T.Helper()
	s.write(dir, files)
}

// EchoDir is the extension's checkout inside php-<Version>.
func (s *Staging) EchoDir() string { return filepath.Join(s.CoreDir, "extensions", "Echo") }
