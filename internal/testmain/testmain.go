// Package testmain holds what the TestMain of this project's slow test
// packages do before their tests: Setup puts the test binary's temporary
// files (t.TempDir, os.MkdirTemp) on a RAM file system when the default one
// is a disk, and Parallel lets more parallel tests run than there are CPUs.
//
// The sandbox tests create and delete tens of thousands of small files (git
// objects, host directories, transcripts). On an ext4 without a journal, as
// this project's build machines have, each new inode is found by scanning
// past every inode deleted in the last minutes, so on a busy /tmp half the
// suite's CPU went to the kernel's inode allocator; on tmpfs that cost is
// gone. What the tests check does not depend on the file system.
package testmain

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// Parallel sets -test.parallel to n when it was not given and GOMAXPROCS
// (its default) is lower: for packages whose parallel tests mostly wait on
// their sandbox's hosts and processes rather than compute. Call it first
// in TestMain.
func Parallel(n int) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given && runtime.GOMAXPROCS(0) < n {
		_ = flag.Set("test.parallel", strconv.Itoa(n))
	}
}

// RAMDir is where Main makes its directory when /tmp is on a disk.
const RAMDir = "/dev/shm"

// minFree is the room RAMDir must have left for Main to use it.
const minFree = 1 << 30

// Main runs m as Setup describes and exits with its code.
func Main(m *testing.M) {
	done := Setup()
	code := m.Run()
	done()
	os.Exit(code)
}

// Setup points TMPDIR into a fresh directory under RAMDir and returns the
// function that removes it (call it after m.Run). It leaves TMPDIR alone
// when it is set already, when /tmp is a RAM file system itself, or when
// RAMDir is missing, read-only, noexec (the sandbox runs its stand-ins from
// there) or short of room.
func Setup() (done func()) {
	dir := ramTemp()
	if dir == "" {
		return func() {}
	}
	if err := os.Setenv("TMPDIR", dir); err != nil {
		fmt.Fprintln(os.Stderr, "testmain:", err)
	}
	return func() { _ = os.RemoveAll(dir) }
}

// ramTemp makes the directory Main uses, or returns "" to keep the default.
func ramTemp() string {
	if os.Getenv("TMPDIR") != "" || isRAM("/tmp") || !usable(RAMDir) {
		return ""
	}
	dir, err := os.MkdirTemp(RAMDir, "pt-")
	if err != nil {
		return ""
	}
	return dir
}

// isRAM is true when dir is on tmpfs.
func isRAM(dir string) bool {
	var st unix.Statfs_t
	return unix.Statfs(dir, &st) == nil && st.Type == unix.TMPFS_MAGIC
}

// usable is true when dir is a writable tmpfs that allows executables and
// has room.
func usable(dir string) bool {
	var st unix.Statfs_t
	if unix.Statfs(dir, &st) != nil || st.Type != unix.TMPFS_MAGIC {
		return false
	}
	if st.Flags&(unix.ST_RDONLY|unix.ST_NOEXEC) != 0 {
		return false
	}
	if uint64(st.Bavail)*uint64(st.Bsize) < minFree {
		return false
	}
	return unix.Access(dir, unix.W_OK|unix.X_OK) == nil
}
