// Command fanout benchmarks `porthole exec` against parallel-ssh, clush and a
// bare x/crypto/ssh loop (gofan) on loopback hosts served by real sshd
// processes (remote/sshtest, 16 ports per sshd), with the same keys and
// known_hosts for every tool, directly and through a ProxyJump bastion (one
// more real sshd). Every tool runs under the same file-descriptor limit
// (-nofile, 1024 by default). It checks every run's output for
// completeness, prints tables and the ratios, and exits 1 when a check or a
// target fails (see targets.go).
//
// Run it with bench/fanout.sh (see bench/README.md).
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"porthole/remote/sshtest"
)

// workload is one remote command and what each host must print.
type workload struct {
	name  string
	cmd   string
	lines int // per host
	bytes int // per host, newlines included
}

var workloads = []workload{
	{name: "true", cmd: "true"},
	// 100,000 zero bytes in base64: 1,754 lines of 76 "A" and one of 30 "A" + "==".
	{name: "135KB", cmd: "sh -c 'head -c 100000 /dev/zero | base64'", lines: 1755, bytes: 135091},
}

// options are the harness's flags.
type options struct {
	n, bastion, base, width, reps, nofile int
	slowReps                              int // runs of parallel-ssh and clush
	bin, out                              string
	tools, works                          []string
}

func main() {
	o, serve := parseOptions()
	o.out, _ = filepath.Abs(o.out)
	o.bin, _ = filepath.Abs(o.bin)
	clusterDir := filepath.Join(o.out, "cluster")
	_ = os.RemoveAll(clusterDir)
	must(os.MkdirAll(clusterDir, 0o755))

	// One host more than -n: the last one is the bastion.
	fmt.Printf("starting %d loopback hosts (the last one is the bastion)...\n", o.n+1)
	c, err := sshtest.New(clusterDir, o.n+1, sshtest.PortsPerSSHD(sshtest.MaxPortsPerSSHD))
	if err != nil {
		die(err.Error())
	}
	defer c.Close()
	fmt.Printf("%d hosts on %d sshd processes\n", o.n+1, len(c.PIDs()))
	jumpCfg := writeJumpConfig(c, o.out, o.n)
	if serve {
		serveUntilSignal(c, o, jumpCfg)
		return
	}
	cases := plan(c, o, jumpCfg)
	printEnv(o)
	warmUp(c, o)
	runs := runCases(c, o, cases)
	writeTSV(filepath.Join(o.out, "fanout.tsv"), runs)
	if !report(runs, cases, o) {
		os.Exit(1)
	}
}

// parseOptions reads the flags, checks them and the tools every run needs,
// and says whether only to serve the hosts (-serve).
func parseOptions() (options, bool) {
	var o options
	var tools, works string
	flag.IntVar(&o.n, "n", 100, "loopback hosts reached directly")
	flag.IntVar(&o.bastion, "bastion", 100, "hosts reached through one ProxyJump bastion (0: no bastion workload)")
	flag.IntVar(&o.base, "base", 100, "when -n is larger, porthole and gofan also run on this many hosts (cost per host at -n vs here)")
	flag.IntVar(&o.reps, "reps", 3, "timed runs per tool and workload (at least 3)")
	flag.IntVar(&o.slowReps, "slow-reps", 0, "timed runs of parallel-ssh and clush when fewer than -reps (1,000 hosts: minutes each)")
	flag.IntVar(&o.width, "p", 32, "concurrency for every tool")
	flag.IntVar(&o.nofile, "nofile", 1024, "file-descriptor limit (soft and hard) every tool runs under")
	flag.StringVar(&o.bin, "bin", "bench/out", "directory holding the porthole and gofan binaries")
	flag.StringVar(&o.out, "out", "bench/out", "directory for the cluster, outputs and results")
	flag.StringVar(&tools, "tools", "porthole,pssh,clush,gofan", "tools to run")
	flag.StringVar(&works, "work", "true,135KB", "workloads to run")
	serve := flag.Bool("serve", false, "only start the hosts, print how to reach them, and wait for Ctrl-C")
	flag.Parse()
	o.tools, o.works = strings.Split(tools, ","), strings.Split(works, ",")
	switch {
	case o.reps < 3:
		die("use -reps 3 or more: a median of fewer runs means little")
	case o.slowReps == 0:
		o.slowReps = o.reps
	case o.n < 1 || o.bastion < 0 || o.bastion > o.n:
		die("-n must be at least 1 and -bastion from 0 to -n")
	}
	for _, need := range []string{"parallel-ssh", "clush", "ssh", "prlimit"} {
		if _, err := exec.LookPath(need); err != nil {
			die(need + " not found: apt-get install pssh clustershell openssh-client util-linux")
		}
	}
	return o, *serve
}

