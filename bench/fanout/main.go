// Command fanout benchmarks `porthole exec` against parallel-ssh, clush and a
// bare x/crypto/ssh loop (gofan) on loopback hosts served by real sshd
// processes (remote/sshtest, 16 ports per sshd), with the same keys and
// known_hosts for every tool. It checks every run's output for completeness,
// prints a table and the ratios, and exits 1 when a check or a target fails:
// porthole at least 3x faster than parallel-ssh, within 1.3x of gofan.
//
// Run it with bench/fanout.sh (see bench/README.md).
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
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

// tool is one fan-out program under test.
type tool struct {
	name   string
	argv   func(w workload) []string
	format string // "prefixed" (host: line) or "blocks" (a header line per host, then its output)
	header *regexp.Regexp
}

// run is one timed run.
type run struct {
	rep      int
	work     string
	tool     string
	wall     time.Duration
	cpu      time.Duration // the tool and the children it waited for
	sshdCPU  time.Duration
	exitCode int
	outBytes int64
	problem  string // "" when the output was complete and right
}

func main() {
	n := flag.Int("n", 100, "loopback hosts")
	reps := flag.Int("reps", 3, "timed runs per tool and workload (at least 3)")
	width := flag.Int("p", 32, "concurrency for every tool")
	bin := flag.String("bin", "bench/out", "directory holding the porthole and gofan binaries")
	outDir := flag.String("out", "bench/out", "directory for the cluster, outputs and results")
	only := flag.String("tools", "porthole,pssh,clush,gofan", "tools to run")
	serve := flag.Bool("serve", false, "only start the hosts, print how to reach them, and wait for Ctrl-C")
	flag.Parse()
	if *reps < 3 {
		die("use -reps 3 or more: a median of fewer runs means little")
	}
	for _, need := range []string{"parallel-ssh", "clush", "ssh"} {
		if _, err := exec.LookPath(need); err != nil {
			die(need + " not found: apt-get install pssh clustershell openssh-client")
		}
	}
	out, _ := filepath.Abs(*outDir)
	binDir, _ := filepath.Abs(*bin)
	clusterDir := filepath.Join(out, "cluster")
	_ = os.RemoveAll(clusterDir)
	must(os.MkdirAll(clusterDir, 0o755))

	fmt.Printf("starting %d loopback hosts...\n", *n)
	c, err := sshtest.New(clusterDir, *n, sshtest.PortsPerSSHD(sshtest.MaxPortsPerSSHD))
	if err != nil {
		die(err.Error())
	}
	defer c.Close()
	fmt.Printf("%d hosts on %d sshd processes\n", *n, len(c.PIDs()))
	if *serve {
		fmt.Printf("ssh_config:  %s\nknown_hosts: %s\ntry: %s exec -F %s --known-hosts %s --no-agent -H 'h[1-%d]' -- uptime\n",
			c.SSHConfigPath, c.KnownHostsPath, filepath.Join(binDir, "porthole"), c.SSHConfigPath, c.KnownHostsPath, *n)
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		return
	}

	hostsFile := filepath.Join(out, "hosts")
	addrsFile := filepath.Join(out, "addrs")
	var hs, as strings.Builder
	for i, h := range c.Hosts {
		hs.WriteString(h + "\n")
		as.WriteString(c.Addr(i) + "\n")
	}
	must(os.WriteFile(hostsFile, []byte(hs.String()), 0o644))
	must(os.WriteFile(addrsFile, []byte(as.String()), 0o644))
	xdg := filepath.Join(out, "xdg") // an empty config home: porthole reads no config
	must(os.MkdirAll(xdg, 0o755))

	p := fmt.Sprint(*width)
	hostRange := fmt.Sprintf("h[1-%d]", *n)
	tools := []tool{
		{name: "porthole", format: "prefixed", argv: func(w workload) []string {
			return []string{filepath.Join(binDir, "porthole"), "exec", "-F", c.SSHConfigPath, "--known-hosts", c.KnownHostsPath,
				"--no-agent", "-p", p, "-H", hostRange, "--", w.cmd}
		}},
		{name: "pssh", format: "blocks", header: regexp.MustCompile(`^\[\d+\] \d\d:\d\d:\d\d \[(SUCCESS|FAILURE)\] (\S+)`), argv: func(w workload) []string {
			return []string{"parallel-ssh", "-h", hostsFile, "-p", p, "-t", "0", "-x", "-F " + c.SSHConfigPath, "-i", w.cmd}
		}},
		{name: "clush", format: "prefixed", argv: func(w workload) []string {
			return []string{"clush", "-n", "-w", hostRange, "-f", p, "-o", "-F " + c.SSHConfigPath, w.cmd}
		}},
		{name: "gofan", format: "blocks", header: regexp.MustCompile(`^\[\d+\] (SUCCESS|FAILURE) (\S+)$`), argv: func(w workload) []string {
			return []string{filepath.Join(binDir, "gofan"), "-addrs", addrsFile, "-p", p, "-key", c.KeyPath,
				"-known", c.KnownHostsPath, "-user", c.User, "-cmd", w.cmd}
		}},
	}
	tools = slices.DeleteFunc(tools, func(t tool) bool { return !slices.Contains(strings.Split(*only, ","), t.name) })

	printEnv(*n, *width)
	fmt.Println("warm-up run of each tool...")
	for _, t := range tools {
		r := measure(c, t, workloads[0], 0, out, *n, xdg)
		if r.problem != "" {
			die(fmt.Sprintf("warm-up: %s failed: %s", t.name, r.problem))
		}
	}
	var runs []run
	for rep := 1; rep <= *reps; rep++ {
		for _, w := range workloads {
			order := slices.Clone(tools)
			rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			for _, t := range order {
				r := measure(c, t, w, rep, out, *n, xdg)
				runs = append(runs, r)
				status := "ok"
				if r.problem != "" {
					status = "PROBLEM: " + r.problem
				}
				fmt.Printf("rep %d %-6s %-9s %6.2fs  %s\n", rep, w.name, t.name, r.wall.Seconds(), status)
			}
		}
	}
	writeTSV(filepath.Join(out, "fanout.tsv"), runs)
	if !report(runs, tools, *n) {
		os.Exit(1)
	}
}

