package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
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
