package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
)

// tmuxSocketTail is what tmux appends to TMUX_TMPDIR for its socket.
const tmuxSocketTail = "/tmux-4294967295/default"

// maxSocketPath is the longest socket path this uses (sun_path holds 108 bytes).
const maxSocketPath = 100

// tmuxDir is a host's TMUX_TMPDIR, so that each host runs a tmux server of
// its own, as separate machines would: the host's tmp/, or, when a socket
// there would be too long a path, a short directory of the host's own under
// the system's temporary directory (removed by Close). Never the default
// /tmp/tmux-UID, which every sandbox and tmux user on the machine shares.
func (sb *Sandbox) tmuxDir(host string) (string, error) {
	if d := sb.hostTmp(host); len(d)+len(tmuxSocketTail) < maxSocketPath {
		return d, nil
	}
	if sb.tmuxRoot == "" {
		for _, base := range []string{os.TempDir(), "/tmp"} {
			d, err := os.MkdirTemp(base, "porthole-tmux-")
			if err != nil {
				continue
			}
			if len(d)+len("/")+len(host)+len(tmuxSocketTail) < maxSocketPath {
				sb.tmuxRoot = d
				break
			}
			_ = os.Remove(d)
		}
		if sb.tmuxRoot == "" {
			return "", fmt.Errorf("sandbox: no temporary directory short enough for tmux sockets")
		}
	}
	d := filepath.Join(sb.tmuxRoot, host)
	return d, os.MkdirAll(d, 0o700)
}

// removeTmuxDirs removes the directory tmuxDir made, once the tmux servers are gone.
func (sb *Sandbox) removeTmuxDirs() {
	if sb.tmuxRoot != "" {
		_ = os.RemoveAll(sb.tmuxRoot)
	}
}
