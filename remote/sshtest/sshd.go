package sshtest

import (
	"crypto/ed25519"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

const (
	sigStop = syscall.SIGSTOP
	sigCont = syscall.SIGCONT
)

// readyTimeout bounds how long an sshd may take to listen.
const readyTimeout = 15 * time.Second

// sshd is one sshd process serving some ports.
type sshd struct {
	c       *Cluster
	idx     int
	ports   []int
	dir     string
	cfgPath string
	keyPath string
	logPath string
	hostKey ssh.Signer

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd exited
}

func (c *Cluster) newSSHD(idx, nports int) (*sshd, error) {
	dir := filepath.Join(c.Dir, fmt.Sprintf("sshd%d", idx+1))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	p := &sshd{c: c, idx: idx, ports: make([]int, nports), dir: dir,
		cfgPath: filepath.Join(dir, "sshd_config"),
		keyPath: filepath.Join(dir, "ssh_host_ed25519_key"),
		logPath: filepath.Join(dir, "sshd.log")}
	return p, p.writeHostKey()
}

func (p *sshd) writeHostKey() error {
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return err
	}
	block, err := ssh.MarshalPrivateKey(priv, fmt.Sprintf("sshtest-host-%d", p.idx+1))
	if err != nil {
		return err
	}
	if err := os.WriteFile(p.keyPath, pem.EncodeToMemory(block), 0o600); err != nil {
		return err
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return err
	}
	p.c.mu.Lock()
	p.hostKey = s
	p.c.mu.Unlock()
	return nil
}

// startFresh picks free ports and starts; a port taken meanwhile by
// another process is retried with new ones.
func (p *sshd) startFresh() error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = p.pickPorts(); err != nil {
			return err
		}
		err = p.start()
		if err == nil || !errors.Is(err, errPortTaken) {
			return err
		}
	}
	return err
}

var errPortTaken = errors.New("port already in use")

func (p *sshd) pickPorts() error {
	ls := make([]net.Listener, 0, len(p.ports))
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for i := range p.ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("no free loopback port: %v", err)
		}
		ls = append(ls, l)
		p.ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return nil
}

func (p *sshd) writeConfig() error {
	var b strings.Builder
	fmt.Fprintf(&b, "# sshtest sshd %d\nListenAddress 127.0.0.1\n", p.idx+1)
	for _, port := range p.ports {
		fmt.Fprintf(&b, "Port %d\n", port)
	}
	fmt.Fprintf(&b, `HostKey %q
PidFile none
AuthorizedKeysFile %q
StrictModes no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
MaxStartups 200:30:300
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding yes
Subsystem sftp /usr/lib/openssh/sftp-server
LogLevel %s
`, p.keyPath, filepath.Join(p.c.Dir, "authorized_keys"), p.c.set.logLevel)
	// SHLVL=1 keeps bash from sourcing ~/.bashrc for every command (see reference/perf.md).
	env := append([]string{"SHLVL=1"}, p.c.set.env...)
	b.WriteString("SetEnv")
	for _, e := range env {
		fmt.Fprintf(&b, " %q", e)
	}
	b.WriteByte('\n')
	return os.WriteFile(p.cfgPath, []byte(b.String()), 0o644)
}

