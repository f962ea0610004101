package sandbox

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"porthole/config"
	"porthole/remote"
)

// standInsFS holds the stand-in commands installed on every host's PATH:
// scap (this package) and mwscript (the maintenance runbooks' author).
//
//go:embed standins
var standInsFS embed.FS

// layoutHosts creates each host's directories and the host lists the
// stand-ins read.
func (sb *Sandbox) layoutHosts(appServers int) error {
	apps := appServerNames(appServers)
	sb.roles = map[string][]string{
		config.RoleDeploy:      {DeployHost},
		config.RoleTestServers: append([]string(nil), TestServers...),
		config.RoleMaintenance: {MaintHost},
		config.RoleAppServers:  apps,
		config.RoleGerrit:      {GerritHost},
	}
	sb.HostNames = append(append(append([]string{DeployHost}, TestServers...), MaintHost), apps...)
	for _, d := range []string{"etc", "bin", "state", "gerrit"} {
		if err := os.MkdirAll(filepath.Join(sb.Root, d), 0o755); err != nil {
			return err
		}
	}
	for _, h := range sb.HostNames {
		home := sb.hostHome(h)
		if err := os.MkdirAll(home, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(home, ".bashrc"), []byte(bashrc(h == DeployHost)), 0o644); err != nil {
			return err
		}
		if err := os.MkdirAll(sb.hostTmp(h), 0o1777); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(sb.HostDir(h), "srv"), 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(sb.hostHome(DeployHost), ".gitconfig"), []byte(deployGitconfig(sb.User, sb.email())), 0o644); err != nil {
		return err
	}
	lists := map[string][]string{
		"appservers":  apps,
		"testservers": TestServers,
		"canaries":    apps[:1],
		// Maintenance hosts are scap targets too (production's
		// mediawiki-installation group), so mwscript sees what was synced.
		"maintservers": {MaintHost},
		"fail-hosts":   nil,
	}
	for name, hosts := range lists {
		text := ""
		if len(hosts) > 0 {
			text = strings.Join(hosts, "\n") + "\n"
		}
		if err := os.WriteFile(filepath.Join(sb.Root, "etc", name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// hostTmp is a host's /tmp (TMPDIR, and TMUX_TMPDIR when short enough: see tmuxDir).
func (sb *Sandbox) hostTmp(host string) string { return filepath.Join(sb.HostDir(host), "tmp") }

// bashrc is the interactive shell's setup on a sandbox host (ssh -t HOST).
func bashrc(deploy bool) string {
	s := `# porthole sandbox: an interactive shell on the sandbox host $SANDBOX_HOST.
# Commands run for real, in directories under $SANDBOX_ROOT/hosts/$SANDBOX_HOST.
if [ -r /usr/lib/git-core/git-sh-prompt ]; then
	. /usr/lib/git-core/git-sh-prompt
	GIT_PS1_SHOWUPSTREAM="auto verbose"
	PS1='[sandbox] '"$USER@$SANDBOX_HOST"':\w$(__git_ps1 " (%s)")\$ '
else
	PS1='[sandbox] '"$USER@$SANDBOX_HOST"':\w\$ '
fi
`
	if deploy {
		s += `echo "porthole sandbox: /srv/mediawiki-staging is $SANDBOX_STAGING"
`
	}
	return s
}

// writeStandIns installs the stand-in commands in Root/bin and their settings in Root/etc/sandbox.env.
func (sb *Sandbox) writeStandIns(syncDelay time.Duration) error {
	err := fs.WalkDir(standInsFS, "standins", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := standInsFS.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(sb.Root, "bin", path.Base(p)), data, 0o755)
	})
	if err != nil {
		return fmt.Errorf("sandbox: install the stand-ins: %w", err)
	}
	env := fmt.Sprintf("# porthole sandbox settings, read by the stand-ins in %s.\n"+
		"SANDBOX_DEPLOY_HOST=%s\nSANDBOX_STAGING=%s\nSANDBOX_VERSION=%s\nSANDBOX_SYNC_DELAY_MS=%d\n",
		filepath.Join(sb.Root, "bin"), DeployHost, remote.Quote(sb.StagingDir()), remote.Quote(sb.Version), syncDelay.Milliseconds())
	return os.WriteFile(filepath.Join(sb.Root, "etc", "sandbox.env"), []byte(env), 0o644)
}

// startSSH generates the keys, starts one SSH server per host and writes
// the client's files: private key, known_hosts, ssh_config.
func (sb *Sandbox) startSSH() error {
	dir := filepath.Join(sb.Root, "etc", "ssh")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	sb.KeyPath = filepath.Join(dir, "id_ed25519")
	sb.KnownHostsPath = filepath.Join(dir, "known_hosts")
	sb.SSHConfigPath = filepath.Join(dir, "ssh_config")
	authorized := filepath.Join(dir, "authorized_keys")
	priv, signer, err := newSigner()
	if err != nil {
		return err
	}
	comment := sb.User + "@porthole-sandbox"
	if err := writeUserKey(sb.KeyPath, priv, signer, comment); err != nil {
		return err
	}
	pub, err := os.ReadFile(sb.KeyPath + ".pub")
	if err != nil {
		return err
	}
	if err := os.WriteFile(authorized, pub, 0o600); err != nil {
		return err
	}
	var list []*sshHost
	for _, name := range sb.HostNames {
		_, hostSigner, err := newSigner()
		if err != nil {
			return err
		}
		extra := []string{"SANDBOX_STAGING=" + sb.StagingDir(), "TMPDIR=" + sb.hostTmp(name)}
		tmux, err := sb.tmuxDir(name)
		if err != nil {
			return err
		}
		extra = append(extra, "TMUX_TMPDIR="+tmux)
		if sb.hasMediaWiki(name) {
			extra = append(extra, "SANDBOX_MEDIAWIKI="+sb.AppServerDir(name))
		}
		h := &sshHost{
			name: name, home: sb.hostHome(name), root: sb.Root,
			binDir: filepath.Join(sb.Root, "bin"), authorizedKeys: authorized,
			extraEnv: extra, signer: hostSigner,
		}
		if err := h.listen(); err != nil {
			return err
		}
		sb.hosts[name] = h
		list = append(list, h)
	}
	// Gerrit's SSH port: its own host key, the deployer's key, no shell.
	_, gerritSigner, err := newSigner()
	if err != nil {
		return err
	}
	g := &sshHost{
		name: GerritHost, home: sb.HostDir(GerritHost), root: sb.Root,
		binDir: filepath.Join(sb.Root, "bin"), authorizedKeys: authorized,
		signer: gerritSigner, command: sb.gerritCommand,
	}
	if err := g.listen(); err != nil {
		return err
	}
	sb.hosts[GerritHost] = g
	list = append(list, g)
	if err := os.WriteFile(sb.KnownHostsPath, []byte(knownHostsLines(list)), 0o644); err != nil {
		return err
	}
	return os.WriteFile(sb.SSHConfigPath, []byte(sshConfigText(list, sb.User, sb.KeyPath, sb.KnownHostsPath)), 0o644)
}

// copyTree copies src into dst (created), leaving out .git entries, as a
// scap sync leaves them out of /srv/mediawiki.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Name() == ".git" {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		case info.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, info.Mode().Perm())
		}
		return nil
	})
}
