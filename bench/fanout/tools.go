package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"slices"
	"strings"

	"porthole/remote/sshtest"
)

// scenario is a set of hosts and how they are reached: directly, or
// through the bastion (jump is then its address, for gofan).
type scenario struct {
	name      string // "direct" or "bastion"
	n         int
	cfg       string // ssh_config every tool reads
	jump      string // bastion host:port, "" when direct
	hostsFile string // h1..hN, for parallel-ssh
	addrsFile string // 127.0.0.1:port per host, for gofan
	hostRange string // h[1-N]
	xdg       string // an empty config home: porthole reads no config
	width     int
	nofile    int
	c         *sshtest.Cluster
	bin       string
}

// label names a scenario in the tables: "direct-100", "bastion-100".
func (s *scenario) label() string { return fmt.Sprintf("%s-%d", s.name, s.n) }

func newScenario(c *sshtest.Cluster, o options, name string, n int, cfg, jump string) *scenario {
	dir := filepath.Join(o.out, fmt.Sprintf("%s-%d", name, n))
	must(os.MkdirAll(filepath.Join(dir, "xdg"), 0o755))
	var hs, as strings.Builder
	for i := 0; i < n; i++ {
		hs.WriteString(c.Hosts[i] + "\n")
		as.WriteString(c.Addr(i) + "\n")
	}
	sc := &scenario{name: name, n: n, cfg: cfg, jump: jump, hostsFile: filepath.Join(dir, "hosts"),
		addrsFile: filepath.Join(dir, "addrs"), hostRange: fmt.Sprintf("h[1-%d]", n),
		xdg: filepath.Join(dir, "xdg"), width: o.width, nofile: o.nofile, c: c, bin: o.bin}
	must(os.WriteFile(sc.hostsFile, []byte(hs.String()), 0o644))
	must(os.WriteFile(sc.addrsFile, []byte(as.String()), 0o644))
	return sc
}

// tool is one fan-out program under test.
type tool struct {
	name   string
	argv   func(w workload) []string
	format string // "prefixed" (host: line) or "blocks" (a header line per host, then its output)
	header *regexp.Regexp
}

// tools4 are the tools selected with -tools, set up for scenario sc.
func tools4(o options, sc *scenario) []tool {
	p := fmt.Sprint(sc.width)
	c := sc.c
	all := []tool{
		{name: "porthole", format: "prefixed", argv: func(w workload) []string {
			return []string{filepath.Join(sc.bin, "porthole"), "exec", "-F", sc.cfg, "--known-hosts", c.KnownHostsPath,
				"--no-agent", "-p", p, "-H", sc.hostRange, "--", w.cmd}
		}},
		{name: "pssh", format: "blocks", header: regexp.MustCompile(`^\[\d+\] \d\d:\d\d:\d\d \[(SUCCESS|FAILURE)\] (\S+)`), argv: func(w workload) []string {
			return []string{"parallel-ssh", "-h", sc.hostsFile, "-p", p, "-t", "0", "-x", "-F " + sc.cfg, "-i", w.cmd}
		}},
		{name: "clush", format: "prefixed", argv: func(w workload) []string {
			return []string{"clush", "-n", "-w", sc.hostRange, "-f", p, "-o", "-F " + sc.cfg, w.cmd}
		}},
		{name: "gofan", format: "blocks", header: regexp.MustCompile(`^\[\d+\] (SUCCESS|FAILURE) (\S+)$`), argv: func(w workload) []string {
			argv := []string{filepath.Join(sc.bin, "gofan"), "-addrs", sc.addrsFile, "-p", p, "-key", c.KeyPath,
				"-known", c.KnownHostsPath, "-user", c.User, "-cmd", w.cmd}
			if sc.jump != "" {
				argv = append(argv, "-jump", sc.jump)
			}
			return argv
		}},
	}
	return slices.DeleteFunc(all, func(t tool) bool { return !slices.Contains(o.tools, t.name) })
}

func runtime() string { return fmt.Sprintf("%d CPUs, %s", goruntime.NumCPU(), goruntime.Version()) }
