package sandbox

import (
	"maps"
	"slices"
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
