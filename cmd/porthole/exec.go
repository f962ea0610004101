package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"porthole/config"
	"porthole/remote"
)

// execStdout and execStderr are where porthole exec writes (tests swap them).
var (
	execStdout io.Writer = os.Stdout
	execStderr io.Writer = os.Stderr
)

func init() {
	register(&command{name: "exec", summary: "run one command on many hosts over SSH (-H HOSTS | -g GROUP -- COMMAND)", run: runExec})
}

// listFlag collects a repeatable, comma-separable flag.
type listFlag []string

// String joins the values (flag.Value).
func (l *listFlag) String() string { return strings.Join(*l, ",") }

// Set adds comma-separated values (flag.Value).
func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// execFlags are porthole exec's options.
type execFlags struct {
	hosts       []string // -H, as given (ranges expanded later)
	groups      listFlag // -g
	config      string
	sshConfig   string
	knownHosts  listFlag
	identities  listFlag
	concurrency int
	maxFailures int
	gather      bool
	progress    bool
	timeout     time.Duration
	noAgent     bool
	command     string
}

func parseExecFlags(args []string) (*execFlags, error) {
	f := &execFlags{}
	fs := flag.NewFlagSet("exec", flag.ContinueOnError)
	fs.Func("H", "hosts: ssh_config aliases or [user@]host[:port], comma-separated; ranges like mw[1001-1010]", func(v string) error {
		f.hosts = append(f.hosts, v)
		return nil
	})
	fs.Var(&f.groups, "g", "host group: a role under hosts: in the config (repeatable, comma-separated)")
	fs.StringVar(&f.config, "config", "", "porthole config (default $"+config.ConfigEnv+", else "+config.DefaultConfigPath()+")")
	fs.StringVar(&f.sshConfig, "F", "", "ssh_config file (default: the config's ssh_config, else ~/.ssh/config)")
	fs.Var(&f.knownHosts, "known-hosts", "known_hosts file (repeatable; default: the config's, else ssh_config's or ~/.ssh/known_hosts)")
	fs.Var(&f.identities, "i", "private key file to try first (repeatable)")
	fs.IntVar(&f.concurrency, "p", 0, "hosts at once (default: the config's concurrency, 32)")
	fs.IntVar(&f.concurrency, "concurrency", 0, "same as -p")
	fs.IntVar(&f.maxFailures, "max-failures", 0, "start no more hosts once this many failed (0: no limit)")
	fs.BoolVar(&f.gather, "b", false, "gather: print each distinct output once, under the hosts that gave it (like clush -b)")
	fs.BoolVar(&f.progress, "progress", false, "show progress on stderr, as scap prints it")
	fs.DurationVar(&f.timeout, "timeout", 0, "give up on a host whose command runs longer than this (0: no limit)")
	fs.BoolVar(&f.noAgent, "no-agent", false, "do not use ssh-agent keys")
	usage := func(w io.Writer) {
		fs.SetOutput(w)
		fmt.Fprintln(w, "usage: porthole exec (-H HOSTS | -g GROUP) [flags] -- COMMAND [ARGS...]")
		fmt.Fprintln(w, "\nRuns COMMAND (a shell command line, as ssh runs it) on every host, prints each line as")
		fmt.Fprintln(w, "\"host: line\", host after host in the order named (or gathered with -b), and exits 1")
		fmt.Fprintln(w, "when any host fails.\n\nflags:")
		fs.PrintDefaults()
	}
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(execStdout) // asked for: stdout
			return nil, err
		}
		usage(execStderr)
		return nil, usageError{err.Error()}
	}
	f.command = strings.TrimSpace(strings.Join(fs.Args(), " "))
	switch {
	case f.command == "":
		return nil, usageError{"no command given: write it after --, e.g. porthole exec -H h1,h2 -- uptime"}
	case len(f.hosts) == 0 && len(f.groups) == 0:
		return nil, usageError{"no hosts given: name them with -H host1,host2 or a config group with -g GROUP"}
	case f.concurrency < 0 || f.maxFailures < 0:
		return nil, usageError{"-p and --max-failures must not be negative"}
	}
	return f, nil
}

