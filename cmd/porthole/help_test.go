package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelpGoesToStdout: help that was asked for is output (porthole --help |
// less), not an error.
func TestHelpGoesToStdout(t *testing.T) {
	var help, stderr bytes.Buffer
	old := helpOut
	helpOut = &help
	defer func() { helpOut = old }()
	if code := dispatch(context.Background(), []string{"--help"}, &stderr); code != 0 || !strings.HasPrefix(help.String(), "usage: porthole") || stderr.Len() != 0 {
		t.Fatalf("porthole --help: exit %d, stdout %q, stderr %q", code, help.String(), stderr.String())
	}
	out, errOut, err := runExecArgs(t, "--help")
	if err != nil || !strings.HasPrefix(out, "usage: porthole exec") || errOut != "" {
		t.Fatalf("porthole exec --help: %v, stdout %q, stderr %q", err, out, errOut)
	}
	// a mistake still prints the usage on stderr
	if _, errOut, _ = runExecArgs(t, "--bogus"); !strings.Contains(errOut, "usage: porthole exec") {
		t.Fatalf("porthole exec --bogus: stderr %q", errOut)
	}
}

// TestMissingConfigSaysWhichGerrit: with no config file anywhere, porthole
// says which Gerrit the defaults talk to (and where the file would be).
func TestMissingConfigSaysWhichGerrit(t *testing.T) {
	xdg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", xdg)
	t.Setenv("PORTHOLE_CONFIG", "")
	var notice bytes.Buffer
	old := noticeOut
	noticeOut = &notice
	defer func() { noticeOut = old }()
	if _, err := loadConfig(nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(xdg, "porthole", "config.yaml")
	if n := notice.String(); !strings.Contains(n, "https://gerrit.wikimedia.org/r/") || !strings.Contains(n, path) {
		t.Fatalf("notice = %q", n)
	}
	notice.Reset()
	os.MkdirAll(filepath.Dir(path), 0o755)
	os.WriteFile(path, []byte("gerrit:\n  url: https://gerrit.example/r/\n"), 0o600)
	if _, err := loadConfig(nil); err != nil || notice.Len() != 0 {
		t.Fatalf("with a config file: %v, notice %q", err, notice.String())
	}
}