// serveUntilSignal prints how to reach the hosts and waits for Ctrl-C.
func serveUntilSignal(c *sshtest.Cluster, o options, jumpCfg string) {
	fmt.Printf("ssh_config:  %s (through the bastion: %s)\nknown_hosts: %s\ntry: %s exec -F %s --known-hosts %s --no-agent -H 'h[1-%d]' -- uptime\n",
		c.SSHConfigPath, jumpCfg, c.KnownHostsPath, filepath.Join(o.bin, "porthole"), c.SSHConfigPath, c.KnownHostsPath, o.n)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
}

// warmUp runs each tool once on 10 hosts, untimed, and stops on a failure.
func warmUp(c *sshtest.Cluster, o options) {
	fmt.Println("warm-up run of each tool on 10 hosts...")
	warm := newScenario(c, o, "warm-up", min(10, o.n), c.SSHConfigPath, "")
	for _, t := range tools4(o, warm) {
		r := measure(c, t, warm, workloads[0], 0, o.out)
		if r.problem != "" {
			die(fmt.Sprintf("warm-up: %s failed: %s", t.name, r.problem))
		}
	}
}

// runCases runs every case -reps times, the tools in a new random order each
// time, printing each run as it ends.
func runCases(c *sshtest.Cluster, o options, cases []benchCase) []run {
	var runs []run
	for rep := 1; rep <= o.reps; rep++ {
		for _, k := range cases {
			order := slices.Clone(k.tools)
			rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			for _, t := range order {
				if rep > o.slowReps && (t.name == "pssh" || t.name == "clush") {
					continue
				}
				r := measure(c, t, k.sc, k.w, rep, o.out)
				runs = append(runs, r)
				status := "ok"
				if r.problem != "" {
					status = "PROBLEM: " + r.problem + " (stderr kept in " + keepErr(o.out, r) + ")"
				}
				fmt.Printf("rep %d %-12s %-6s %-9s %7.2fs  %5.1f MB  %s\n", rep, k.sc.label(), k.w.name, t.name,
					r.wall.Seconds(), float64(r.maxRSS)/(1<<20), status)
			}
		}
	}
	return runs
}

// benchCase is one scenario and workload, with the tools that run it.
type benchCase struct {
	sc    *scenario
	w     workload
	tools []tool
}

// plan lists the cases: direct at -n with every tool; at -base with
// porthole and gofan when -n is larger; through the bastion at -bastion.
func plan(c *sshtest.Cluster, o options, jumpCfg string) []benchCase {
	scs := []*scenario{newScenario(c, o, "direct", o.n, c.SSHConfigPath, "")}
	if o.n > o.base {
		scs = append(scs, newScenario(c, o, "direct", o.base, c.SSHConfigPath, ""))
	}
	if o.bastion > 0 {
		scs = append(scs, newScenario(c, o, "bastion", o.bastion, jumpCfg, c.Addr(o.n)))
	}
	var cases []benchCase
	for _, w := range workloads {
		if !slices.Contains(o.works, w.name) {
			continue
		}
		for i, sc := range scs {
			ts := tools4(o, sc)
			if o.n > o.base && i == 1 { // the per-host baseline: only what the scaling target compares
				ts = slices.DeleteFunc(ts, func(t tool) bool { return t.name != "porthole" && t.name != "gofan" })
			}
			cases = append(cases, benchCase{sc: sc, w: w, tools: ts})
		}
	}
	if len(cases) == 0 {
		die("no workload selected: -work takes true and/or 135KB")
	}
	return cases
}

