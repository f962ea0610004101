package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// HostDir is the directory standing for a host's root file system.
func (sb *Sandbox) HostDir(host string) string { return filepath.Join(sb.Root, "hosts", host) }

func (sb *Sandbox) hostHome(host string) string {
	return filepath.Join(sb.HostDir(host), "home", sb.User)
}

func (sb *Sandbox) hasMediaWiki(host string) bool { return host != DeployHost && host != GerritHost }

// StagingDir is the deployment host's /srv/mediawiki-staging.
func (sb *Sandbox) StagingDir() string {
	return filepath.Join(sb.HostDir(DeployHost), "srv", "mediawiki-staging")
}

// AppServerDir is a host's /srv/mediawiki: what scap syncs to app servers,
// test servers and the maintenance host.
func (sb *Sandbox) AppServerDir(host string) string {
	return filepath.Join(sb.HostDir(host), "srv", "mediawiki")
}

// ReadAppServerFile reads path (relative to /srv/mediawiki) on host.
func (sb *Sandbox) ReadAppServerFile(host, path string) ([]byte, error) {
	if _, ok := sb.hosts[host]; !ok || !sb.hasMediaWiki(host) {
		return nil, fmt.Errorf("sandbox: %s is not a host with /srv/mediawiki; use one of %s", host, strings.Join(sb.mediaWikiHosts(), ", "))
	}
	clean := filepath.Clean("/" + path)
	if clean == "/" {
		return nil, fmt.Errorf("sandbox: give a file path under /srv/mediawiki, not %q", path)
	}
	return os.ReadFile(filepath.Join(sb.AppServerDir(host), clean))
}

func (sb *Sandbox) mediaWikiHosts() []string {
	var out []string
	for _, h := range sb.HostNames {
		if sb.hasMediaWiki(h) {
			out = append(out, h)
		}
	}
	return out
}

// Role lists the hosts of a role (config.RoleDeploy, RoleTestServers, …).
func (sb *Sandbox) Role(role string) []string { return append([]string(nil), sb.roles[role]...) }

// Addr is host's SSH address, 127.0.0.1:port.
func (sb *Sandbox) Addr(host string) string {
	h, ok := sb.hosts[host]
	if !ok {
		return ""
	}
	return fmt.Sprintf("127.0.0.1:%d", h.port)
}

// StopHost takes host down for good, as a crash would: it stops listening
// and drops every connection (its commands are killed); it does not come
// back (the tests' DropConnections is the reboot that does).
func (sb *Sandbox) StopHost(host string) error {
	h, ok := sb.hosts[host]
	if !ok {
		return fmt.Errorf("sandbox: no host %s", host)
	}
	return h.close()
}

// SetCanariesFailing makes the scap stand-in's canary checks fail (as a
// logstash error spike does) or pass again.
func (sb *Sandbox) SetCanariesFailing(on bool) error {
	f := filepath.Join(sb.Root, "etc", "fail-canaries")
	if !on {
		if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
			return err
		}
		return nil
	}
	return os.WriteFile(f, []byte("57\n"), 0o644)
}

func (sb *Sandbox) passwordFile() string { return filepath.Join(sb.Root, "etc", "gerrit-password") }
