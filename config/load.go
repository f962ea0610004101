package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/adrg/xdg"
	"gopkg.in/yaml.v3"

	"porthole/internal/lazyre"
	"porthole/remote"
)

// ConfigEnv names the environment variable that points at the config file.
const ConfigEnv = "PORTHOLE_CONFIG"

// DefaultConfig is porthole's configuration for Wikimedia production, before
// the deployer's file is read over it. Hosts are left empty: they must be configured.
func DefaultConfig() *Config {
	c := &Config{}
	c.Gerrit.URL = "https://gerrit.wikimedia.org/r/"
	c.Gerrit.CIAccount = "jenkins-bot"
	c.Gerrit.PollInterval = 5 * time.Second
	c.StagingDir = "/srv/mediawiki-staging"
	c.ConfigBranch = "master"
	c.Hosts = map[string][]string{}
	c.Commands.SyncTestServers = "scap pull"
	c.Commands.SyncFile = "scap sync-file {path} {message}"
	c.Commands.SyncWorld = "scap sync-world {message}"
	c.Commands.Mwscript = "mwscript"
	c.SALFormat = "Backport: {links}"
	c.Concurrency = 32
	return c
}

// DefaultConfigPath is where LoadConfig looks when given no path:
// $PORTHOLE_CONFIG, else $XDG_CONFIG_HOME/porthole/config.yaml.
func DefaultConfigPath() string {
	if p := os.Getenv(ConfigEnv); p != "" {
		return expandHome(p)
	}
	return filepath.Join(xdgDir("XDG_CONFIG_HOME", xdg.ConfigHome), "porthole", "config.yaml")
}

// LoadConfig reads the YAML config at path over DefaultConfig and validates it.
// With path "", it reads DefaultConfigPath(); a missing default file is not an
// error (the defaults are returned, with no hosts), a missing named file is.
func LoadConfig(path string) (*Config, error) {
	named := path != "" || os.Getenv(ConfigEnv) != ""
	if path == "" {
		path = DefaultConfigPath()
	}
	path = expandHome(path)
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && !named {
			return DefaultConfig(), nil
		}
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("config %s does not exist: create it, or unset %s to use the defaults", path, ConfigEnv)
		}
		return nil, fmt.Errorf("reading config: %w", err)
	}
	cfg, err := ParseConfig(data)
	var le *LineError
	if errors.As(err, &le) {
		return nil, fmt.Errorf("%s:%d: %w", path, le.Line, le.Err)
	}
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig decodes YAML over DefaultConfig and validates the result.
// Unknown keys are errors, so that a typo does not silently fall back to a default.
func ParseConfig(data []byte) (*Config, error) {
	cfg := DefaultConfig()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlError(err)
	}
	if cfg.Hosts == nil {
		cfg.Hosts = map[string][]string{}
	}
	cfg.Gerrit.PasswordFile = expandHome(cfg.Gerrit.PasswordFile)
	cfg.SSHConfig = expandHome(cfg.SSHConfig)
	for i, k := range cfg.KnownHosts {
		cfg.KnownHosts[i] = expandHome(k)
	}
	cfg.StateDir = expandHome(cfg.StateDir)
	if err := ValidateConfig(cfg); err != nil {
		return nil, withLine(data, err)
	}
	return cfg, nil
}

// fieldNotFoundRE matches yaml.v3's unknown-key message.
var fieldNotFoundRE = lazyre.New(`field (\S+) not found in type \S+`)

// yamlError turns a YAML decoding error into one line that says where and what.
func yamlError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msg = strings.Join(te.Errors, "; ")
	}
	msg = fieldNotFoundRE.ReplaceAllString(msg, "unknown key ${1}")
	msg = strings.Join(strings.Fields(msg), " ")
	return fmt.Errorf("%s (check the key names and value types)", msg)
}

// TemplatePlaceholders lists the {names} each config template may use; a
// runbook that fills in a new name adds it here (in an init) so validation accepts it.
var TemplatePlaceholders = map[string][]string{
	"commands.sync_testservers": {"path"},
	"commands.sync_file":        {"path", "message"},
	"commands.sync_world":       {"message"},
	"commands.mwscript":         {},
	"sal_format":                {"links"},
}

// ValidateConfig checks a Config and returns the first problem as a one-line
// error that names the key and what to write instead.
func ValidateConfig(c *Config) error {
	if err := validateGerrit(c); err != nil {
		return err
	}
	if c.StagingDir == "" || !filepath.IsAbs(c.StagingDir) {
		return fmt.Errorf("staging_dir %q must be an absolute path on the deployment host, e.g. /srv/mediawiki-staging", c.StagingDir)
	}
	if strings.TrimSpace(c.ConfigBranch) == "" || strings.ContainsAny(c.ConfigBranch, " \t\n") {
		return fmt.Errorf("config_branch %q is not a branch name: write e.g. master", c.ConfigBranch)
	}
	if c.Concurrency < 1 || c.Concurrency > 1000 {
		return fmt.Errorf("concurrency %d is out of range: use 1 to 1000 (32 is the default)", c.Concurrency)
	}
	if err := validateHosts(c); err != nil {
		return err
	}
	return validateTemplates(c)
}