// writeJumpConfig writes an ssh_config where h1..hN go through "bastion"
// (the cluster's last host) with ProxyJump, sharing the rest of the cluster's file.
func writeJumpConfig(c *sshtest.Cluster, out string, n int) string {
	orig, err := os.ReadFile(c.SSHConfigPath)
	must(err)
	_, common, ok := strings.Cut(string(orig), "Host *\n")
	if !ok {
		die("the cluster's ssh_config has no Host * section")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %d hosts behind one ProxyJump bastion\nHost bastion\n    HostName 127.0.0.1\n    Port %d\n", n, c.Ports[n])
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "Host %s\n    HostName 127.0.0.1\n    Port %d\n    ProxyJump bastion\n", c.Hosts[i], c.Ports[i])
	}
	b.WriteString("Host *\n" + common)
	path := filepath.Join(out, "ssh_config.bastion")
	must(os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

// measure runs one tool once, timed, under the fd limit, and checks its output.
func measure(c *sshtest.Cluster, t tool, sc *scenario, w workload, rep int, out string) run {
	if err := c.WaitIdle(60 * time.Second); err != nil {
		die(err.Error())
	}
	argv := append([]string{"prlimit", fmt.Sprintf("--nofile=%d:%d", sc.nofile, sc.nofile), "--"}, t.argv(w)...)
	stdoutPath := filepath.Join(out, "run.out")
	stderrPath := filepath.Join(out, "run.err")
	so, err := os.Create(stdoutPath)
	must(err)
	se, err := os.Create(stderrPath)
	must(err)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = so, se
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+sc.xdg, "PORTHOLE_CONFIG=")
	cpu0 := c.CPU()
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	so.Close()
	se.Close()
	if werr := c.WaitIdle(60 * time.Second); werr != nil {
		die(werr.Error())
	}
	r := run{rep: rep, scenario: sc.label(), n: sc.n, work: w.name, tool: t.name, wall: wall, sshdCPU: c.CPU() - cpu0}
	if ps := cmd.ProcessState; ps != nil {
		r.cpu = ps.UserTime() + ps.SystemTime()
		r.exitCode = ps.ExitCode()
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			r.maxRSS = ru.Maxrss * 1024 // Linux reports KiB
		}
	}
	if st, err := os.Stat(stdoutPath); err == nil {
		r.outBytes = st.Size()
	}
	if err != nil {
		errText, _ := os.ReadFile(stderrPath)
		r.problem = fmt.Sprintf("exit %d: %s", r.exitCode, firstLine(string(errText)))
		return r
	}
	r.problem = check(t, w, stdoutPath, sc.n)
	return r
}

// keepErr copies a problem run's stderr aside (run.err is overwritten by the next run).
func keepErr(out string, r run) string {
	dst := filepath.Join(out, fmt.Sprintf("problem-%s-%s-%s-%d.err", r.scenario, r.work, r.tool, r.rep))
	if data, err := os.ReadFile(filepath.Join(out, "run.err")); err == nil {
		_ = os.WriteFile(dst, data, 0o644)
	}
	return dst
}

func printEnv(o options) {
	ver := func(argv ...string) string {
		out, _ := exec.Command(argv[0], argv[1:]...).CombinedOutput()
		return firstLine(string(out))
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("%d hosts direct, %d through the bastion, concurrency %d, fd limit %d, %s\n",
		o.n, o.bastion, o.width, o.nofile, runtime())
	fmt.Printf("ssh: %s | parallel-ssh %s | clush %s\n", ver("ssh", "-V"), ver("parallel-ssh", "--version"), ver("clush", "--version"))
	fmt.Printf("load average at start: %s", load)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func must(err error) {
	if err != nil {
		die(err.Error())
	}
}

func die(msg string) {
	fmt.Fprintln(os.Stderr, "fanout:", msg)
	os.Exit(2)
}
