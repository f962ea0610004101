package sshtest

import (
	"crypto/ed25519"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
)

func (c *Cluster) writeUserKey() error {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return err
	}
	c.userKey = priv
	block, err := ssh.MarshalPrivateKey(priv, "porthole-sshtest")
	if err != nil {
		return err
	}
	if err := os.WriteFile(c.KeyPath, pem.EncodeToMemory(block), 0o600); err != nil {
		return err
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		return err
	}
	line := ssh.MarshalAuthorizedKey(sp)
	if err := os.WriteFile(c.KeyPath+".pub", line, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(c.Dir, "authorized_keys"), line, 0o600)
}

// writeClientFiles writes ssh_config and known_hosts, usable by OpenSSH's ssh too.
func (c *Cluster) writeClientFiles() error {
	var b strings.Builder
	fmt.Fprintf(&b, "# sshtest cluster: %d hosts on 127.0.0.1\n", len(c.Hosts))
	for i, h := range c.Hosts {
		fmt.Fprintf(&b, "Host %s\n    HostName 127.0.0.1\n    Port %d\n", h, c.Ports[i])
	}
	fmt.Fprintf(&b, `Host *
    User %s
    IdentityFile %q
    IdentitiesOnly yes
    UserKnownHostsFile %q
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    HashKnownHosts no
    BatchMode yes
    LogLevel ERROR
    ControlMaster no
    ControlPath none
`, c.User, c.KeyPath, c.KnownHostsPath)
	if err := os.WriteFile(c.SSHConfigPath, []byte(b.String()), 0o644); err != nil {
		return err
	}
	return c.writeKnownHosts()
}

func (c *Cluster) writeKnownHosts() error {
	var b strings.Builder
	for i := range c.Hosts {
		b.WriteString(c.KnownHostsLine(i, c.set.hashed))
		b.WriteByte('\n')
	}
	return os.WriteFile(c.KnownHostsPath, []byte(b.String()), 0o644)
}
