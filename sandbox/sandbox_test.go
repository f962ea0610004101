package sandbox

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"porthole/config"
	"porthole/internal/testreq"
)

func TestLayout(t *testing.T) {
	sb := shared(t)
	cl := newClients(t, sb)
	staging := sb.StagingDir()
	layoutStaging(t, sb, cl, staging)
	layoutPHP(t, sb, cl, filepath.Join(staging, "php-"+sb.Version))
	layoutAppServers(t, sb)
	layoutStandIns(t, sb)
}

func layoutStaging(t *testing.T, sb *Sandbox, cl *clients, staging string) {
	// Staging is operations/mediawiki-config with php-<version> ignored in it.
	if got := strings.TrimSpace(cl.ok(t, DeployHost, "git -C "+q(staging)+" remote get-url origin")); got != sb.Gerrit.URL()+ProjectConfig {
		t.Errorf("staging origin = %s, want the emulator's %s", got, sb.Gerrit.URL()+ProjectConfig)
	}
	if out := cl.ok(t, DeployHost, "git -C "+q(staging)+" status --porcelain"); out != "" {
		t.Errorf("staging is not clean (php-* must be ignored):\n%s", out)
	}
	if out := cl.ok(t, DeployHost, "git -C "+q(staging)+" check-ignore php-"+sb.Version); strings.TrimSpace(out) != "php-"+sb.Version {
		t.Errorf("php-%s is not ignored by the config repo's .gitignore", sb.Version)
	}
	var versions map[string]string
	if err := json.Unmarshal([]byte(cl.ok(t, DeployHost, "cat "+q(filepath.Join(staging, "wikiversions.json")))), &versions); err != nil {
		t.Fatal(err)
	}
	if len(versions) != len(wikis) {
		t.Errorf("wikiversions.json has %d wikis, want %d", len(versions), len(wikis))
	}
	for w, v := range versions {
		if v != "php-"+sb.Version {
			t.Errorf("wikiversions.json: %s is on %s, want php-%s", w, v, sb.Version)
		}
	}
	for _, f := range []string{"wmf-config/InitialiseSettings.php", "dblists/all.dblist", "static/images/project-logos/newikibooks.png"} {
		if _, err := os.Stat(filepath.Join(staging, f)); err != nil {
			t.Errorf("staging lacks %s: %v", f, err)
		}
	}
	is, _ := os.ReadFile(filepath.Join(staging, "wmf-config/InitialiseSettings.php"))
	for _, want := range []string{"'wgExtraNamespaces' => [", "'wgCategoryCollation' => [", "'cywiki' => 'uppercase'"} {
		if !strings.Contains(string(is), want) {
			t.Errorf("InitialiseSettings.php lacks %q", want)
		}
	}
}

func layoutPHP(t *testing.T, sb *Sandbox, cl *clients, php string) {
	// php-<version>: core's wmf branch, one local security patch, submodules initialised.
	if got := strings.TrimSpace(cl.ok(t, DeployHost, "git -C "+q(php)+" rev-parse --abbrev-ref @{u}")); got != "origin/wmf/"+sb.Version {
		t.Errorf("php-%s tracks %s, want origin/wmf/%s", sb.Version, got, sb.Version)
	}
	if got := cl.ok(t, DeployHost, "git -C "+q(php)+" log --format=%s @{u}..HEAD"); !strings.HasPrefix(got, "SECURITY: ") || len(lines(got)) != 1 {
		t.Errorf("local commits in php-%s = %q, want the one security patch", sb.Version, got)
	}
	status := cl.ok(t, DeployHost, "cd "+q(php)+" && git status")
	if !strings.Contains(status, "Your branch is ahead of 'origin/wmf/"+sb.Version+"' by 1 commit") {
		t.Errorf("git status does not show the security patch:\n%s", status)
	}
	subs := cl.ok(t, DeployHost, "git -C "+q(php)+" submodule status")
	for _, p := range []string{"extensions/Echo", "skins/Vector"} {
		if !strings.Contains(subs, " "+p) {
			t.Errorf("no submodule %s in:\n%s", p, subs)
		}
	}
	for _, l := range lines(subs) {
		if l[0] != ' ' {
			t.Errorf("submodule not initialised or not at the recorded commit: %q", l)
		}
	}
	if got := strings.TrimSpace(cl.ok(t, DeployHost, "git -C "+q(filepath.Join(php, "extensions/Echo"))+" remote get-url origin")); got != sb.Gerrit.URL()+ProjectEcho {
		t.Errorf("Echo's origin = %s, want %s", got, sb.Gerrit.URL()+ProjectEcho)
	}
	if v := cl.ok(t, DeployHost, "git config --global status.submoduleSummary"); strings.TrimSpace(v) != "true" {
		t.Errorf("deploy host: status.submoduleSummary = %q, want true", v)
	}
}