// validateGerrit checks the gerrit section: URL, credentials, poll interval, merge timeout.
func validateGerrit(c *Config) error {
	if c.Gerrit.URL != "" {
		u, err := url.Parse(c.Gerrit.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("gerrit.url %q is not an http(s) URL: write e.g. https://gerrit.wikimedia.org/r/", c.Gerrit.URL)
		}
		if u.User != nil {
			return fmt.Errorf("gerrit.url must not hold credentials: set gerrit.user and gerrit.password_file instead")
		}
	}
	if c.Gerrit.PasswordFile != "" {
		if c.Gerrit.User == "" {
			return fmt.Errorf("gerrit.password_file is set but gerrit.user is empty: set the user the HTTP password belongs to")
		}
		if _, err := os.Stat(c.Gerrit.PasswordFile); err != nil {
			return fmt.Errorf("gerrit.password_file %s cannot be read (%v): fix the path or remove the key", c.Gerrit.PasswordFile, errors.Unwrap(err))
		}
	}
	if c.Gerrit.PollInterval < 0 || (c.Gerrit.PollInterval > 0 && c.Gerrit.PollInterval < 100*time.Millisecond) {
		return fmt.Errorf("gerrit.poll_interval %s is too short: use at least 1s (scap polls every 5s)", c.Gerrit.PollInterval)
	}
	if c.Gerrit.MergeTimeout < 0 {
		return fmt.Errorf("gerrit.merge_timeout %s is negative: use 0 for no timeout, or e.g. 45m", c.Gerrit.MergeTimeout)
	}
	return nil
}

// validateHosts checks the host roles and aliases.
func validateHosts(c *Config) error {
	roles := make([]string, 0, len(c.Hosts))
	for r := range c.Hosts {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	for _, role := range roles {
		if role == RoleLocal || role == RoleGerrit {
			return fmt.Errorf("hosts.%s: the %s role has no hosts to configure: remove it", role, role)
		}
		if role == "" {
			return fmt.Errorf("hosts: an empty role name: name the role (deploy, mwdebug, maintenance, appservers)")
		}
		seen := map[string]bool{}
		for _, h := range c.Hosts[role] {
			if h == "" || strings.ContainsAny(h, " \t\n'\"`$;&|<>") || strings.HasPrefix(h, "-") {
				return fmt.Errorf("hosts.%s: %q is not a host alias: use names from your ssh_config, e.g. deployment.eqiad.wmnet", role, h)
			}
			if seen[h] {
				return fmt.Errorf("hosts.%s lists %s twice: remove the duplicate", role, h)
			}
			seen[h] = true
		}
	}
	return nil
}

// validateTemplates checks the command templates and the SAL format.
func validateTemplates(c *Config) error {
	tmpl := map[string]string{
		"commands.sync_testservers": c.Commands.SyncTestServers,
		"commands.sync_file":        c.Commands.SyncFile,
		"commands.sync_world":       c.Commands.SyncWorld,
		"commands.mwscript":         c.Commands.Mwscript,
		"sal_format":                c.SALFormat,
	}
	keys := make([]string, 0, len(tmpl))
	for k := range tmpl {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		v := tmpl[key]
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("%s is empty: remove the key to use the default, or write the command", key)
		}
		if unknown := unknownPlaceholders(v, TemplatePlaceholders[key]); len(unknown) > 0 {
			known := "none"
			if k := TemplatePlaceholders[key]; len(k) > 0 {
				known = "{" + strings.Join(k, "}, {") + "}"
			}
			return fmt.Errorf("%s: unknown placeholder {%s} (known: %s)", key, unknown[0], known)
		}
		if err := checkCommandQuotes(key, v); err != nil {
			return err
		}
	}
	return nil
}

// placeholderRE matches {name} in a command template; a preceding $ (shell ${x}) is captured so it can be left alone.
var placeholderRE = lazyre.New(`(\$?)\{([A-Za-z_][A-Za-z0-9_]*)\}`)

func unknownPlaceholders(tmpl string, known []string) []string {
	var out []string
	for _, m := range placeholderRE.FindAllStringSubmatch(tmpl, -1) {
		if m[1] == "$" {
			continue
		}
		ok := false
		for _, k := range known {
			if m[2] == k {
				ok = true
			}
		}
		if !ok {
			out = append(out, m[2])
		}
	}
	return out
}

// ExpandCommand replaces each {name} in template with remote.Quote(vars[name]),
// in one pass (a value holding "{other}" is not expanded again). Placeholders
// with no value, and shell ${name} expansions, are left as they are.
func ExpandCommand(template string, vars map[string]string) string {
	return placeholderRE.ReplaceAllStringFunc(template, func(m string) string {
		if strings.HasPrefix(m, "$") {
			return m
		}
		v, ok := vars[m[1:len(m)-1]]
		if !ok {
			return m
		}
		return remote.Quote(v)
	})
}

// StateDir is where journals and the log live: cfg.StateDir, else
// $XDG_STATE_HOME/porthole (~/.local/state/porthole).
func StateDir(cfg *Config) string {
	if cfg != nil && cfg.StateDir != "" {
		return expandHome(cfg.StateDir)
	}
	return filepath.Join(xdgDir("XDG_STATE_HOME", xdg.StateHome), "porthole")
}

// xdgDir reads an XDG variable now (the xdg package reads them once, at start),
// falling back to the package's default when it is unset or relative.
func xdgDir(env, fallback string) string {
	if v := os.Getenv(env); v != "" && filepath.IsAbs(v) {
		return v
	}
	return fallback
}

// expandHome turns a leading ~/ into the home directory.
func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, p[1:])
		}
	}
	return p
}
