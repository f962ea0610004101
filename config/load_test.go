package config

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"porthole/remote"
)

func TestDefaultConfigIsValidProduction(t *testing.T) {
	c := DefaultConfig()
	if err := ValidateConfig(c); err != nil {
		t.Fatal(err)
	}
	if c.StagingDir != "/srv/mediawiki-staging" || c.ConfigBranch != "master" || c.Commands.SyncTestServers != "scap pull" ||
		c.Commands.SyncFile != "scap sync-file {path} {message}" || c.Commands.Mwscript != "mwscript" ||
		c.Gerrit.CIAccount != "jenkins-bot" || c.Concurrency != 32 || c.Gerrit.PollInterval != 5*time.Second {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestLoadConfigReadsYAMLOverDefaults(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("s3cret-pass\n"), 0o600)
	path := filepath.Join(dir, "config.yaml")
	os.WriteFile(path, []byte(`
gerrit:
  url: https://gerrit.example/r/
  user: alice
  password_file: `+pw+`
  poll_interval: 2s
  merge_timeout: 45m
hosts:
  deploy: [deploy1002.eqiad.wmnet]
  mwdebug: [mwdebug1001, mwdebug1002]
concurrency: 8
`), 0o600)
	c, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Gerrit.URL != "https://gerrit.example/r/" || c.Gerrit.PollInterval != 2*time.Second || c.Gerrit.MergeTimeout != 45*time.Minute ||
		len(c.Hosts[RoleTestServers]) != 2 || c.Concurrency != 8 {
		t.Fatalf("loaded %+v", c)
	}
	if c.StagingDir != "/srv/mediawiki-staging" || c.Commands.SyncFile != "scap sync-file {path} {message}" || c.Gerrit.CIAccount != "jenkins-bot" {
		t.Fatalf("defaults lost: %+v", c)
	}
}

func TestLoadConfigPaths(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv(ConfigEnv, "")
	os.Unsetenv(ConfigEnv)
	// no file at the default path: the defaults
	c, err := LoadConfig("")
	if err != nil || c.Concurrency != 32 {
		t.Fatalf("missing default config: %v", err)
	}
	if DefaultConfigPath() != filepath.Join(dir, "porthole", "config.yaml") {
		t.Fatalf("default path %s", DefaultConfigPath())
	}
	os.MkdirAll(filepath.Join(dir, "porthole"), 0o700)
	os.WriteFile(filepath.Join(dir, "porthole", "config.yaml"), []byte("concurrency: 4\n"), 0o600)
	if c, err := LoadConfig(""); err != nil || c.Concurrency != 4 {
		t.Fatalf("default path not read: %v", err)
	}
	// PORTHOLE_CONFIG wins, and must exist
	other := filepath.Join(dir, "other.yaml")
	os.WriteFile(other, []byte("concurrency: 5\n"), 0o600)
	t.Setenv(ConfigEnv, other)
	if c, err := LoadConfig(""); err != nil || c.Concurrency != 5 {
		t.Fatalf("PORTHOLE_CONFIG not read: %v", err)
	}
	t.Setenv(ConfigEnv, filepath.Join(dir, "missing.yaml"))
	if _, err := LoadConfig(""); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing PORTHOLE_CONFIG gave %v", err)
	}
	if _, err := LoadConfig(filepath.Join(dir, "nope.yaml")); err == nil {
		t.Fatal("a missing named config is not an error")
	}
}