// measure runs one tool once, timed, and checks its output.
func measure(c *sshtest.Cluster, t tool, w workload, rep int, out string, n int, xdg string) run {
	if err := c.WaitIdle(30 * time.Second); err != nil {
		die(err.Error())
	}
	argv := t.argv(w)
	stdoutPath := filepath.Join(out, "run.out")
	stderrPath := filepath.Join(out, "run.err")
	so, err := os.Create(stdoutPath)
	must(err)
	se, err := os.Create(stderrPath)
	must(err)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = so, se
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+xdg, "PORTHOLE_CONFIG=")
	cpu0 := c.CPU()
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	so.Close()
	se.Close()
	if werr := c.WaitIdle(30 * time.Second); werr != nil {
		die(werr.Error())
	}
	r := run{rep: rep, work: w.name, tool: t.name, wall: wall, sshdCPU: c.CPU() - cpu0}
	if cmd.ProcessState != nil {
		r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		r.exitCode = cmd.ProcessState.ExitCode()
	}
	if st, err := os.Stat(stdoutPath); err == nil {
		r.outBytes = st.Size()
	}
	if err != nil {
		errText, _ := os.ReadFile(stderrPath)
		r.problem = fmt.Sprintf("exit %d: %s", r.exitCode, firstLine(string(errText)))
		return r
	}
	r.problem = check(t, w, stdoutPath, n)
	return r
}

var (
	fullLine = strings.Repeat("A", 76)
	lastLine = strings.Repeat("A", 30) + "=="
)

// check verifies that every host's output arrived, complete and intact.
func check(t tool, w workload, path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	lines := map[string]int{}
	bytesOf := map[string]int{}
	headers := map[string]bool{}
	cur := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		var host, text string
		switch t.format {
		case "prefixed":
			i := strings.Index(line, ": ")
			if i < 0 {
				return fmt.Sprintf("unprefixed line %q", line)
			}
			host, text = line[:i], line[i+2:]
		case "blocks":
			if m := t.header.FindStringSubmatch(line); m != nil {
				if m[1] != "SUCCESS" {
					return "a host failed: " + line
				}
				cur = m[2]
				headers[cur] = true
				continue
			}
			if cur == "" {
				return fmt.Sprintf("output before any host header: %q", line)
			}
			host, text = cur, line
		}
		if text != fullLine && text != lastLine {
			return fmt.Sprintf("%s printed a wrong line %q", host, text)
		}
		lines[host]++
		bytesOf[host] += len(text) + 1
	}
	if err := sc.Err(); err != nil {
		return err.Error()
	}
	if t.format == "blocks" && len(headers) != n {
		return fmt.Sprintf("%d host headers, want %d", len(headers), n)
	}
	if w.lines == 0 {
		if len(lines) > 0 {
			return "output from a command that prints nothing"
		}
		return ""
	}
	if len(lines) != n {
		return fmt.Sprintf("output from %d hosts, want %d", len(lines), n)
	}
	for h, l := range lines {
		if l != w.lines || bytesOf[h] != w.bytes {
			return fmt.Sprintf("%s: %d lines / %d bytes, want %d / %d", h, l, bytesOf[h], w.lines, w.bytes)
		}
	}
	return ""
}

