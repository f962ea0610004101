package remote

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"syscall"
	"time"
)

// Local runs commands on this machine with /bin/sh, like a remote login shell would.
type Local struct {
	Name string // shown as the host; "local" when empty
}

// Host names the local machine.
func (l *Local) Host() string {
	if l.Name == "" {
		return "local"
	}
	return l.Name
}

// Run runs cmd with sh -c; cancelling ctx kills its whole process group. A
// missing cmd.Dir is a *DirError: nothing of cmd runs.
func (l *Local) Run(ctx context.Context, cmd Command) (Result, error) {
	res := Result{Host: l.Host(), Cmd: cmd.Script(), Started: time.Now(), ExitCode: -1}
	c := exec.Command("/bin/sh", "-c", cmd.wire())
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Stdin = cmd.Stdin
	var outBuf, errBuf *bytes.Buffer
	if cmd.Keep {
		outBuf, errBuf = &bytes.Buffer{}, &bytes.Buffer{}
	}
	onLine := serialized(cmd.OnLine)
	ow := newLineWriter(res.Host, Stdout, cmd, onLine, outBuf)
	ew := newLineWriter(res.Host, Stderr, cmd, onLine, errBuf)
	c.Stdout, c.Stderr = ow, ew
	if err := c.Start(); err != nil {
		return res, err
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = syscall.Kill(-c.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			_ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
			<-done
		}
		err = ctx.Err()
	}
	ow.Flush()
	ew.Flush()
	res.Duration = time.Since(res.Started)
	if cmd.Keep {
		res.Stdout, res.Stderr = outBuf.Bytes(), errBuf.Bytes()
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.ExitCode = ee.ExitCode()
		if derr := dirError(cmd, res, ow, ew); derr != nil {
			res.ExitCode = -1
			return res, derr
		}
		return res, nil
	}
	if err != nil {
		return res, err
	}
	res.ExitCode = 0
	return res, nil
}

// Close does nothing for the local machine.
func (l *Local) Close() error { return nil }
