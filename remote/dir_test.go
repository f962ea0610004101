package remote_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"porthole/remote"
	"porthole/remote/sshtest"
)

// dirCommands are commands that write the line "ran" to a file (wherever
// they run) in ways that `cd DIR && CMD` does not hold back when DIR is
// missing: exports before the command, and a command of several statements.
func dirCommands(out string) map[string]remote.Command {
	w := " >> " + remote.Quote(out)
	return map[string]remote.Command{
		"env":      {Cmd: "echo ran" + w, Env: map[string]string{"GIT_CONFIG_NOSYSTEM": "1"}},
		"or":       {Cmd: "false || echo ran" + w},
		"sequence": {Cmd: "true; echo ran" + w},
	}
}

// checkMissingDir runs each of dirCommands with a Dir that does not exist
// on ex, then with a Dir that is a file: each must be a *DirError naming the
// directory and the host (and saying which), with ExitCode -1, and must not
// have run anywhere.
func checkMissingDir(t *testing.T, ex remote.Executor, pty bool) {
	t.Helper()
	tmp := t.TempDir()
	file := filepath.Join(tmp, "php-1.99.0-wmf.2")
	if err := os.WriteFile(file, []byte("not a directory\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ dir, says, reason string }{
		{filepath.Join(tmp, "php-1.99.0-wmf.1"), " does not exist on ", "no such directory"},
		{file, " is not a directory on ", "not a directory"},
	} {
		for name, cmd := range dirCommands(filepath.Join(tmp, "ran")) {
			cmd.Dir, cmd.Keep, cmd.Pty = c.dir, true, pty
			res, err := ex.Run(context.Background(), cmd)
			var de *remote.DirError
			if !errors.As(err, &de) || de.Dir != c.dir || de.Host != ex.Host() {
				t.Fatalf("%s: %q in %s: exit %d, err %v, stderr %q", name, res.Cmd, c.dir, res.ExitCode, err, res.Stderr)
			}
			if want := c.dir + c.says + ex.Host(); err.Error() != want {
				t.Errorf("%s: error %q, want %q", name, err, want)
			}
			if res.ExitCode != -1 || res.Cmd != cmd.Script() || remote.Reason(res, err) != c.reason {
				t.Errorf("%s: result %+v, reason %q", name, res, remote.Reason(res, err))
			}
			if b, rerr := os.ReadFile(filepath.Join(tmp, "ran")); rerr == nil {
				t.Fatalf("%s: the command ran although %s is not a directory: %q", name, c.dir, b)
			}
		}
	}
}

// checkExistingDir runs the same commands in a directory that exists: they
// run there, and a command of its own that exits 125 is an exit, not a DirError.
func checkExistingDir(t *testing.T, ex remote.Executor) {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "ran")
	for name, cmd := range dirCommands(out) {
		cmd.Dir = dir
		if res, err := ex.Run(context.Background(), cmd); err != nil || res.ExitCode != 0 {
			t.Fatalf("%s in %s: exit %d, %v", name, dir, res.ExitCode, err)
		}
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != "ran\nran\nran\n" {
		t.Fatalf("the commands in an existing dir wrote %q (%v)", b, err)
	}
	res, err := ex.Run(context.Background(), remote.Command{Cmd: "pwd; exit 125", Dir: dir, Keep: true})
	if err != nil || res.ExitCode != 125 || string(res.Stdout) != dir+"\n" {
		t.Fatalf("exit 125 in %s: exit %d, %v, stdout %q", dir, res.ExitCode, err, res.Stdout)
	}
}

// A command whose directory is missing runs nowhere, on this machine.
func TestLocalMissingDirRunsNothing(t *testing.T) {
	t.Parallel()
	ex := &remote.Local{Name: "deploy1002"}
	checkMissingDir(t, ex, false)
	checkExistingDir(t, ex)
}

// A command whose directory is missing runs nowhere over SSH either (not in
// the login directory), with or without a terminal.
func TestSSHMissingDirRunsNothing(t *testing.T) {
	c := sshtest.Start(t, 1, sshtest.Names("deploy1002"))
	ex := get(t, c.Pool(), "deploy1002")
	checkMissingDir(t, ex, false)
	checkMissingDir(t, ex, true)
	checkExistingDir(t, ex)
}
