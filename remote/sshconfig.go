package remote

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/kevinburke/ssh_config"
)

// hostSpec is a host as the deployer names it: [user@]host[:port].
type hostSpec struct {
	user string
	host string
	port int // 0 when not given
}

// parseHostSpec reads "[user@]host[:port]" (IPv6 as "[::1]:22").
func parseHostSpec(s string) (hostSpec, error) {
	var hs hostSpec
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		hs.user, s = s[:i], s[i+1:]
		if hs.user == "" {
			return hs, fmt.Errorf("host %q has an empty user before @; write user@host or just host", s)
		}
	}
	host := s
	if strings.HasPrefix(s, "[") || strings.Count(s, ":") == 1 {
		h, p, err := net.SplitHostPort(s)
		if err != nil {
			return hs, fmt.Errorf("host %q: %v; write host, host:port or [v6addr]:port", s, err)
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return hs, fmt.Errorf("host %q has a bad port %q; use a number from 1 to 65535", s, p)
		}
		host, hs.port = h, n
	}
	if host == "" {
		return hs, errors.New("empty host name; name a host as in ssh_config, or user@host:port")
	}
	if strings.ContainsAny(host, " \t\n/") {
		return hs, fmt.Errorf("host %q holds a space or slash; name a host as in ssh_config, or user@host:port", host)
	}
	hs.host = host
	return hs, nil
}

// sshConfig is one parsed ssh_config file (or none).
type sshConfig struct {
	path string
	cfg  *ssh_config.Config
	// literal indexes the Host blocks whose patterns are all plain names
	// (no *, ?, !) by those names; wild lists the others. A lookup visits
	// only these candidates, in file order, instead of every block: with a
	// thousand hosts, matching each alias against every block cost ~0.4 s.
	literal map[string][]int
	wild    []int
}

// index fills literal and wild from the parsed file.
func (c *sshConfig) index() {
	c.literal = map[string][]int{}
	for i, h := range c.cfg.Hosts {
		plain := len(h.Patterns) > 0
		for _, p := range h.Patterns {
			if strings.ContainsAny(p.String(), "*?!") {
				plain = false
			}
		}
		if !plain {
			c.wild = append(c.wild, i)
			continue
		}
		for _, p := range h.Patterns {
			if l := c.literal[p.String()]; len(l) == 0 || l[len(l)-1] != i {
				c.literal[p.String()] = append(l, i)
			}
		}
	}
}

// candidates are the indexes of the Host blocks that may match alias, in file order.
func (c *sshConfig) candidates(alias string) []int {
	lit := c.literal[alias]
	if len(lit) == 0 {
		return c.wild
	}
	out := make([]int, 0, len(lit)+len(c.wild))
	i, j := 0, 0
	for i < len(lit) || j < len(c.wild) {
		if j == len(c.wild) || i < len(lit) && lit[i] < c.wild[j] {
			out = append(out, lit[i])
			i++
		} else {
			out = append(out, c.wild[j])
			j++
		}
	}
	return out
}

// loadSSHConfig parses path once; "" means ~/.ssh/config if it exists, "none" no file.
func loadSSHConfig(path string) (*sshConfig, error) {
	explicit := path != ""
	if path == "none" {
		return &sshConfig{path: "none"}, nil
	}
	if !explicit {
		path = expandTilde("~/.ssh/config")
	}
	path = expandTilde(path)
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return &sshConfig{path: path}, nil
		}
		return nil, fmt.Errorf("cannot read ssh_config %s: %v; fix the path (-F) or leave it empty for ~/.ssh/config", path, errors.Unwrap(err))
	}
	cfg, err := ssh_config.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("ssh_config %s: %v; fix that line (porthole reads Host, HostName, User, Port, IdentityFile, ProxyJump)", path, err)
	}
	c := &sshConfig{path: path, cfg: cfg}
	c.index()
	return c, nil
}

// hostSettings are the ssh_config values porthole honours, for one alias.
type hostSettings struct {
	hostName            string
	user                string
	port                int
	identityFiles       []string
	identitiesOnly      bool
	proxyJump           string
	proxyCommand        string
	userKnownHosts      []string
	globalKnownHosts    []string
	hostKeyAlias        string
	connectTimeout      time.Duration
	serverAliveInterval time.Duration
	serverAliveCountMax int
}

// keys porthole reads from ssh_config; the multi-valued one is identityfile.
var settingKeys = []string{"hostname", "user", "port", "identityfile", "identitiesonly",
	"proxyjump", "proxycommand", "userknownhostsfile", "globalknownhostsfile",
	"hostkeyalias", "connecttimeout", "serveraliveinterval", "serveralivecountmax"}

// values collects the raw values of settingKeys for alias in one pass over
// the file: the first value wins, except for IdentityFile which accumulates.
func (c *sshConfig) values(alias string) (map[string][]string, error) {
	out := map[string][]string{}
	if c == nil || c.cfg == nil {
		return out, nil
	}
	add := func(key, val string) {
		if key == "identityfile" {
			out[key] = append(out[key], val)
		} else if _, ok := out[key]; !ok {
			out[key] = []string{val}
		}
	}
	for _, i := range c.candidates(alias) {
		h := c.cfg.Hosts[i]
		if !h.Matches(alias) {
			continue
		}
		for _, n := range h.Nodes {
			switch t := n.(type) {
			case *ssh_config.KV:
				add(strings.ToLower(t.Key), t.Value)
			case *ssh_config.Include:
				for _, k := range settingKeys {
					if k == "identityfile" {
						vs, _ := t.GetAll(alias, k)
						for _, v := range vs {
							add(k, v)
						}
					} else if v := t.Get(alias, k); v != "" {
						add(k, v)
					}
				}
			}
		}
	}
	return out, nil
}

