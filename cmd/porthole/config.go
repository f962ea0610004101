package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"porthole/config"
	"porthole/gerrit"
	"porthole/maint"
	"porthole/remote"
	"porthole/runbooks"
	"porthole/runbooks/journal"
)

// envFlags are the flags shared by every subcommand that loads the config.
type envFlags struct {
	config string // config file; "" for $PORTHOLE_CONFIG or the XDG default
	user   string // who is deploying, for journals and SAL; $USER when empty
}

// addEnvFlags registers -config and -user on fs.
func addEnvFlags(fs *flag.FlagSet) *envFlags {
	f := &envFlags{}
	fs.StringVar(&f.config, "config", "", "config file (default $"+config.ConfigEnv+", else "+config.DefaultConfigPath()+")")
	fs.StringVar(&f.user, "user", "", "who is deploying, as journaled and logged (default $USER)")
	return f
}

// noticeOut is where porthole says which defaults it falls back to (a test
// swaps it).
var noticeOut io.Writer = os.Stderr

// loadConfig reads the config the flags name (f may be nil); with no config
// file at all it says, before anything talks to it, which Gerrit the
// defaults are.
func loadConfig(f *envFlags) (*config.Config, error) {
	path := ""
	if f != nil {
		path = f.config
	}
	cfg, err := config.LoadConfig(path)
	if err == nil {
		if n := defaultsNotice(path, cfg); n != "" {
			fmt.Fprintln(noticeOut, "porthole: "+n)
		}
	}
	return cfg, err
}

// defaultsNotice says that no config file was found and which Gerrit the
// defaults talk to ("" when a config was named or read).
func defaultsNotice(path string, cfg *config.Config) string {
	if path != "" || os.Getenv(config.ConfigEnv) != "" {
		return ""
	}
	def := config.DefaultConfigPath()
	if _, err := os.Stat(def); err == nil {
		return ""
	}
	return fmt.Sprintf("no config file at %s: using the defaults, which talk to Gerrit at %s (anonymously) and name no hosts; "+
		"write that file, or pass --config FILE (porthole demo --serve writes one for the sandbox)", def, cfg.Gerrit.URL)
}

// loadEnv loads the config and wires what steps run against: the SSH pool
// (ssh_config, known_hosts, ssh-agent) behind the host roles, the Gerrit
// client (and stream-events over SSH when gerrit.ssh_host is set), the YAML
// runbooks (a bad file is logged), and the redacted file log under the
// state dir (made the default slog logger, so nothing is logged to the
// terminal). cleanup closes them all.
func loadEnv(ctx context.Context, f *envFlags) (*runbooks.Env, func(), error) {
	cfg, err := loadConfig(f)
	if err != nil {
		return nil, nil, err
	}
	return envWithRunbooks(ctx, cfg, f)
}

// envWithRunbooks is loadEnv for a config already in hand (the sandbox
// writes its own).
func envWithRunbooks(ctx context.Context, cfg *config.Config, f *envFlags) (*runbooks.Env, func(), error) {
	env, cleanup, err := envFromConfig(ctx, cfg, f)
	if err != nil {
		return nil, nil, err
	}
	logUserRunbooks(cfg)
	return env, cleanup, nil
}

// logUserRunbooks registers the YAML runbooks next to the built-ins for the
// TUI and plan; a bad file is the log's business, not the terminal's
// (porthole run registers them itself and says so on the terminal).
func logUserRunbooks(cfg *config.Config) {
	names, problems := maint.RegisterUserRunbooks(cfg)
	if len(names) > 0 {
		slog.Info("YAML runbooks registered", "names", strings.Join(names, " "))
	}
	for _, p := range problems {
		slog.Warn("skipped a YAML runbook", "err", p)
	}
}

