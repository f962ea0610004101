package remote

import (
	"os"
	"path/filepath"
	"time"
)

// SSHOptions configure a Pool. Per-host values in ssh_config (User, Port,
// ConnectTimeout, ServerAliveInterval, ...) win over these, which are the defaults.
type SSHOptions struct {
	// ConfigPath is the ssh_config to read; ~/.ssh/config when empty (and
	// missing is fine then); "none" reads no file.
	ConfigPath string
	// KnownHosts are the known_hosts files host keys are checked against. When
	// empty: ssh_config's UserKnownHostsFile and GlobalKnownHostsFile, else
	// ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts.
	KnownHosts []string
	// IdentityFiles are private keys tried before ssh_config's IdentityFile
	// entries (and before ~/.ssh/id_* when neither names any).
	IdentityFiles []string
	// UseAgent offers the keys of the ssh-agent at $SSH_AUTH_SOCK too.
	UseAgent bool
	// User logs in when neither the host ("user@host") nor ssh_config names one;
	// the local user when empty.
	User string
	// Timeout bounds the TCP connect plus SSH handshake; 10s when zero.
	Timeout time.Duration
	// KeepAlive is how often an idle connection is probed; a connection that
	// misses 3 replies in a row is declared dead. 15s when zero; negative disables.
	KeepAlive time.Duration
	// KillGrace is how long a cancelled command gets between SIGTERM and
	// SIGKILL; 2s when zero.
	KillGrace time.Duration
	// MaxSessions bounds the commands running at once over one connection
	// (OpenSSH's sshd allows 10 by default); 8 when zero.
	MaxSessions int
}

const (
	defaultTimeout     = 10 * time.Second
	defaultKeepAlive   = 15 * time.Second
	defaultKillGrace   = 2 * time.Second
	defaultMaxSessions = 8
	keepAliveCountMax  = 3
)

func (o SSHOptions) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return defaultTimeout
}

func (o SSHOptions) keepAlive() time.Duration {
	if o.KeepAlive == 0 {
		return defaultKeepAlive
	}
	return o.KeepAlive
}

func (o SSHOptions) killGrace() time.Duration {
	if o.KillGrace > 0 {
		return o.KillGrace
	}
	return defaultKillGrace
}

func (o SSHOptions) maxSessions() int {
	if o.MaxSessions > 0 {
		return o.MaxSessions
	}
	return defaultMaxSessions
}

// homeDir is the local user's home directory ("" when unknown).
func homeDir() string {
	if h, err := os.UserHomeDir(); err == nil {
		return h
	}
	return ""
}

// expandTilde turns a leading ~/ into the home directory.
func expandTilde(p string) string {
	if p == "~" {
		return homeDir()
	}
	if len(p) > 1 && p[0] == '~' && p[1] == '/' {
		return filepath.Join(homeDir(), p[2:])
	}
	return p
}
