package testmain

import (
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

func TestSetupKeepsAChosenTMPDIR(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	done := Setup()
	defer done()
	if got := os.Getenv("TMPDIR"); got != dir {
		t.Errorf("TMPDIR is %q, want the one set before, %q", got, dir)
	}
}

func TestSetupUsesRAMWhenTheDefaultIsADisk(t *testing.T) {
	if isRAM("/tmp") || !usable(RAMDir) {
		t.Skipf("/tmp is tmpfs already, or %s is not a usable tmpfs", RAMDir)
	}
	t.Setenv("TMPDIR", "")
	done := Setup()
	dir := os.Getenv("TMPDIR")
	if filepath.Dir(dir) != RAMDir || !isRAM(dir) {
		t.Errorf("TMPDIR is %q, want a directory in %s", dir, RAMDir)
	}
	done()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s is still there after done: %v", dir, err)
	}
}

func TestUsableRefusesWhatIsNotTmpfs(t *testing.T) {
	if usable(filepath.Join(t.TempDir(), "missing")) {
		t.Error("a missing directory is usable")
	}
	if !isRAM("/tmp") && usable("/tmp") {
		t.Error("/tmp on a disk is usable")
	}
}

func TestParallelRaisesOnlyTheDefault(t *testing.T) {
	f := flag.Lookup("test.parallel")
	given := false
	flag.Visit(func(g *flag.Flag) { given = given || g == f })
	if given {
		t.Skip("-parallel was given")
	}
	old := f.Value.String()
	defer func() { _ = f.Value.Set(old) }()
	n := runtime.GOMAXPROCS(0) + 1
	Parallel(n)
	if got := f.Value.String(); got != strconv.Itoa(n) {
		t.Errorf("after Parallel(%d) -test.parallel is %s", n, got)
	}
	Parallel(n + 1) // now set: kept
	if got := f.Value.String(); got != strconv.Itoa(n) {
		t.Errorf("a second Parallel changed -test.parallel from %d to %s", n, got)
	}
}
