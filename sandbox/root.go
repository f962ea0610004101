package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// prepareRoot makes the root directory: a new temporary one, or dir when it
// is empty or missing, or dir when it holds a sandbox made before
// (Reopens): reopened as it was when it holds all of it (KeepsWorld), else
// its journals (state/) are kept and the rest is built anew.
func prepareRoot(dir string) (root string, own, reopen bool, err error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "porthole-sandbox-")
		if err != nil {
			return "", false, false, fmt.Errorf("sandbox: make a temporary directory: %w", err)
		}
		return d, true, false, nil
	}
	if err := CheckDir(dir); err != nil {
		return "", false, false, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", false, false, err
	}
	if Reopens(abs) {
		if KeepsWorld(abs) {
			return abs, false, true, nil
		}
		if err := clearButState(abs); err != nil {
			return "", false, false, err
		}
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", false, false, fmt.Errorf("sandbox: create %s: %w", abs, err)
	}
	return abs, false, false, nil
}

// configHead starts the config a sandbox writes (etc/porthole.yaml): what
// tells a sandbox's directory from any other.
const configHead = "# porthole configuration for the sandbox in "

// Reopens is true when dir holds a sandbox made before (by porthole demo
// --dir): starting one there reopens it as it was left (KeepsWorld), or
// keeps only its journals when it was not stopped whole.
func Reopens(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, "etc", "porthole.yaml"))
	return err == nil && strings.HasPrefix(string(data), configHead)
}

// clearButState removes a previous sandbox's files but its state/ (journals, logs).
func clearButState(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("sandbox: %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.Name() == "state" {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("sandbox: clear the previous sandbox in %s: %w", dir, err)
		}
	}
	return nil
}

// CheckDir tells whether dir can hold a sandbox (Options.Dir): it is empty,
// does not exist yet, or holds a sandbox made before (see Reopens).
func CheckDir(dir string) error {
	if dir == "" {
		return nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(abs)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("sandbox: %s: %w", abs, err)
	case len(entries) > 0 && !Reopens(abs):
		return fmt.Errorf("sandbox: %s is not empty and holds no sandbox: remove it or give another directory", abs)
	}
	return nil
}
