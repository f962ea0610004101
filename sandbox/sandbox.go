package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"porthole/config"
	"porthole/gerrit/gerrittest"
)

// Host names, as the ssh_config aliases name them.
const (
	DeployHost = "deploy1002"
	MaintHost  = "mwmaint1002"
)

// TestServers are the mwdebug hosts (scap pull targets before the full sync).
var TestServers = []string{"mwdebug1001", "mwdebug1002"}

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

// Sandbox is a running sandbox: a Gerrit emulator, SSH hosts and the
// repositories and directories they work on, all under Root.
type Sandbox struct {
	Root    string // where everything lives (see the package documentation)
	Version string // deployed MediaWiki version, e.g. 1.44.0-wmf.5
	User    string // the deployer

	Gerrit *gerrittest.Server
	// Config is porthole's configuration for the sandbox (also written to ConfigPath).
	Config     *config.Config
	ConfigPath string

	SSHConfigPath  string // ssh_config with one Host alias per sandbox host
	KnownHostsPath string // the hosts' keys, for strict checking
	KeyPath        string // the deployer's private key (ed25519)

	// Changes maps scenario names ("core", "extension", "config",
	// "extra-commit", "schema", "ci-fail", "i18n", "static", "collation",
	// "namespace") to Gerrit change numbers.
	Changes map[string]int
	// Scenarios describe the seeded changes, in change-number order.
	Scenarios []Scenario
	// HostNames lists every host alias: deploy, test servers, maintenance, app servers.
	HostNames []string

	hosts   map[string]*sshHost
	roles   map[string][]string
	ownRoot bool
	// reopened: Start found a whole sandbox in Root and reopened it as it was
	reopened bool
	keep     bool
	logMu    sync.Mutex
	logw     io.Writer // Options.Log, or what SetLog gave
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	closeMu  sync.Mutex
	closed   bool
	phases   []phase      // how long each part of Start took
	streams  atomic.Int64 // stream-events sessions open on the Gerrit host
	tmuxRoot string       // the hosts' TMUX_TMPDIRs when Root is too deep (see tmuxDir)
}

// phase is one timed part of Start.
type phase struct {
	name string
	took time.Duration
}

// lap records the time since *t0 as phase name and restarts the clock.
func (sb *Sandbox) lap(name string, t0 *time.Time) {
	now := time.Now()
	sb.phases = append(sb.phases, phase{name, now.Sub(*t0)})
	*t0 = now
}

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

// Start builds and starts a sandbox. It needs no network beyond loopback
// and no configuration; Close undoes it.
func Start(ctx context.Context, opts Options) (_ *Sandbox, err error) {
	if err := opts.fill(); err != nil {
		return nil, err
	}
	sb := &Sandbox{Version: opts.Version, User: opts.User, Changes: map[string]int{},
		hosts: map[string]*sshHost{}, keep: opts.Keep, logw: opts.Log}
	if sb.logw == nil {
		sb.logw = io.Discard
	}
	if sb.Root, sb.ownRoot, sb.reopened, err = prepareRoot(opts.Dir); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			sb.Close()
		}
	}()
	wctx, cancel := context.WithCancel(context.Background())
	sb.cancel = cancel
	var progressMu sync.Mutex
	progress := func(part string) {
		if opts.Progress != nil {
			progressMu.Lock()
			defer progressMu.Unlock()
			opts.Progress(part)
		}
	}

	t0 := time.Now()
	var k kept
	if sb.reopened {
		if k, err = readKept(sb.Root); err != nil {
			return nil, err
		}
		sb.Version, sb.User = k.Version, k.User
	}
	if err := sb.layoutHosts(opts.AppServers); err != nil {
		return nil, err
	}
	if err := sb.writeStandIns(opts.SyncDelay); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sb.lap("hosts", &t0)
	progress("hosts")
	if sb.reopened {
		err = sb.reopenWorld(opts.CIDelay, k, progress)
	} else {
		err = sb.buildWorld(ctx, opts.CIDelay, progress)
	}
	if err != nil {
		return nil, err
	}
	sb.lap("staging+changes+ssh", &t0)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := sb.writeConfig(); err != nil {
		return nil, err
	}
	if err := sb.writeKept(); err != nil {
		return nil, err
	}
	sb.lap("config", &t0)
	progress("config")
	sb.wg.Add(1)
	go sb.watchExtraCommit(wctx, sb.Changes["extra-commit"], opts.CIDelay)
	return sb, nil
}

// buildWorld starts Gerrit with its projects, then makes three independent
// parts at once: the changes in Gerrit, the deploy host's checkouts (then
// /srv/mediawiki everywhere), the SSH servers.
func (sb *Sandbox) buildWorld(ctx context.Context, ciDelay time.Duration, progress func(string)) error {
	t, err := sb.startGerrit(ciDelay)
	if err != nil {
		return err
	}
	progress("Gerrit")
	if err := ctx.Err(); err != nil {
		return err
	}
	var jobs sync.WaitGroup
	errs := make([]error, 3)
	jobs.Add(3)
	go func() {
		defer jobs.Done()
		if errs[0] = sb.seedChanges(t); errs[0] == nil {
			progress("changes")
		}
	}()
	go func() {
		defer jobs.Done()
		if errs[1] = sb.installMediaWiki(); errs[1] == nil {
			progress("MediaWiki")
		}
	}()
	go func() {
		defer jobs.Done()
		if errs[2] = sb.startSSH(); errs[2] == nil {
			progress("SSH")
		}
	}()
	jobs.Wait()
	return errors.Join(errs...)
}

