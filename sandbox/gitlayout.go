package sandbox

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// gitEnv is a clean environment for the git CLI, as on the host whose HOME
// it names: the sandbox never lets the caller's GIT_* variables or global
// config leak into its repositories.
func gitEnv(home string, extra ...string) []string {
	env := []string{
		"HOME=" + home,
		"PATH=/usr/bin:/bin",
		"LANG=C",
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_TERMINAL_PROMPT=0",
	}
	return append(env, extra...)
}

// runGit runs git in dir with env and returns its stdout.
func runGit(env []string, dir, stdin string, args ...string) (string, error) {
	c := exec.Command("git", args...)
	c.Dir = dir
	c.Env = env
	if stdin != "" {
		c.Stdin = strings.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		return out.String(), fmt.Errorf("git %s (in %s): %v: %s", strings.Join(args, " "), dir, err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// identity is a fixed author or committer, so the sandbox's history reads
// the same every time.
func identity(role, name, email, date string) []string {
	return []string{
		"GIT_" + role + "_NAME=" + name,
		"GIT_" + role + "_EMAIL=" + email,
		"GIT_" + role + "_DATE=" + date,
	}
}

// branchCut writes, on a bare repository's branch, the commit the train's
// branch cut makes: .gitmodules and the submodules' gitlinks. links maps a
// path to the commit the gitlink records.
func branchCut(bare, branch, message, modules string, links map[string]string) (string, error) {
	idx := filepath.Join(bare, "sandbox-branch-cut.index")
	defer os.Remove(idx)
	env := gitEnv(bare, append(append([]string{"GIT_INDEX_FILE=" + idx},
		identity("AUTHOR", "Release Engineering", "releng@example.org", "2024-06-03T10:00:00Z")...),
		identity("COMMITTER", "Release Engineering", "releng@example.org", "2024-06-03T10:00:00Z")...)...)
	ref := "refs/heads/" + branch
	tipOut, err := runGit(env, bare, "", "rev-parse", "--verify", ref)
	if err != nil {
		return "", err
	}
	tip := strings.TrimSpace(tipOut)
	if _, err := runGit(env, bare, "", "read-tree", tip); err != nil {
		return "", err
	}
	blob, err := runGit(env, bare, modules, "hash-object", "-w", "--stdin")
	if err != nil {
		return "", err
	}
	info := fmt.Sprintf("100644 %s\t.gitmodules\n", strings.TrimSpace(blob))
	paths := make([]string, 0, len(links))
	for p := range links {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		info += fmt.Sprintf("160000 %s\t%s\n", links[p], p)
	}
	if _, err := runGit(env, bare, info, "update-index", "--add", "--index-info"); err != nil {
		return "", err
	}
	tree, err := runGit(env, bare, "", "write-tree")
	if err != nil {
		return "", err
	}
	sha, err := runGit(env, bare, message, "commit-tree", strings.TrimSpace(tree), "-p", tip)
	if err != nil {
		return "", err
	}
	sha = strings.TrimSpace(sha)
	if _, err := runGit(env, bare, "", "update-ref", ref, sha, tip); err != nil {
		return "", err
	}
	return sha, nil
}

// tipOf is a bare repository's branch tip.
func tipOf(bare, branch string) (string, error) {
	out, err := runGit(gitEnv(bare), bare, "", "rev-parse", "--verify", "refs/heads/"+branch)
	return strings.TrimSpace(out), err
}

// deployGitconfig is the deployer's ~/.gitconfig on the deployment host.
func deployGitconfig(name, email string) string {
	return "[user]\n\tname = " + name + "\n\temail = " + email + "\n" +
		"[status]\n\t# as the deployers' guide recommends: show submodule changes in git status\n\tsubmoduleSummary = true\n" +
		"[protocol \"file\"]\n\t# the sandbox's origins are bare repositories on disk; let submodules fetch from them\n\tallow = always\n" +
		"[advice]\n\tdetachedHead = false\n" +
		"[init]\n\tdefaultBranch = master\n"
}

// securityPatch is the local commit production's php-<version> carries:
// applied with git am, never pushed to Gerrit.
var securityPatch = struct {
	path, old, new, message string
}{
	path:    "includes/session/SessionManager.php",
	old:     "preg_match( '/^[a-zA-Z0-9_-]{32,}$/', $id )",
	new:     "strlen( $id ) <= 256 && preg_match( '/^[a-zA-Z0-9_-]{32,}$/', $id )",
	message: "SECURITY: Bound the length of session IDs before matching them\n\nBug: T393001\n",
}

// buildStaging lays out the deployment host's /srv/mediawiki-staging: a
// clone of operations/mediawiki-config with php-<version> (a clone of core's
// wmf branch, submodules initialised, one local security patch) inside it.
func buildStaging(staging, home, configBare, coreBare, version, user, email string) error {
	env := gitEnv(home)
	if _, err := runGit(env, filepath.Dir(staging), "", "clone", "-q", "--branch", "master", configBare, staging); err != nil {
		return err
	}
	php := filepath.Join(staging, "php-"+version)
	if _, err := runGit(env, staging, "", "clone", "-q", "--branch", "wmf/"+version, coreBare, php); err != nil {
		return err
	}
	if _, err := runGit(env, php, "", "submodule", "update", "--init", "-q"); err != nil {
		return err
	}
	p := filepath.Join(php, securityPatch.path)
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	if !bytes.Contains(data, []byte(securityPatch.old)) {
		return fmt.Errorf("sandbox: security patch does not apply to %s", securityPatch.path)
	}
	if err := os.WriteFile(p, bytes.Replace(data, []byte(securityPatch.old), []byte(securityPatch.new), 1), 0o644); err != nil {
		return err
	}
	cenv := append(gitEnv(home, identity("AUTHOR", "Security Team", "security@example.org", "2024-06-03T11:30:00Z")...),
		identity("COMMITTER", user, email, "2024-06-03T11:30:00Z")...)
	if _, err := runGit(cenv, php, "", "commit", "-q", "-m", securityPatch.message, "--", securityPatch.path); err != nil {
		return err
	}
	return nil
}