// envFromConfig wires an Env for cfg as loadEnv does, without the YAML
// runbooks: porthole run registers those itself, once.
func envFromConfig(_ context.Context, cfg *config.Config, f *envFlags) (*runbooks.Env, func(), error) {
	var closers []io.Closer
	cleanup := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			_ = closers[i].Close()
		}
	}
	state := config.StateDir(cfg)
	if err := os.MkdirAll(journal.WindowsDir(state), 0o700); err != nil {
		return nil, nil, fmt.Errorf("creating the state dir %s: %w (set state_dir in the config to a writable directory)", state, err)
	}
	red := journal.NewRedactor(cfg)
	password, err := readPasswordFile(cfg)
	if err != nil {
		return nil, nil, err
	}
	red.Add(password)
	logger, logCloser, err := journal.OpenLog(state, red)
	if err != nil {
		return nil, nil, err
	}
	closers = append(closers, logCloser)
	slog.SetDefault(logger)

	pool := remote.NewPool(remote.SSHOptions{ConfigPath: cfg.SSHConfig, KnownHosts: cfg.KnownHosts, UseAgent: true})
	closers = append(closers, pool)

	env := &runbooks.Env{Config: cfg, Hosts: config.NewHosts(cfg, pool.Get), User: journal.CurrentUser(), Now: time.Now}
	if f != nil && f.user != "" {
		env.User = f.user
	}
	if cfg.Gerrit.URL != "" {
		gc, err := gerrit.New(cfg.Gerrit.URL, gerrit.Options{User: cfg.Gerrit.User, Password: password, WebURL: cfg.Gerrit.WebURL})
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		env.Gerrit = gc
	}
	if env.Events, err = gerritEvents(cfg, pool); err != nil {
		cleanup()
		return nil, nil, err
	}
	slog.Info("porthole started", "user", env.User, "gerrit", cfg.Gerrit.URL, "gerrit_ssh", cfg.Gerrit.SSHHost, "state", state)
	return env, cleanup, nil
}

// readPasswordFile reads the Gerrit HTTP password; it is never logged.
func readPasswordFile(cfg *config.Config) (string, error) {
	if cfg.Gerrit.PasswordFile == "" {
		return "", nil
	}
	st, err := os.Stat(cfg.Gerrit.PasswordFile)
	if err != nil {
		return "", fmt.Errorf("gerrit.password_file: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("gerrit.password_file %s is readable by others (mode %v): chmod 600 it", cfg.Gerrit.PasswordFile, st.Mode().Perm())
	}
	b, err := os.ReadFile(cfg.Gerrit.PasswordFile)
	if err != nil {
		return "", fmt.Errorf("gerrit.password_file: %w", err)
	}
	pw := strings.TrimSpace(string(b))
	if pw == "" {
		return "", errors.New("gerrit.password_file is empty: put the HTTP password from Gerrit's Settings → HTTP Credentials in it")
	}
	return pw, nil
}

// stateDir is where env's journals and log live.
func stateDir(env *runbooks.Env) string { return config.StateDir(env.Config) }

// openJournal opens the journal of plan's window under env's state dir,
// redacting with env's config (the Gerrit password, secret env variables).
func openJournal(env *runbooks.Env, plan *runbooks.Plan) (*journal.Journal, error) {
	j, err := runbooks.OpenJournal(stateDir(env), plan)
	if err != nil {
		return nil, err
	}
	j.SetRedactor(journal.NewRedactor(env.Config))
	return j, nil
}

// resumeWindow prepares an unfinished window for a Runner: it finds the
// journal by id (or unique prefix; "" for the newest unfinished window),
// rebuilds the plan, and reopens the journal for appending.
func resumeWindow(ctx context.Context, env *runbooks.Env, id string) (*runbooks.Plan, runbooks.RunOptions, *journal.Journal, error) {
	state := stateDir(env)
	if id == "" {
		un, err := journal.Unfinished(state)
		if err != nil {
			return nil, runbooks.RunOptions{}, nil, err
		}
		if len(un) == 0 {
			return nil, runbooks.RunOptions{}, nil, fmt.Errorf("no unfinished window under %s: porthole log lists the windows there are", journal.WindowsDir(state))
		}
		id = un[0].ID
	}
	path, err := journal.FindWindow(state, id)
	if err != nil {
		return nil, runbooks.RunOptions{}, nil, err
	}
	w, err := journal.LoadWindow(path)
	if err != nil {
		return nil, runbooks.RunOptions{}, nil, err
	}
	plan, opts, err := runbooks.Resume(ctx, env, w)
	if err != nil {
		return nil, runbooks.RunOptions{}, nil, err
	}
	j, err := openJournal(env, plan)
	if err != nil {
		return nil, runbooks.RunOptions{}, nil, err
	}
	return plan, opts, j, nil
}