// reopenWorld starts a sandbox made before as it was left: Gerrit on its
// saved changes, the hosts on their files (the checkouts pointed at
// Gerrit's address if it moved), new SSH servers.
func (sb *Sandbox) reopenWorld(ciDelay time.Duration, k kept, progress func(string)) error {
	if err := sb.reopenGerrit(ciDelay, k.GerritURL); err != nil {
		return err
	}
	progress("Gerrit")
	sb.restore(k)
	progress("changes")
	if err := sb.repointOrigins(k.GerritURL); err != nil {
		return err
	}
	progress("MediaWiki")
	if err := sb.startSSH(); err != nil {
		return err
	}
	progress("SSH")
	return nil
}

// installMediaWiki builds the deploy host's staging directory, then
// installs its tree as /srv/mediawiki on every other host.
func (sb *Sandbox) installMediaWiki() error {
	if err := sb.writeNetrc(); err != nil {
		return fmt.Errorf("sandbox: write the deployer's ~/.netrc: %w", err)
	}
	subs := map[string]string{"extensions/Echo": ProjectEcho, "skins/Vector": ProjectVector}
	if err := buildStaging(sb.StagingDir(), sb.hostHome(DeployHost), sb.Gerrit.URL(), sb.Version, sb.User, sb.email(), subs); err != nil {
		return fmt.Errorf("sandbox: build %s: %w", sb.StagingDir(), err)
	}
	hosts := sb.mediaWikiHosts()
	errs := make([]error, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := copyTree(sb.StagingDir(), sb.AppServerDir(h)); err != nil {
				errs[i] = fmt.Errorf("sandbox: install MediaWiki on %s: %w", h, err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// prepareRoot makes the root directory: a new temporary one, or dir when it
// is empty or missing, or dir when it holds a sandbox made before
// (Reopens): reopened as it was when it holds all of it (KeepsWorld), else
// its journals (state/) are kept and the rest is built anew.
func prepareRoot(dir string) (root string, own, reopen bool, err error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "porthole-sandbox-")
		if err != nil {
			return "", false, false, fmt.Errorf("sandbox: make a temporary directory: %w", err)
		}
		return d, true, false, nil
	}
	if err := CheckDir(dir); err != nil {
		return "", false, false, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", false, false, err
	}
	if Reopens(abs) {
		if KeepsWorld(abs) {
			return abs, false, true, nil
		}
		if err := clearButState(abs); err != nil {
			return "", false, false, err
		}
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", false, false, fmt.Errorf("sandbox: create %s: %w", abs, err)
	}
	return abs, false, false, nil
}

// configHead starts the config a sandbox writes (etc/porthole.yaml): what
// tells a sandbox's directory from any other.
const configHead = "# porthole configuration for the sandbox in "

// Reopens is true when dir holds a sandbox made before (by porthole demo
// --dir): starting one there reopens it as it was left (KeepsWorld), or
// keeps only its journals when it was not stopped whole.
func Reopens(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, "etc", "porthole.yaml"))
	return err == nil && strings.HasPrefix(string(data), configHead)
}

// clearButState removes a previous sandbox's files but its state/ (journals, logs).
func clearButState(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("sandbox: %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.Name() == "state" {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("sandbox: clear the previous sandbox in %s: %w", dir, err)
		}
	}
	return nil
}

// CheckDir tells whether dir can hold a sandbox (Options.Dir): it is empty,
// does not exist yet, or holds a sandbox made before (see Reopens).
func CheckDir(dir string) error {
	if dir == "" {
		return nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(abs)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("sandbox: %s: %w", abs, err)
	case len(entries) > 0 && !Reopens(abs):
		return fmt.Errorf("sandbox: %s is not empty and holds no sandbox: remove it or give another directory", abs)
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

func (sb *Sandbox) email() string { return sb.User + "@sandbox.invalid" }

func (sb *Sandbox) logf(format string, args ...any) {
	sb.logMu.Lock()
	defer sb.logMu.Unlock()
	fmt.Fprintf(sb.logw, "sandbox: "+format+"\n", args...)
}

// SetLog sends the sandbox's own problems to w from now on (io.Discard when
// nil) and returns where they went before: porthole demo points it at the
// state dir's log while the TUI owns the terminal, and back afterwards.
func (sb *Sandbox) SetLog(w io.Writer) io.Writer {
	if w == nil {
		w = io.Discard
	}
	sb.logMu.Lock()
	defer sb.logMu.Unlock()
	prev := sb.logw
	sb.logw = w
	return prev
}

// appServerNames are mw1001, mw1002, … .
func appServerNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("mw%d", 1001+i)
	}
	return out
}

// Close stops the SSH hosts (killing their commands) and the emulator,
// and removes Root when Start made it and Keep is not set.
func (sb *Sandbox) Close() error {
	sb.closeMu.Lock()
	defer sb.closeMu.Unlock()
	if sb.closed {
		return nil
	}
	sb.closed = true
	if sb.cancel != nil {
		sb.cancel()
	}

	errs := make([]error, 0, len(sb.hosts)+1)
	var mu sync.Mutex
	var hosts sync.WaitGroup
	for _, h := range sb.hosts {
		hosts.Add(1)
		go func() {
			defer hosts.Done()
			if err := h.close(); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	hosts.Wait()
	sb.wg.Wait()
	killStrays(sb.Root)
	sb.removeTmuxDirs()
	if sb.Gerrit != nil {
		sb.Gerrit.Close()
	}
	if sb.ownRoot && !sb.keep && sb.Root != "" {
		if err := os.RemoveAll(sb.Root); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