// resolveHosts expands -H and -g into one ordered list without duplicates.
func resolveHosts(f *execFlags, cfg *config.Config) ([]string, error) {
	var all []string
	for _, h := range f.hosts {
		hs, err := remote.ExpandHosts(h)
		if err != nil {
			return nil, usageError{err.Error()}
		}
		all = append(all, hs...)
	}
	for _, g := range f.groups {
		hs, ok := cfg.Hosts[g]
		if !ok {
			var known []string
			for k := range cfg.Hosts {
				known = append(known, k)
			}
			sort.Strings(known)
			if len(known) == 0 {
				return nil, usageError{fmt.Sprintf("no host group %q: the config defines no hosts: (give hosts with -H, or --config FILE)", g)}
			}
			return nil, usageError{fmt.Sprintf("no host group %q in the config; groups: %s", g, strings.Join(known, ", "))}
		}
		all = append(all, hs...)
	}
	seen := map[string]bool{}
	out := all[:0]
	for _, h := range all {
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	if len(out) == 0 {
		return nil, usageError{"the host list is empty"}
	}
	return out, nil
}

func runExec(ctx context.Context, args []string) error {
	f, err := parseExecFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	cfg, err := config.LoadConfig(f.config)
	if err != nil {
		return err
	}
	hosts, err := resolveHosts(f, cfg)
	if err != nil {
		return err
	}
	opts := remote.SSHOptions{
		ConfigPath:    cfg.SSHConfig,
		KnownHosts:    cfg.KnownHosts,
		IdentityFiles: f.identities,
		UseAgent:      !f.noAgent,
	}
	if f.sshConfig != "" {
		opts.ConfigPath = f.sshConfig
	}
	if len(f.knownHosts) > 0 {
		opts.KnownHosts = f.knownHosts
	}
	width := f.concurrency
	if width == 0 {
		width = cfg.Concurrency
	}
	pool := remote.NewPool(opts)
	defer pool.Close()
	execs := make([]remote.Executor, len(hosts))
	for i, h := range hosts {
		ex, err := pool.Get(h)
		if err != nil {
			return err
		}
		if f.timeout > 0 {
			ex = timeoutExecutor{Executor: ex, limit: f.timeout}
		}
		execs[i] = ex
	}

	out := newExecOutput(execStdout, execStderr, f.progress, hosts)
	defer out.close()
	cmd := remote.Command{Cmd: f.command}
	if f.gather {
		cmd.OnOutput = out.output
	} else {
		cmd.OnLine = out.line
	}
	results := remote.FanOut(ctx, execs, cmd, remote.FanOutOptions{
		Concurrency: width,
		MaxFailures: f.maxFailures,
		CloseEach:   true, // one command per host: at most -p connections (and fds) at once
		Name:        "exec",
		OnProgress:  out.setProgress,
		OnResult:    out.result,
	})
	out.finish()
	if f.gather {
		out.writeGathered(results)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %s", summarize(results))
	}
	for _, r := range results {
		if r.Failed() {
			return errors.New(summarize(results))
		}
	}
	return nil
}

// timeoutExecutor bounds each command's run time (porthole exec --timeout).
type timeoutExecutor struct {
	remote.Executor
	limit time.Duration
}

// Run runs cmd with the time limit.
func (t timeoutExecutor) Run(ctx context.Context, cmd remote.Command) (remote.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, t.limit)
	defer cancel()
	return t.Executor.Run(ctx, cmd)
}

// maxListed bounds how many failed hosts the summary names.
const maxListed = 20

// summarize is the one-line outcome: "2 ok, 2 failed: h3 (exit 3), h4 (connection refused)".
func summarize(results []remote.HostResult) string {
	var ok, failed, skipped int
	var named []string
	for _, r := range results {
		switch {
		case r.Skipped:
			skipped++
			continue
		case r.Failed():
			failed++
		default:
			ok++
			continue
		}
		if len(named) < maxListed {
			named = append(named, fmt.Sprintf("%s (%s)", r.Host, remote.Reason(r.Result, r.Err)))
		}
	}
	s := fmt.Sprintf("%d ok, %d failed", ok, failed)
	if skipped > 0 {
		s += fmt.Sprintf(", %d not started", skipped)
	}
	if len(named) > 0 {
		s += ": " + strings.Join(named, ", ")
		if failed > len(named) {
			s += fmt.Sprintf(" and %d more", failed-len(named))
		}
	}
	return s
}
