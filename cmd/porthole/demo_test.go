package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"porthole/config"
	"porthole/remote"
)

// lockedBuffer is a bytes.Buffer safe to read while demo writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveDemo runs porthole demo --serve --dir dir until it serves.
func serveDemo(t *testing.T, ctx context.Context, dir string) (*lockedBuffer, <-chan error) {
	t.Helper()
	var out lockedBuffer
	done := make(chan error, 1)
	go func() { done <- demo(ctx, []string{"--serve", "--dir", dir, "--ci-delay", "0s"}, &out) }()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "Serving until Ctrl-C") {
		select {
		case err := <-done:
			t.Fatalf("demo ended before serving: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo did not start serving:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return &out, done
}

func TestDemoServe(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sb")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, done := serveDemo(t, ctx, dir)
	banner := out.String()
	cfgPath := filepath.Join(dir, "etc", "porthole.yaml")
	for _, want := range []string{"SANDBOX", "nothing here reaches production", "lives in  " + dir, "http://127.0.0.1:",
		"extra-commit", "namespace", "config      " + cfgPath, "ssh -F "} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}

	// What --serve prints is enough to drive the sandbox: porthole's own
	// config loader accepts the config, and its SSH pool reaches the hosts.
	cfg, err := config.LoadConfig(cfgPath)
	if err != nil {
		t.Fatalf("porthole cannot load the sandbox's config: %v", err)
	}
	pool := remote.NewPool(remote.SSHOptions{ConfigPath: cfg.SSHConfig, KnownHosts: cfg.KnownHosts})
	defer pool.Close()
	ex, err := pool.Get(cfg.Hosts[config.RoleDeploy][0])
	if err != nil {
		t.Fatal(err)
	}
	res, err := ex.Run(ctx, remote.Command{Cmd: "git rev-parse --abbrev-ref HEAD", Dir: cfg.StagingDir, Keep: true})
	if err != nil || strings.TrimSpace(string(res.Stdout)) != "master" {
		t.Errorf("git in the staging dir over SSH: %v %q %q", err, res.Stdout, res.Stderr)
	}
	pool.Close()

	cancel()
	if err := <-done; err != nil {
		t.Errorf("demo after Ctrl-C: %v", err)
	}
	if !strings.Contains(out.String(), "kept in "+dir) {
		t.Errorf("no word that the given --dir is kept:\n%s", out.String())
	}
	if _, err := os.Stat(cfgPath); err != nil {
		t.Errorf("--dir was not kept: %v", err)
	}

	// The same --dir again: reopened as it was left, and said so.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	out, done = serveDemo(t, ctx, dir)
	if !strings.Contains(out.String(), "reopening the sandbox in "+dir+" as it was left") {
		t.Errorf("a second demo --dir does not say it reopens the sandbox:\n%s", out.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("the reopened demo after Ctrl-C: %v", err)
	}
}

func TestDemoOpensTheTUI(t *testing.T) {
	saved := demoTUI
	t.Cleanup(func() { demoTUI = saved })
	var root string
	var parts []string
	var out lockedBuffer
	demoTUI = func(ctx context.Context, start demoStarter) error {
		if s := out.String(); s != "" {
			t.Errorf("the terminal got lines before the TUI opened: %q", s)
		}
		sb, err := start(ctx, func(p string) { parts = append(parts, p) })
		if err != nil {
			t.Fatal(err)
		}
		root = sb.Root
		if !sb.Config.Sandbox || sb.Config.StagingDir != sb.StagingDir() {
			t.Errorf("the TUI gets a config that is not the sandbox's: %+v", sb.Config)
		}
		if _, err := os.Stat(sb.ConfigPath); err != nil {
			t.Error(err)
		}
		return errors.New("tui closed")
	}
	err := demo(context.Background(), []string{"--ci-delay", "0s"}, &out)
	if err == nil || err.Error() != "tui closed" {
		t.Errorf("demo returned %v, want the TUI's error", err)
	}
	if root == "" {
		t.Fatal("the TUI was not opened")
	}
	if got := strings.Join(parts, " "); !strings.HasPrefix(got, "hosts Gerrit ") || !strings.HasSuffix(got, " config") ||
		!strings.Contains(got, "changes") || !strings.Contains(got, "MediaWiki") || !strings.Contains(got, "SSH") {
		t.Errorf("the sandbox's progress: %q", got)
	}
	if !strings.Contains(out.String(), "the sandbox in "+root+" took ") {
		t.Errorf("no word after the TUI of where the sandbox was:\n%s", out.String())
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("the temporary sandbox %s is left behind without --keep: %v", root, err)
		os.RemoveAll(root)
	}
}

func TestDemoFlags(t *testing.T) {
	for _, args := range [][]string{{"--bogus"}, {"extra"}, {"--ci-delay", "-1s"}, {"--ci-delay", "soon"}} {
		var out lockedBuffer
		err := demo(context.Background(), args, &out)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("demo %v: %v, want a usage error", args, err)
		}
	}
	var out, help lockedBuffer
	old := helpOut
	helpOut = &help
	err := demo(context.Background(), []string{"-h"}, &out)
	helpOut = old
	if err != nil {
		t.Errorf("demo -h: %v", err)
	}
	if !strings.Contains(help.String(), "usage: porthole demo") || !strings.Contains(help.String(), "-keep") || out.String() != "" {
		t.Errorf("demo -h printed on stdout:\n%s\nand on stderr:\n%s", help.String(), out.String())
	}
	// A non-empty --dir is refused before anything starts.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x"), nil, 0o644)
	if err := demo(context.Background(), []string{"--dir", dir}, &out); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("demo --dir on a non-empty directory: %v", err)
	}
}
