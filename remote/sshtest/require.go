package sshtest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"porthole/internal/testreq"
)

// ErrNoSSHD says sshd is not installed; the message names the Debian package.
var ErrNoSSHD = errors.New("sshd not found: apt-get install openssh-server")

// LookSSHD finds the sshd program with exec.LookPath in PATH and in the sbin
// directory beside each PATH directory (/usr/bin → /usr/sbin), since a
// user's PATH often lacks /usr/sbin. A reduced PATH thus hides sshd.
func LookSSHD() (string, error) {
	for _, dir := range sshdDirs(os.Getenv("PATH")) {
		if p, err := exec.LookPath(filepath.Join(dir, "sshd")); err == nil {
			return p, nil
		}
	}
	return "", ErrNoSSHD
}

// sshdDirs are PATH's directories, each followed by its sbin sibling.
func sshdDirs(path string) []string {
	var dirs []string
	for _, d := range filepath.SplitList(path) {
		if d == "" || !filepath.IsAbs(d) {
			continue
		}
		dirs = append(dirs, d)
		if filepath.Base(d) == "bin" {
			dirs = append(dirs, filepath.Join(filepath.Dir(d), "sbin"))
		}
	}
	return dirs
}

// RequireSSHD skips tb when sshd is not installed, naming the Debian package
// (openssh-server), or fails it when CI=true, where .ci/run installs it.
func RequireSSHD(tb testing.TB) {
	tb.Helper()
	if _, err := LookSSHD(); err != nil {
		testreq.Missing(tb, "sshd", "openssh-server")
	}
}
