package sandbox

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
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

// tipOf is a bare repository's branch tip.
func tipOf(bare, branch string) (string, error) {
	out, err := runGit(gitEnv(bare), bare, "", "rev-parse", "--verify", "refs/heads/"+branch)
	return strings.TrimSpace(out), err
}

// deployGitconfig is the deployer's ~/.gitconfig on the deployment host.
func deployGitconfig(name, email string) string {
	return "[user]\n\tname = " + name + "\n\temail = " + email + "\n" +
		"[status]\n\t# as the deployers' guide recommends: show submodule changes in git status\n\tsubmoduleSummary = true\n" +
		"[protocol \"file\"]\n\t# .gitmodules names the emulator's bare repositories on disk (origins are its HTTP URLs); let a submodule sync fetch from them\n\tallow = always\n" +
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
// wmf branch, submodules initialised, one local security patch) inside it,
// all cloned from Gerrit over HTTP (gerrit is the REST base, e.g.
// http://127.0.0.1:PORT/r/), so every origin is Gerrit's URL as in
// production. The two clones run side by side; php-<version> is moved in
// at the end (its submodules' git directories are relative, so the move is
// safe). subs maps submodule paths to projects.
func buildStaging(staging, home, gerrit, version, user, email string, subs map[string]string) error {
	env := gitEnv(home)
	configDone := make(chan error, 1)
	go func() {
		_, err := runGit(env, filepath.Dir(staging), "", "clone", "-q", "--branch", "master", gerrit+ProjectConfig, staging)
		configDone <- err
	}()
	tmp := filepath.Join(filepath.Dir(staging), ".php-"+version+".clone")
	err := clonePHP(tmp, home, gerrit, version, user, email, subs)
	if cerr := <-configDone; cerr != nil {
		return cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(staging, "php-"+version))
}

// clonePHP clones core's wmf branch into dir, its submodules from Gerrit's
// URLs (.gitmodules keeps the seeded paths; submodule.NAME.url is Gerrit's),
// and commits the local security patch.
func clonePHP(dir, home, gerrit, version, user, email string, subs map[string]string) error {
	env := gitEnv(home)
	if _, err := runGit(env, filepath.Dir(dir), "", "clone", "-q", "--branch", "wmf/"+version, gerrit+ProjectCore, dir); err != nil {
		return err
	}
	if _, err := runGit(env, dir, "", "submodule", "--quiet", "init"); err != nil {
		return err
	}
	for path, project := range subs {
		if _, err := runGit(env, dir, "", "config", "submodule."+path+".url", gerrit+project); err != nil {
			return err
		}
	}
	if _, err := runGit(env, dir, "", "submodule", "--quiet", "update"); err != nil {
		return err
	}
	p := filepath.Join(dir, securityPatch.path)
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
	if _, err := runGit(cenv, dir, "", "commit", "-q", "-m", securityPatch.message, "--", securityPatch.path); err != nil {
		return err
	}
	return nil
}

// writeNetrc gives the deployer a ~/.netrc (0600) on the deploy host with
// the Gerrit HTTP password, which git sends when Gerrit asks (pushes for
// review; fetches are anonymous), as production's deployers have.
func (sb *Sandbox) writeNetrc() error {
	pw, err := os.ReadFile(sb.passwordFile())
	if err != nil {
		return err
	}
	u, err := url.Parse(sb.Gerrit.URL())
	if err != nil {
		return err
	}
	netrc := fmt.Sprintf("machine %s login %s password %s\n", u.Hostname(), sb.User, strings.TrimSpace(string(pw)))
	return os.WriteFile(filepath.Join(sb.hostHome(DeployHost), ".netrc"), []byte(netrc), 0o600)
}