type stats struct {
	median, min, max, cpu, sshd time.Duration
	ok                          bool
}

func summarize(runs []run, work, tool string) stats {
	var walls, cpus, sshds []time.Duration
	s := stats{ok: true}
	for _, r := range runs {
		if r.work != work || r.tool != tool {
			continue
		}
		walls, cpus, sshds = append(walls, r.wall), append(cpus, r.cpu), append(sshds, r.sshdCPU)
		if r.problem != "" {
			s.ok = false
		}
	}
	if len(walls) == 0 {
		return s
	}
	s.median, s.cpu, s.sshd = median(walls), median(cpus), median(sshds)
	s.min, s.max = slices.Min(walls), slices.Max(walls)
	return s
}

func median(d []time.Duration) time.Duration {
	d = slices.Clone(d)
	slices.Sort(d)
	if len(d)%2 == 1 {
		return d[len(d)/2]
	}
	return (d[len(d)/2-1] + d[len(d)/2]) / 2
}

// report prints the table and the ratios; false when a check or target failed.
func report(runs []run, tools []tool, n int) bool {
	fmt.Println()
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\ttool\twall median s\tmin-max s\tclient CPU ms/host\tsshd CPU ms/host\toutput\t")
	good := true
	for _, w := range workloads {
		for _, t := range tools {
			s := summarize(runs, w.name, t.name)
			check := "complete"
			if !s.ok {
				check, good = "PROBLEM", false
			}
			fmt.Fprintf(tw, "%s\t%s\t%.2f\t%.2f-%.2f\t%.1f\t%.1f\t%s\t\n", w.name, t.name, s.median.Seconds(),
				s.min.Seconds(), s.max.Seconds(), ms(s.cpu)/float64(n), ms(s.sshd)/float64(n), check)
		}
	}
	tw.Flush()
	fmt.Println()
	has := func(name string) bool { return slices.ContainsFunc(tools, func(t tool) bool { return t.name == name }) }
	for _, w := range workloads {
		ph := summarize(runs, w.name, "porthole").median
		if ph == 0 {
			continue
		}
		if has("pssh") {
			r := summarize(runs, w.name, "pssh").median.Seconds() / ph.Seconds()
			verdict := "ok (target >= 3)"
			if r < 3 {
				verdict, good = "MISSED (target >= 3)", false
			}
			fmt.Printf("%-6s pssh/porthole     = %5.2fx  %s\n", w.name, r, verdict)
		}
		if has("clush") {
			r := summarize(runs, w.name, "clush").median.Seconds() / ph.Seconds()
			fmt.Printf("%-6s clush/porthole    = %5.2fx\n", w.name, r)
		}
		if has("gofan") {
			r := ph.Seconds() / summarize(runs, w.name, "gofan").median.Seconds()
			verdict := "ok (target <= 1.3)"
			if r > 1.3 {
				verdict, good = "MISSED (target <= 1.3)", false
			}
			fmt.Printf("%-6s porthole/bare-go  = %5.2fx  %s\n", w.name, r, verdict)
		}
	}
	if good {
		fmt.Println("\nall outputs complete, all targets met")
	} else {
		fmt.Println("\nFAILED: see PROBLEM / MISSED above")
	}
	return good
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func writeTSV(path string, runs []run) {
	var b bytes.Buffer
	b.WriteString("rep\twork\ttool\texit\twall_s\tclient_cpu_s\tsshd_cpu_s\tout_bytes\tproblem\n")
	for _, r := range runs {
		fmt.Fprintf(&b, "%d\t%s\t%s\t%d\t%.3f\t%.3f\t%.2f\t%d\t%s\n", r.rep, r.work, r.tool, r.exitCode,
			r.wall.Seconds(), r.cpu.Seconds(), r.sshdCPU.Seconds(), r.outBytes, r.problem)
	}
	must(os.WriteFile(path, b.Bytes(), 0o644))
	fmt.Println("raw runs:", path)
}

func printEnv(n, width int) {
	ver := func(argv ...string) string {
		out, _ := exec.Command(argv[0], argv[1:]...).CombinedOutput()
		return firstLine(string(out))
	}
	fmt.Printf("%d hosts, concurrency %d, %d CPUs, %s\n", n, width, runtime.NumCPU(), runtime.Version())
	fmt.Printf("ssh: %s | parallel-ssh %s | clush %s\n", ver("ssh", "-V"), ver("parallel-ssh", "--version"), ver("clush", "--version"))
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
