package sandbox

import (
	"fmt"
	"io"
	"os/user"
	"strings"
	"time"
)

// Options configure Start.
type Options struct {
	// Dir is the sandbox's root; a new temporary directory when "". A given
	// Dir must be empty, not exist yet, or hold a sandbox made before (its
	// world is reopened as it was left: see Reopens, KeepsWorld); it is never
	// removed by Close.
	Dir string
	// AppServers is how many app servers (mw1001, mw1002, …) to serve; 5 when 0.
	AppServers int
	// CIDelay is how long after a +2 CI reports and Gerrit merges; 0 means at once.
	// porthole demo uses 3 s, tests ~0.
	CIDelay time.Duration
	// Version is the deployed MediaWiki version; 1.44.0-wmf.5 when "".
	Version string
	// User is the deployer's name on the hosts and in Gerrit; the login name
	// (or "deployer" for root) when "".
	User string
	// SyncDelay is the most the scap stand-in waits, at random, before each
	// host's copy, so progress lines arrive one by one; 0 for none.
	SyncDelay time.Duration
	// Keep leaves a temporary Dir on disk after Close.
	Keep bool
	// Log receives the sandbox's own problems (a failed scenario step);
	// discarded when nil.
	Log io.Writer
	// Progress is told each part of Start as it is ready: "hosts",
	// "Gerrit", then "changes", "MediaWiki" and "SSH" in any order (they are
	// made at the same time), then "config". It may be called from several
	// goroutines, one call at a time.
	Progress func(part string)
}

// DefaultVersion is the MediaWiki version the sandbox deploys by default.
const DefaultVersion = "1.44.0-wmf.5"

// fill sets the defaults of the options left zero and checks them.
func (opts *Options) fill() error {
	if opts.AppServers == 0 {
		opts.AppServers = 5
	}
	if opts.AppServers < 1 || opts.AppServers > 99 {
		return fmt.Errorf("sandbox: %d app servers asked; give 1 to 99", opts.AppServers)
	}
	if opts.Version == "" {
		opts.Version = DefaultVersion
	}
	if strings.ContainsAny(opts.Version, "/ \t\n'\"\\") || strings.HasPrefix(opts.Version, "-") {
		return fmt.Errorf("sandbox: version %q is not like 1.44.0-wmf.5", opts.Version)
	}
	if opts.User == "" {
		opts.User = defaultUser()
	}
	if !validUser(opts.User) {
		return fmt.Errorf("sandbox: user name %q: use letters, digits, '.', '_' or '-'", opts.User)
	}
	return nil
}

func defaultUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" && u.Username != "root" && validUser(u.Username) {
		return u.Username
	}
	return "deployer"
}

func validUser(s string) bool {
	if s == "" || len(s) > 32 || s[0] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