func layoutAppServers(t *testing.T, sb *Sandbox) {
	// Every other host has /srv/mediawiki: the staging tree without .git.
	for _, h := range sb.HostNames[1:] {
		data, err := sb.ReadAppServerFile(h, "php-"+sb.Version+"/includes/session/SessionManager.php")
		if err != nil {
			t.Fatalf("%s: %v", h, err)
		}
		if !strings.Contains(string(data), securityPatch.new) {
			t.Errorf("%s does not run the security patch", h)
		}
		if _, err := os.Stat(filepath.Join(sb.AppServerDir(h), "php-"+sb.Version, ".git")); !os.IsNotExist(err) {
			t.Errorf("%s has a .git in php-%s: %v", h, sb.Version, err)
		}
		if _, err := os.Stat(filepath.Join(sb.AppServerDir(h), "php-"+sb.Version, "extensions/Echo/extension.json")); err != nil {
			t.Errorf("%s lacks Echo: %v", h, err)
		}
	}
	if _, err := sb.ReadAppServerFile(DeployHost, "wikiversions.json"); err == nil {
		t.Error("ReadAppServerFile on the deploy host should fail: it has no /srv/mediawiki")
	}
}

func layoutStandIns(t *testing.T, sb *Sandbox) {
	// Every stand-in in standins/ is installed, executable.
	entries, err := os.ReadDir("standins")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		st, err := os.Stat(filepath.Join(sb.Root, "bin", e.Name()))
		if err != nil || st.Mode()&0o111 == 0 {
			t.Errorf("stand-in %s not installed executable in bin/: %v", e.Name(), err)
		}
	}
}

func TestConfig(t *testing.T) {
	sb := shared(t)
	c := sb.Config
	if !c.Sandbox || c.StagingDir != sb.StagingDir() || c.SSHConfig != sb.SSHConfigPath ||
		!reflect.DeepEqual(c.KnownHosts, []string{sb.KnownHostsPath}) || c.Gerrit.URL != sb.Gerrit.URL() || c.Gerrit.User != sb.User {
		t.Errorf("config does not describe the sandbox: %+v", c)
	}
	if c.Gerrit.SSHHost != GerritHost || c.Gerrit.WebURL != GerritWebBase {
		t.Errorf("gerrit.ssh_host %q, web_url %q: want %q, %q", c.Gerrit.SSHHost, c.Gerrit.WebURL, GerritHost, GerritWebBase)
	}
	wantHosts := map[string][]string{
		config.RoleDeploy:      {"deploy1002"},
		config.RoleTestServers: {"mwdebug1001", "mwdebug1002"},
		config.RoleMaintenance: {"mwmaint1002"},
		config.RoleAppServers:  {"mw1001", "mw1002", "mw1003", "mw1004", "mw1005"},
	}
	if !reflect.DeepEqual(c.Hosts, wantHosts) {
		t.Errorf("hosts = %v, want %v", c.Hosts, wantHosts)
	}
	pw, err := os.ReadFile(c.Gerrit.PasswordFile)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(c.Gerrit.PasswordFile); st.Mode().Perm() != 0o600 {
		t.Errorf("password file mode %v, want 0600", st.Mode().Perm())
	}
	data, err := os.ReadFile(sb.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), strings.TrimSpace(string(pw))) {
		t.Error("the Gerrit password is written in the config file; only its file's path may be")
	}
	var back config.Config
	if err := yaml.Unmarshal(data, &back); err != nil {
		t.Fatalf("config YAML: %v", err)
	}
	again, err := yaml.Marshal(&back)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := yaml.Marshal(c)
	if string(again) != string(want) {
		t.Errorf("the YAML config reads back differently:\n%s\nwant\n%s", again, want)
	}
	for _, name := range []string{"core", "extension", "config", "extra-commit", "schema", "ci-fail", "i18n", "static", "collation", "namespace"} {
		n, ok := sb.Changes[name]
		if !ok {
			t.Errorf("no %q scenario", name)
			continue
		}
		if st := sb.Gerrit.Change(n); st.Status != "NEW" {
			t.Errorf("%s: change %d is %s, want NEW", name, n, st.Status)
		}
	}
	owners := map[string]bool{}
	for _, s := range sb.Scenarios {
		if owners[s.Owner] {
			t.Errorf("two scenarios owned by %s; each should have its own owner", s.Owner)
		}
		owners[s.Owner] = true
		if s.About == "" || s.Subject == "" {
			t.Errorf("scenario %s lacks a subject or description", s.Name)
		}
	}
}

