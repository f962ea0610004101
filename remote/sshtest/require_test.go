package sshtest_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"porthole/remote/sshtest"
)

// sshd is found in PATH or in the sbin beside a PATH bin directory, and a
// PATH without either hides it.
func TestLookSSHD(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"bin", "sbin", "other"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	fake := filepath.Join(root, "sbin", "sshd")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", filepath.Join(root, "other")+string(filepath.ListSeparator)+filepath.Join(root, "bin"))
	if p, err := sshtest.LookSSHD(); err != nil || p != fake {
		t.Fatalf("beside bin: %q, %v; want %s", p, err, fake)
	}
	t.Setenv("PATH", filepath.Join(root, "sbin"))
	if p, err := sshtest.LookSSHD(); err != nil || p != fake {
		t.Fatalf("in PATH: %q, %v; want %s", p, err, fake)
	}
	t.Setenv("PATH", filepath.Join(root, "other"))
	if p, err := sshtest.LookSSHD(); !errors.Is(err, sshtest.ErrNoSSHD) {
		t.Fatalf("hidden: %q, %v; want ErrNoSSHD", p, err)
	}
	if err := os.Chmod(fake, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", filepath.Join(root, "bin"))
	if p, err := sshtest.LookSSHD(); !errors.Is(err, sshtest.ErrNoSSHD) {
		t.Fatalf("not executable: %q, %v; want ErrNoSSHD", p, err)
	}
}
