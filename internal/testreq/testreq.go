// Package testreq decides what a test does when a system program it needs
// (tmux, OpenSSH) is missing: it skips with one line naming the Debian
// package to install, or fails when CI=true, since .ci/run installs them all.
package testreq

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

// InCI reports whether the tests run in CI (CI=true), where every program must be present.
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing skips tb, or fails it when CI=true, saying "NAME not found: apt-get install PKG".
func Missing(tb testing.TB, name, pkg string) {
	tb.Helper()
	msg := fmt.Sprintf("%s not found: apt-get install %s", name, pkg)
	if InCI() {
		tb.Fatal(msg + " (CI=true: required, not skipped)")
		return
	}
	tb.Skip(msg)
}

// Program is the path of name found in PATH; when it is missing, tb skips
// (or fails when CI=true) naming the Debian package pkg.
func Program(tb testing.TB, name, pkg string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Missing(tb, name, pkg)
		return ""
	}
	return path
}

// Tmux requires tmux (Debian package tmux) and returns its path.
func Tmux(tb testing.TB) string {
	tb.Helper()
	return Program(tb, "tmux", "tmux")
}

// SSH requires the OpenSSH client (Debian package openssh-client) and returns its path.
func SSH(tb testing.TB) string {
	tb.Helper()
	return Program(tb, "ssh", "openssh-client")
}

// TmuxServer requires tmux and names a tmux server (tmux -L NAME) of the
// test's own, killed at cleanup.
func TmuxServer(tb testing.TB) string {
	tb.Helper()
	Tmux(tb)
	sock := fmt.Sprintf("porthole-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	tb.Cleanup(func() { _ = exec.Command("tmux", "-L", sock, "kill-server").Run() })
	return sock
}