func TestRootDirectory(t *testing.T) {
	t.Parallel() // a sandbox of its own
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), Options{Dir: full})
	if err == nil || !strings.Contains(err.Error(), "is not empty") {
		t.Errorf("Start in a non-empty directory: err = %v, want one saying it is not empty", err)
	}
	if _, err := Start(context.Background(), Options{User: "x; rm -rf /"}); err == nil {
		t.Error("Start accepted a user name that is not a login name")
	}
	if _, err := Start(context.Background(), Options{Version: "1.44'; true"}); err == nil {
		t.Error("Start accepted a version with quotes in it")
	}

	// A temporary root goes away on Close; a given one stays.
	sb, err := Start(context.Background(), Options{AppServers: 1})
	if err != nil {
		t.Fatal(err)
	}
	root := sb.Root
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("temporary root %s still there after Close: %v", root, err)
		os.RemoveAll(root)
	}
	given := filepath.Join(t.TempDir(), "sb")
	sb, err = Start(context.Background(), Options{Dir: given, AppServers: 1})
	if err != nil {
		t.Fatal(err)
	}
	// What a host's command leaves running on its own (a tmux server, a
	// setsid'd job) outlives its session, as on a real host, but not the sandbox.
	testreq.Tmux(t)
	cl := newClients(t, sb)
	out := cl.ok(t, MaintHost, "tmux new-session -d -s maint 'sleep 300' && tmux display-message -p '#{pid}' && { setsid sleep 301 </dev/null >/dev/null 2>&1 & echo $!; }")
	var pids []int
	for _, f := range strings.Fields(out) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("tmux pid and setsid pid: %q", out)
		}
		pids = append(pids, pid)
	}
	if len(pids) != 2 {
		t.Fatalf("tmux pid and setsid pid: %q", out)
	}
	if _, err := os.Stat(filepath.Join(sb.HostDir(MaintHost), "tmp")); err != nil {
		t.Error(err)
	}
	if got := cl.ok(t, MaintHost, "tmux ls -F '#{session_name}'"); got != "maint\n" {
		t.Errorf("tmux ls on the maintenance host: %q", got)
	}
	if _, _, code := cl.run(t, "mw1001", "tmux ls"); code == 0 {
		t.Error("mw1001 sees the maintenance host's tmux server; each host should have its own")
	}
	for _, pid := range pids {
		if !pidAlive(pid) {
			t.Errorf("process %d did not outlive its session", pid)
		}
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(given, "etc", "porthole.yaml")); err != nil {
		t.Errorf("given root emptied by Close: %v", err)
	}
	for _, pid := range pids {
		waitFor(t, "the sandbox's stray processes to be killed", func() bool { return !pidAlive(pid) })
	}
}
