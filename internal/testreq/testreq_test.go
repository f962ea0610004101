package testreq

import (
	"strings"
	"testing"
)

// fakeTB records how a helper ended a test, without ending the real one.
type fakeTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skip(args ...any) {
	f.skipped, f.msg = true, strings.TrimSpace(strings.Join(strs(args), " "))
}
func (f *fakeTB) Fatal(args ...any) {
	f.failed, f.msg = true, strings.TrimSpace(strings.Join(strs(args), " "))
}

func strs(args []any) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i], _ = a.(string)
	}
	return out
}

func TestMissingSkipsOutsideCI(t *testing.T) {
	t.Setenv("CI", "")
	f := &fakeTB{}
	Missing(f, "sshd", "openssh-server")
	if !f.skipped || f.failed || f.msg != "sshd not found: apt-get install openssh-server" {
		t.Fatalf("skipped=%v failed=%v msg=%q", f.skipped, f.failed, f.msg)
	}
}

func TestMissingFailsInCI(t *testing.T) {
	t.Setenv("CI", "true")
	f := &fakeTB{}
	Missing(f, "tmux", "tmux")
	if f.skipped || !f.failed || !strings.HasPrefix(f.msg, "tmux not found: apt-get install tmux") {
		t.Fatalf("skipped=%v failed=%v msg=%q", f.skipped, f.failed, f.msg)
	}
}

func TestProgramFindsPresentProgram(t *testing.T) {
	t.Setenv("PATH", "/usr/bin:/bin")
	f := &fakeTB{}
	if p := Program(f, "sh", "dash"); p == "" || f.skipped || f.failed {
		t.Fatalf("sh: path %q skipped=%v failed=%v", p, f.skipped, f.failed)
	}
}

func TestProgramSkipsAbsentProgram(t *testing.T) {
	t.Setenv("CI", "")
	t.Setenv("PATH", t.TempDir())
	f := &fakeTB{}
	Program(f, "tmux", "tmux")
	if !f.skipped || f.msg != "tmux not found: apt-get install tmux" {
		t.Fatalf("skipped=%v msg=%q", f.skipped, f.msg)
	}
}
