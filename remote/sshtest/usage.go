package sshtest

import (
	"fmt"
	"time"
)

// PIDs are the running sshd processes' ids (one per sshd, not per host).
func (c *Cluster) PIDs() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int
	for _, p := range c.procs {
		p.mu.Lock()
		if p.cmd != nil {
			out = append(out, p.cmd.Process.Pid)
		}
		p.mu.Unlock()
	}
	return out
}

// Connections counts the SSH connections the cluster's sshd processes serve now.
func (c *Cluster) Connections() int {
	n := 0
	for _, pid := range c.PIDs() {
		n += len(children(pid))
	}
	return n
}

// WaitIdle waits, at most timeout, until no sshd of the cluster serves a
// connection (each has reaped its children) — between benchmark runs, say.
func (c *Cluster) WaitIdle(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for c.Connections() > 0 {
		if time.Now().After(deadline) {
			return fmt.Errorf("sshd still serves %d connections after %s", c.Connections(), timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// CPU is the CPU time the sshd processes used so far, their reaped
// connection processes included (utime+stime+cutime+cstime).
func (c *Cluster) CPU() time.Duration {
	var ticks int64
	for _, pid := range c.PIDs() {
		ticks += procCPUTicks(pid)
	}
	return time.Duration(ticks) * time.Second / clockTicks
}