func TestConfigErrorsAreClear(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"concurency: 3\n", "line 1: unknown key concurency"},
		{"concurrency: lots\n", "cannot unmarshal"},
		{"concurrency: 0\n", "concurrency 0 is out of range"},
		{"gerrit:\n  url: gerrit.example\n", "is not an http(s) URL"},
		{"gerrit:\n  url: https://u:p@gerrit.example/\n", "must not hold credentials"},
		{"gerrit:\n  user: a\n  password_file: /nonexistent/pw\n", "cannot be read"},
		{"gerrit:\n  poll_interval: 1ms\n", "too short"},
		{"staging_dir: srv/staging\n", "absolute path"},
		{"hosts:\n  deploy: ['deploy1; rm -rf /']\n", "is not a host alias"},
		{"hosts:\n  deploy: [-oProxyCommand=x]\n", "is not a host alias"},
		{"hosts:\n  local: [x]\n", "has no hosts to configure"},
		{"hosts:\n  mwdebug: [a, a]\n", "twice"},
		{"commands:\n  sync_file: scap sync-file {file} {message}\n", "unknown placeholder {file}"},
		{"commands:\n  mwscript: ''\n", "commands.mwscript is empty"},
		{"commands:\n  sync_file: scap sync-file {path} \"{message}\"\n", "line 2: commands.sync_file: {message} is inside quotes at column 24"},
		{"commands:\n  sync_testservers: \"scap pull 'x {path}'\"\n", "line 2: commands.sync_testservers: {path} is inside quotes"},
	} {
		_, err := ParseConfig([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to mention %q", tc.yaml, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error is not one line: %q", tc.yaml, err)
		}
	}
}

func TestStateDir(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_STATE_HOME", dir)
	if got := StateDir(DefaultConfig()); got != filepath.Join(dir, "porthole") {
		t.Fatalf("StateDir = %s", got)
	}
	c := DefaultConfig()
	c.StateDir = "/var/tmp/ph"
	if StateDir(c) != "/var/tmp/ph" {
		t.Fatal("config state_dir ignored")
	}
}

func TestExpandCommandQuotesEveryValue(t *testing.T) {
	got := ExpandCommand("scap sync-file {path} {message} ${HOME} {unknown}", map[string]string{
		"path": "wmf-config/InitialiseSettings.php", "message": "Backport: [[gerrit:1|it's {path} $(rm -rf /)]]"})
	want := `scap sync-file wmf-config/InitialiseSettings.php 'Backport: [[gerrit:1|it'\''s {path} $(rm -rf /)]]' ${HOME} {unknown}`
	if got != want {
		t.Fatalf("ExpandCommand =\n%s\nwant\n%s", got, want)
	}
}

// TestExpandCommandCannotBeEscaped runs the expansion through a real shell:
// whatever a value holds, printf gets it back as exactly one argument.
func TestExpandCommandCannotBeEscaped(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("aZ09 \t\n'\"`$\\;&|<>(){}[]*?!#~=%,.-_/^é€\x01\x7f")
	values := []string{"", "'", "''", `\'`, "$(touch pwned)", "`touch pwned`", "a'b\"c", "-n", "--", "*", "{path}", "\n", " x ", "'; touch pwned; '"}
	for i := 0; i < 300; i++ {
		n := rng.IntN(12)
		var b strings.Builder
		for k := 0; k < n; k++ {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		values = append(values, b.String())
	}
	dir := t.TempDir()
	var script strings.Builder
	for _, v := range values {
		script.WriteString(ExpandCommand("printf '%s\\0' {v} {v}", map[string]string{"v": v}) + "\n")
	}
	res, err := (&remote.Local{}).Run(context.Background(), remote.Command{Cmd: script.String(), Dir: dir, Keep: true})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("script failed: %v, exit %d: %s", err, res.ExitCode, res.Stderr)
	}
	got := strings.Split(strings.TrimSuffix(string(res.Stdout), "\x00"), "\x00")
	if len(got) != 2*len(values) {
		t.Fatalf("%d arguments came back for %d values: a value split or merged words", len(got), 2*len(values))
	}
	for i, v := range values {
		if got[2*i] != v || got[2*i+1] != v {
			t.Errorf("value %q came back as %q, %q", v, got[2*i], got[2*i+1])
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Fatal("a value ran a command")
	}
}

func FuzzExpandCommandQuoting(f *testing.F) {
	for _, s := range []string{"", "'", "$(id)", "a b", "{x}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if strings.ContainsRune(v, 0) {
			t.Skip("NUL cannot be in an argument")
		}
		cmd := ExpandCommand("printf %s {v}", map[string]string{"v": v})
		res, err := (&remote.Local{}).Run(context.Background(), remote.Command{Cmd: cmd, Keep: true})
		if err != nil || res.ExitCode != 0 || string(res.Stdout) != v {
			t.Fatalf("%q: got %q (exit %d, %v)", v, res.Stdout, res.ExitCode, err)
		}
	})
}