// settings resolves spec through the file: HostName, User, Port and the rest,
// with OpenSSH's %-tokens expanded.
func (c *sshConfig) settings(spec hostSpec, defaultUser string) (hostSettings, error) {
	var s hostSettings
	vals, err := c.values(spec.host)
	if err != nil {
		return s, err
	}
	v := hostValues{vals: vals, where: fmt.Sprintf("ssh_config %s, Host %s", c.path, spec.host)}
	if err := s.address(v, spec, defaultUser); err != nil {
		return s, err
	}
	s.files(v, tokenVars{alias: spec.host, host: s.hostName, port: s.port, user: s.user})
	return s, s.timing(v)
}

// hostValues are one host's ssh_config values (keys in lower case).
type hostValues struct {
	vals  map[string][]string
	where string // "ssh_config PATH, Host HOST", for messages
}

// first is key k's first value, "" when unset.
func (v hostValues) first(k string) string {
	if vs := v.vals[k]; len(vs) > 0 {
		return strings.TrimSpace(vs[0])
	}
	return ""
}

// number reads key k (spelt name in messages) as a whole number of at least
// least; set is false when k is unset. hint says what to give instead.
func (v hostValues) number(k, name string, least int, hint string) (n int, set bool, err error) {
	p := v.first(k)
	if p == "" {
		return 0, false, nil
	}
	n, err = strconv.Atoi(p)
	if err != nil || n < least {
		return 0, false, fmt.Errorf("%s, %s: bad value %q; %s", v.where, name, p, hint)
	}
	return n, true, nil
}

// address sets HostName, Port and User: the spec's own port and user win
// over the file's, then defaultUser, then the local user.
func (s *hostSettings) address(v hostValues, spec hostSpec, defaultUser string) error {
	s.hostName = spec.host
	if hn := v.first("hostname"); hn != "" {
		s.hostName = expandTokens(hn, tokenVars{alias: spec.host, host: spec.host})
	}
	s.port = 22
	if p := v.first("port"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%s, Port: bad port %q; use a number from 1 to 65535", v.where, p)
		}
		s.port = n
	}
	if spec.port != 0 {
		s.port = spec.port
	}
	s.user = v.first("user")
	if spec.user != "" {
		s.user = spec.user
	}
	if s.user == "" {
		s.user = defaultUser
	}
	if s.user == "" {
		s.user = localUser()
	}
	return nil
}

// files sets the identity and known_hosts files, the proxies and the host
// key alias.
func (s *hostSettings) files(v hostValues, tv tokenVars) {
	for _, f := range v.vals["identityfile"] {
		if strings.EqualFold(f, "none") {
			continue
		}
		s.identityFiles = append(s.identityFiles, expandTilde(expandTokens(f, tv)))
	}
	s.identitiesOnly = strings.EqualFold(v.first("identitiesonly"), "yes")
	s.proxyJump = v.first("proxyjump")
	if strings.EqualFold(s.proxyJump, "none") {
		s.proxyJump = ""
	}
	s.proxyCommand = v.first("proxycommand")
	if strings.EqualFold(s.proxyCommand, "none") {
		s.proxyCommand = ""
	}
	for _, f := range strings.Fields(v.first("userknownhostsfile")) {
		s.userKnownHosts = append(s.userKnownHosts, expandTilde(expandTokens(f, tv)))
	}
	for _, f := range strings.Fields(v.first("globalknownhostsfile")) {
		s.globalKnownHosts = append(s.globalKnownHosts, expandTilde(expandTokens(f, tv)))
	}
	s.hostKeyAlias = v.first("hostkeyalias")
}

// timing sets ConnectTimeout, ServerAliveInterval and ServerAliveCountMax.
func (s *hostSettings) timing(v hostValues) error {
	n, set, err := v.number("connecttimeout", "ConnectTimeout", 0, "give whole seconds")
	if err != nil {
		return err
	}
	if set {
		s.connectTimeout = time.Duration(n) * time.Second
	}
	if n, set, err = v.number("serveraliveinterval", "ServerAliveInterval", 0, "give whole seconds"); err != nil {
		return err
	}
	if set {
		s.serverAliveInterval = time.Duration(n) * time.Second
	}
	if n, set, err = v.number("serveralivecountmax", "ServerAliveCountMax", 1, "give a count of 1 or more"); err != nil {
		return err
	}
	if set {
		s.serverAliveCountMax = n
	}
	return nil
}

// tokenVars are the values OpenSSH's %-tokens stand for.
type tokenVars struct {
	alias string // %n: the host as typed
	host  string // %h: the HostName
	port  int    // %p
	user  string // %r: the remote user
}

// expandTokens expands %% %h %n %p %r %u %d %l in an ssh_config value.
func expandTokens(s string, v tokenVars) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case '%':
			b.WriteByte('%')
		case 'h':
			b.WriteString(v.host)
		case 'n':
			b.WriteString(v.alias)
		case 'p':
			b.WriteString(strconv.Itoa(v.port))
		case 'r':
			b.WriteString(v.user)
		case 'u':
			b.WriteString(localUser())
		case 'd':
			b.WriteString(homeDir())
		case 'l':
			h, _ := os.Hostname()
			b.WriteString(h)
		default:
			b.WriteByte('%')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// localUser is the name of the user porthole runs as.
func localUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}
