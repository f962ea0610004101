package sandbox

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CommandSpan is one command a sandbox host ran: from its exec (or shell)
// request to the close of its session channel, which the client sends after
// the exit status.
type CommandSpan struct {
	Host  string
	Cmd   string // the command line as the client sent it; "" for a shell
	Start time.Time
	End   time.Time
}

// maxSpans bounds the spans a host keeps (a long demo must not grow without end).
const maxSpans = 100000

// recordSpan notes a session's command when its channel closed; sessions
// that never started one are left out.
func (h *sshHost) recordSpan(s *session, end time.Time) {
	s.mu.Lock()
	cmd, began := s.cmdline, s.began
	s.mu.Unlock()
	if began.IsZero() {
		return
	}
	h.mu.Lock()
	if len(h.spans) < maxSpans {
		h.spans = append(h.spans, CommandSpan{Host: h.name, Cmd: cmd, Start: began, End: end})
	}
	h.mu.Unlock()
}

// Handshakes counts the SSH handshakes (connections that logged in) each
// host accepted since Start, by host name; the Gerrit SSH host included.
// A client that reuses its connections adds one per host it talks to.
func (sb *Sandbox) Handshakes() map[string]int {
	out := map[string]int{}
	for name, h := range sb.hosts {
		if n := h.handshakes.Load(); n > 0 {
			out[name] = int(n)
		}
	}
	return out
}

// CommandSpans lists the commands every host ran since Start (at most
// 100,000 per host), host by host.
func (sb *Sandbox) CommandSpans() []CommandSpan {
	var out []CommandSpan
	for _, name := range slices.Sorted(maps.Keys(sb.hosts)) {
		h := sb.hosts[name]
		h.mu.Lock()
		out = append(out, h.spans...)
		h.mu.Unlock()
	}
	return out
}

// ScapSpans lists the runs of the scap stand-in since Start (each recorded
// by the stand-in as it exits, whether an SSH command ran it or a tmux
// session it was detached in), as spans: Cmd is "scap SUBCOMMAND".
func (sb *Sandbox) ScapSpans() []CommandSpan {
	data, _ := os.ReadFile(filepath.Join(sb.Root, "etc", "scap-spans"))
	var out []CommandSpan
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) != 4 {
			continue
		}
		start, err1 := strconv.ParseInt(f[0], 10, 64)
		end, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, CommandSpan{Host: f[2], Cmd: "scap " + f[3], Start: time.UnixMilli(start), End: time.UnixMilli(end)})
	}
	return out
}
