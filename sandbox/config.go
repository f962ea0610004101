package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"

	"porthole/config"
)

// writeConfig fills in sb.Config for the sandbox and writes it as YAML to
// Root/etc/porthole.yaml, for `porthole exec`, `plan` and friends.
func (sb *Sandbox) writeConfig() error {
	c := &config.Config{}
	c.Gerrit.URL = sb.Gerrit.URL()
	c.Gerrit.WebURL = GerritWebBase
	c.Gerrit.SSHHost = GerritHost
	c.Gerrit.User = sb.User
	c.Gerrit.PasswordFile = sb.passwordFile()
	c.Gerrit.CIAccount = "jenkins-bot"
	c.Gerrit.PollInterval = time.Second
	c.Gerrit.MergeTimeout = 15 * time.Minute
	c.Gerrit.PendingQuery = "status:open" // the seeded changes (and any pushed since)
	c.StagingDir = sb.StagingDir()
	c.ConfigBranch = "master"
	c.Hosts = map[string][]string{}
	for role, hosts := range sb.roles {
		if role == config.RoleGerrit {
			continue // gerrit.ssh_host, not a host role
		}
		c.Hosts[role] = append([]string(nil), hosts...)
	}
	c.SSHConfig = sb.SSHConfigPath
	c.KnownHosts = []string{sb.KnownHostsPath}
	c.Commands.SyncTestServers = "scap pull"
	c.Commands.SyncFile = "scap sync-file {path} {message}"
	c.Commands.SyncWorld = "scap sync-world {message}"
	c.Commands.Mwscript = "mwscript"
	c.SALFormat = "Backport: {links}"
	c.LockDir = filepath.Join(sb.HostDir(DeployHost), "var", "lock") // the deploy host's /var/lock
	c.StateDir = filepath.Join(sb.Root, "state")
	c.Concurrency = 32
	c.Sandbox = true
	sb.Config = c

	data, err := yaml.Marshal(c)
	if err != nil {
		return err
	}
	head := fmt.Sprintf(configHead+"%s\n"+
		"# (written by `porthole demo`; valid while that sandbox runs).\n", sb.Root)
	sb.ConfigPath = filepath.Join(sb.Root, "etc", "porthole.yaml")
	return os.WriteFile(sb.ConfigPath, append([]byte(head), data...), 0o644)
}
