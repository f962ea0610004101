package sandbox

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// killStrays kills what the hosts' commands left running outside their
// sessions (a tmux server, a nohup'd job): every process whose environment
// names this sandbox's root, which only the hosts' commands have.
func killStrays(root string) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	mark := []byte("SANDBOX_ROOT=" + root + "\x00")
	self := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil {
			continue
		}
		if bytes.HasPrefix(env, mark) || bytes.Contains(env, append([]byte{0}, mark...)) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}
