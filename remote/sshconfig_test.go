package remote

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestParseHostSpec(t *testing.T) {
	for in, want := range map[string]hostSpec{
		"deploy1002":              {host: "deploy1002"},
		"me@deploy1002":           {user: "me", host: "deploy1002"},
		"me@10.0.0.1:2222":        {user: "me", host: "10.0.0.1", port: 2222},
		"[::1]:22":                {host: "::1", port: 22},
		"a@b@host.example:23":     {user: "a@b", host: "host.example", port: 23},
		"mwdebug1001.eqiad.wmnet": {host: "mwdebug1001.eqiad.wmnet"},
	} {
		got, err := parseHostSpec(in)
		if err != nil || got != want {
			t.Errorf("parseHostSpec(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "@host", "host:0", "host:x", "host:70000", "a b", "a/b"} {
		if _, err := parseHostSpec(bad); err == nil {
			t.Errorf("parseHostSpec(%q) accepted", bad)
		}
	}
}

func TestSettingsFromConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	os.WriteFile(cfg, []byte(`
Host *.eqiad.wmnet !bastion*
    ProxyJump bast1003.wikimedia.org
Host deploy
    HostName deploy1002.eqiad.wmnet
    IdentityFile ~/.ssh/prod_%r
Host deploy
    User from-second-block
Host *
    User deployer
    Port 2200
    IdentityFile /keys/%h
    UserKnownHostsFile ~/.ssh/kh1 /etc/kh2
    ConnectTimeout 7
    ServerAliveInterval 11
`), 0o644)
	c, err := loadSSHConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.settings(hostSpec{host: "deploy"}, "")
	if err != nil {
		t.Fatal(err)
	}
	home := homeDir()
	if s.hostName != "deploy1002.eqiad.wmnet" || s.user != "from-second-block" || s.port != 2200 ||
		s.connectTimeout.Seconds() != 7 || s.serverAliveInterval.Seconds() != 11 {
		t.Errorf("settings %+v", s)
	}
	if want := []string{home + "/.ssh/prod_from-second-block", "/keys/deploy1002.eqiad.wmnet"}; !slices.Equal(s.identityFiles, want) {
		t.Errorf("identity files %v, want %v", s.identityFiles, want)
	}
	if want := []string{home + "/.ssh/kh1", "/etc/kh2"}; !slices.Equal(s.userKnownHosts, want) {
		t.Errorf("known hosts %v", s.userKnownHosts)
	}
	// The first value wins (a later Host block beats Host *); ProxyJump applies to the FQDN as typed, not to the negated bastion pattern.
	s2, _ := c.settings(hostSpec{host: "mw1001.eqiad.wmnet", user: "me", port: 22}, "")
	if s2.proxyJump != "bast1003.wikimedia.org" || s2.user != "me" || s2.port != 22 {
		t.Errorf("mw1001: %+v", s2)
	}
	s3, _ := c.settings(hostSpec{host: "bastion1.eqiad.wmnet"}, "")
	if s3.proxyJump != "" {
		t.Errorf("negated pattern ignored: %+v", s3)
	}
	os.WriteFile(cfg, []byte("Host x\n  Port nope\n"), 0o644)
	c, _ = loadSSHConfig(cfg)
	if _, err := c.settings(hostSpec{host: "x"}, ""); err == nil || !strings.Contains(err.Error(), "Port") {
		t.Errorf("bad port: %v", err)
	}
}

func TestHostKeyAlgorithmsPreferKnownTypes(t *testing.T) {
	got := hostKeyAlgorithms([]string{ssh.KeyAlgoRSA})
	if len(got) < 4 || got[0] != ssh.KeyAlgoRSASHA512 || got[1] != ssh.KeyAlgoRSASHA256 {
		t.Errorf("rsa first: %v", got)
	}
	if !slices.Contains(got, ssh.KeyAlgoED25519) {
		t.Errorf("other algorithms must stay available (a changed key must be seen, not a handshake failure): %v", got)
	}
	if hostKeyAlgorithms(nil) != nil {
		t.Error("no known keys should leave the defaults")
	}
}

// TestHostBlocksIndexKeepsFileOrder checks that looking up only the blocks
// that can match (literal names indexed, wildcard blocks always) gives the
// same first-value-wins answers as matching every block in order.
func TestHostBlocksIndexKeepsFileOrder(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config")
	os.WriteFile(cfg, []byte(`
Host a1 a2
    Port 2001
Host a*
    User wild
    Port 2999
Host a2 b1
    User literal-after-wild
    HostName second.example
Host b1
    Port 3001
Host * !c1
    IdentityFile /keys/star
`), 0o644)
	c, err := loadSSHConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		host, user, hostName string
		port                 int
		ids                  int
	}{
		{"a1", "wild", "a1", 2001, 1},
		{"a2", "wild", "second.example", 2001, 1},
		{"b1", "literal-after-wild", "second.example", 3001, 1},
		{"a3", "wild", "a3", 2999, 1},
		{"c1", "me", "c1", 22, 0},
	} {
		s, err := c.settings(hostSpec{host: tc.host}, "me")
		if err != nil {
			t.Fatal(err)
		}
		if s.user != tc.user || s.hostName != tc.hostName || s.port != tc.port || len(s.identityFiles) != tc.ids {
			t.Errorf("%s: %+v, want user %s, host %s, port %d, %d identity files", tc.host, s, tc.user, tc.hostName, tc.port, tc.ids)
		}
	}
}
