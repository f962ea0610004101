// Package config is porthole's configuration: the YAML file, its defaults
// and validation, command templates, and host roles mapped to hosts.
package config

import "time"

// Config is porthole's configuration (YAML under the XDG config dir; the
// sandbox writes its own).
type Config struct {
	Gerrit struct {
		URL          string        `yaml:"url"`           // REST base, e.g. https://gerrit.wikimedia.org/r/
		WebURL       string        `yaml:"web_url"`       // base of web links when not the REST base; "" for the same
		User         string        `yaml:"user"`          // for /a/ basic auth; "" for anonymous
		PasswordFile string        `yaml:"password_file"` // HTTP password; never logged
		CIAccount    string        `yaml:"ci_account"`    // whose Verified counts: jenkins-bot
		SSHHost      string        `yaml:"ssh_host"`      // for stream-events, optional
		PollInterval time.Duration `yaml:"poll_interval"`
		MergeTimeout time.Duration `yaml:"merge_timeout"`
		// PendingQuery is the Gerrit search Home lists as "waiting for a
		// window" (e.g. "status:open hashtag:backport"); "" lists nothing.
		PendingQuery string `yaml:"pending_query"`
	} `yaml:"gerrit"`
	StagingDir   string              `yaml:"staging_dir"`   // /srv/mediawiki-staging
	ConfigBranch string              `yaml:"config_branch"` // master
	Hosts        map[string][]string `yaml:"hosts"`         // role → ssh_config aliases
	SSHConfig    string              `yaml:"ssh_config"`    // ~/.ssh/config when empty
	KnownHosts   []string            `yaml:"known_hosts"`   // ~/.ssh/known_hosts when empty
	Commands     struct {
		SyncTestServers string `yaml:"sync_testservers"` // run on each mwdebug host: "scap pull"
		SyncFile        string `yaml:"sync_file"`        // on deploy: "scap sync-file {path} {message}"
		// SyncWorld is the full sync that also rebuilds the l10n cache, for
		// changes under i18n/ or languages/: "scap sync-world {message}".
		SyncWorld string `yaml:"sync_world"`
		Mwscript  string `yaml:"mwscript"` // on maintenance: "mwscript"
	} `yaml:"commands"`
	// LockDir is scap's lock directory on the deployment host (/var/lock when
	// empty): a window holds its scap.backport.lock there, as scap backport
	// does, and refuses while scap-global-lock exists.
	LockDir string `yaml:"lock_dir"`
	// LockWait is how long a window waits for another's backport lock (scap's 600 s when zero).
	LockWait    time.Duration `yaml:"lock_wait"`
	SALFormat   string        `yaml:"sal_format"`  // "Backport: {links}" by default
	StateDir    string        `yaml:"state_dir"`   // journals and logs; XDG state dir when empty
	Concurrency int           `yaml:"concurrency"` // fan-out width
	// Maintenance configures the maintenance-script runbooks (see MaintConfig).
	Maintenance MaintConfig `yaml:"maintenance"`
	Sandbox     bool        `yaml:"sandbox,omitempty"` // a porthole demo sandbox: the TUI shows the SANDBOX badge
}

// Host roles, as named in config.
const (
	RoleLocal       = "local"       // the deployer's machine
	RoleGerrit      = "gerrit"      // REST calls, no host
	RoleDeploy      = "deploy"      // deployment host with /srv/mediawiki-staging
	RoleTestServers = "mwdebug"     // test servers (scap pull)
	RoleMaintenance = "maintenance" // maintenance host (mwscript)
	RoleAppServers  = "appservers"  // every app server (sync target)
)

// EffectiveLockDir is LockDir, or /var/lock.
func (c *Config) EffectiveLockDir() string {
	if c.LockDir != "" {
		return c.LockDir
	}
	return "/var/lock"
}

// EffectiveLockWait is LockWait, or scap's 600 s.
func (c *Config) EffectiveLockWait() time.Duration {
	if c.LockWait > 0 {
		return c.LockWait
	}
	return 600 * time.Second
}