// start runs sshd on p.ports and waits until it listens on all of them.
func (p *sshd) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return nil
	}
	if err := p.writeConfig(); err != nil {
		return err
	}
	logStart := int64(0)
	if st, err := os.Stat(p.logPath); err == nil {
		logStart = st.Size()
	}
	cmd := exec.Command(p.c.bin, "-D", "-f", p.cfgPath, "-E", p.logPath)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Dir = p.dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot start %s: %v", p.c.bin, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	p.cmd, p.done = cmd, done

	deadline := time.Now().Add(readyTimeout)
	for {
		log := readFrom(p.logPath, logStart)
		listening := 0
		for _, port := range p.ports {
			if strings.Contains(log, fmt.Sprintf("Server listening on 127.0.0.1 port %d.", port)) {
				listening++
			}
		}
		if listening == len(p.ports) {
			return nil
		}
		exited := false
		select {
		case <-done:
			exited = true
		default:
		}
		taken := strings.Contains(log, "Address already in use")
		if exited || taken || time.Now().After(deadline) {
			p.killLocked()
			msg := strings.TrimSpace(log + stderr.String())
			if taken {
				return fmt.Errorf("sshd %d: %w: %s", p.idx+1, errPortTaken, msg)
			}
			if exited {
				return fmt.Errorf("sshd %d (%s) exited at start: %s", p.idx+1, p.cfgPath, msg)
			}
			return fmt.Errorf("sshd %d (%s) not listening after %s: %s", p.idx+1, p.cfgPath, readyTimeout, msg)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func readFrom(path string, off int64) string {
	b, err := os.ReadFile(path)
	if err != nil || int64(len(b)) < off {
		return ""
	}
	return string(b[off:])
}

// stop kills sshd and all its sessions; it is a no-op when not running.
func (p *sshd) stop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.killLocked()
}

func (p *sshd) killLocked() error {
	if p.cmd == nil {
		return nil
	}
	killTree(p.cmd.Process.Pid)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		return fmt.Errorf("sshd %d (pid %d) did not die", p.idx+1, p.cmd.Process.Pid)
	}
	p.cmd, p.done = nil, nil
	return nil
}

func (p *sshd) signalTree(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return fmt.Errorf("sshd %d is not running", p.idx+1)
	}
	if sig == sigStop {
		stopTree(p.cmd.Process.Pid)
		return nil
	}
	for _, q := range append([]int{p.cmd.Process.Pid}, descendants(p.cmd.Process.Pid)...) {
		_ = syscall.Kill(q, sig)
	}
	return nil
}

// stopTree sends SIGSTOP to pid and its descendants, parents first and
// again until no new process shows up, so none forks a child it misses.
func stopTree(pid int) []int {
	seen := map[int]bool{}
	order := []int{}
	for round := 0; round < 10; round++ {
		found := false
		for _, q := range append([]int{pid}, descendants(pid)...) {
			if !seen[q] {
				seen[q] = true
				order = append(order, q)
				found = true
				_ = syscall.Kill(q, syscall.SIGSTOP)
			}
		}
		if !found {
			break
		}
	}
	return order
}

// killTree freezes pid and all its descendants (so none forks meanwhile), then kills them.
func killTree(pid int) {
	for _, q := range stopTree(pid) {
		_ = syscall.Kill(q, syscall.SIGKILL)
	}
}

// descendants lists every process below pid, from /proc.
func descendants(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		q, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		pp, _ := strconv.Atoi(f[1])
		children[pp] = append(children[pp], q)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		for _, ch := range children[q] {
			out = append(out, ch)
			queue = append(queue, ch)
		}
	}
	return out
}

func hashHostname(name string) string { return knownhosts.HashHostname(name) }

// children lists pid's direct children, from /proc.
func children(pid int) []int {
	var out []int
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err == nil {
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
		return out
	}
	for _, q := range descendants(pid) {
		if ppid(q) == pid {
			out = append(out, q)
		}
	}
	return out
}

func ppid(pid int) int {
	f := statFields(pid)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// statFields are /proc/pid/stat's fields after the command name (state first).
func statFields(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

// clockTicks is USER_HZ, the unit of /proc/pid/stat's times (100 on Linux).
const clockTicks = 100

// procCPUTicks is utime+stime+cutime+cstime of pid.
func procCPUTicks(pid int) int64 {
	f := statFields(pid)
	if len(f) < 15 {
		return 0
	}
	var t int64
	for _, i := range []int{11, 12, 13, 14} { // fields 14-17 of stat, counted after the name
		n, _ := strconv.ParseInt(f[i], 10, 64)
		t += n
	}
	return t
}
