package sandbox

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
)

// newSigner generates an ed25519 key pair.
func newSigner() (ed25519.PrivateKey, ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	s, err := ssh.NewSignerFromKey(priv)
	return priv, s, err
}

// writeUserKey writes the deployer's key pair in OpenSSH format (private 0600).
func writeUserKey(path string, priv ed25519.PrivateKey, signer ssh.Signer, comment string) error {
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return err
	}
	pub := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey()))) + " " + comment + "\n"
	return os.WriteFile(path+".pub", []byte(pub), 0o644)
}

// knownHostsLines lists each host's key under the names a client checks:
// [127.0.0.1]:port (what OpenSSH and a Go client dialling HostName check)
// and the alias itself (for HostKeyAlias-style lookups).
func knownHostsLines(hosts []*sshHost) string {
	var b strings.Builder
	b.WriteString("# porthole sandbox host keys (generated at start; loopback only)\n")
	for _, h := range hosts {
		p := strconv.Itoa(h.port)
		fmt.Fprintf(&b, "[127.0.0.1]:%s,%s,[%s]:%s %s", p, h.name, h.name, p,
			ssh.MarshalAuthorizedKey(h.signer.PublicKey()))
	}
	return b.String()
}

// sshConfigText is an ssh_config with one Host alias per sandbox host.
func sshConfigText(hosts []*sshHost, user, keyPath, knownHostsPath string) string {
	var b strings.Builder
	b.WriteString("# porthole sandbox: SSH hosts served in-process by `porthole demo` on 127.0.0.1.\n")
	b.WriteString("# Try: ssh -F " + configWord(filepath.Join(filepath.Dir(keyPath), "ssh_config")) + " " + hosts[0].name + " hostname\n\n")
	names := make([]string, len(hosts))
	for i, h := range hosts {
		names[i] = h.name
		fmt.Fprintf(&b, "Host %s\n    HostName 127.0.0.1\n    Port %d\n\n", h.name, h.port)
	}
	fmt.Fprintf(&b, "Host %s\n", strings.Join(names, " "))
	fmt.Fprintf(&b, "    User %s\n", configWord(user))
	fmt.Fprintf(&b, "    IdentityFile %s\n", configWord(keyPath))
	b.WriteString("    IdentitiesOnly yes\n")
	fmt.Fprintf(&b, "    UserKnownHostsFile %s\n", configWord(knownHostsPath))
	b.WriteString("    GlobalKnownHostsFile /dev/null\n")
	b.WriteString("    StrictHostKeyChecking yes\n")
	b.WriteString("    BatchMode yes\n")
	b.WriteString("    ControlMaster no\n")
	b.WriteString("    ControlPath none\n")
	b.WriteString("    LogLevel ERROR\n")
	return b.String()
}

// configWord double-quotes an ssh_config argument holding spaces.
func configWord(s string) string {
	if strings.ContainsAny(s, " \t") {
		return `"` + s + `"`
	}
	return s
}
