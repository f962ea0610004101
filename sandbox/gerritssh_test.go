package sandbox

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"

	"porthole/config"
	"porthole/gerrit"
	"porthole/remote"
)

func TestGerritSSHCommands(t *testing.T) {
	sb := shared(t)
	if got := sb.Role(config.RoleGerrit); len(got) != 1 || got[0] != GerritHost {
		t.Errorf("gerrit role: %v", got)
	}
	// OpenSSH, strict host key checking against the sandbox's known_hosts.
	out, errs, code := openssh(t, sb, "", GerritHost, "gerrit", "version")
	if code != 0 || out != gerritVersion+"\n" {
		t.Errorf("ssh gerrit.sandbox gerrit version: exit %d, %q %q", code, out, errs)
	}
	out, errs, code = openssh(t, sb, "", GerritHost, "gerrit", "ls-projects")
	if code != 1 || out != "" || !strings.Contains(errs, "fatal: gerrit: ls-projects: not found") {
		t.Errorf("unknown gerrit command: exit %d, %q %q", code, out, errs)
	}
	_, errs, code = openssh(t, sb, "", GerritHost, "hostname")
	if code == 0 || !strings.Contains(errs, "hostname: not found") {
		t.Errorf("a shell command on Gerrit's port: exit %d, %q", code, errs)
	}
	_, errs, code = openssh(t, sb, "", GerritHost, "gerrit", "stream-events", "--bogus")
	if code != 1 || !strings.Contains(errs, `"--bogus" is not a valid option`) {
		t.Errorf("stream-events --bogus: exit %d, %q", code, errs)
	}
	// No interactive shell, as on Gerrit.
	cl := newClients(t, sb)
	s, err := cl.client(t, GerritHost).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var serr strings.Builder
	s.Stderr = &serr
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	if err := s.Wait(); err == nil || !strings.Contains(serr.String(), "not an interactive shell") {
		t.Errorf("shell on the Gerrit host: %v, %q", err, serr.String())
	}
	s.Close()
}

func TestGerritStreamEventsOverSSH(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb := start(t, 1)
	pool := remote.NewPool(remote.SSHOptions{ConfigPath: sb.SSHConfigPath, KnownHosts: sb.Config.KnownHosts})
	defer pool.Close()
	h, err := pool.SSH(GerritHost)
	if err != nil {
		t.Fatal(err)
	}
	before := sb.EventStreams()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	all, err := h.Stream(ctx, "gerrit stream-events")
	if err != nil {
		t.Fatal(err)
	}
	merged, err := h.Stream(ctx, "gerrit stream-events -s change-merged")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both streams to open", func() bool { return sb.EventStreams() == before+2 })

	n := sb.Changes["core"]
	if err := sb.Gerrit.Vote(n, sb.User, "Code-Review", 2); err != nil {
		t.Fatal(err)
	}
	// Every event of the approval arrives, in order, down to the merge.
	var types []string
	br := bufio.NewReader(all)
	for {
		line, err := br.ReadBytes('\n')
		if err != nil {
			t.Fatalf("stream ended before change-merged (%v); got %v", err, types)
		}
		ev, perr := gerrit.ParseStreamEvent(line)
		if perr != nil {
			t.Fatalf("a line that does not parse: %v", perr)
		}
		types = append(types, ev.Type)
		if ev.Type == "change-merged" {
			if ev.Number != n || ev.Project != ProjectCore || ev.NewRev == "" {
				t.Errorf("change-merged: %+v", ev)
			}
			break
		}
	}
	if types[0] != "comment-added" {
		t.Errorf("first event %s, want comment-added (the +2); all: %v", types[0], types)
	}
	// The subscribed stream gets the merge and nothing before it.
	line, err := bufio.NewReader(merged).ReadBytes('\n')
	if err != nil {
		t.Fatal(err)
	}
	if ev, _ := gerrit.ParseStreamEvent(line); ev.Type != "change-merged" || ev.Number != n {
		t.Errorf("-s change-merged delivered %s", line)
	}
	// Closing a client's stream ends its session on the host.
	all.Close()
	waitFor(t, "the closed stream's session to end", func() bool { return sb.EventStreams() == before+1 })
	cancel()
	waitFor(t, "the cancelled stream's session to end", func() bool { return sb.EventStreams() == before })
	if _, err := io.ReadAll(merged); err != nil {
		t.Errorf("reading a cancelled stream: %v", err)
	}
}

func TestSetLogRedirectsTheSandboxLog(t *testing.T) {
	var first, second strings.Builder
	sb := &Sandbox{logw: &first}
	sb.logf("one %d", 1)
	if prev := sb.SetLog(&second); prev != &first {
		t.Errorf("SetLog returned %v, want the writer before", prev)
	}
	sb.logf("two")
	sb.SetLog(nil)
	sb.logf("three")
	if first.String() != "sandbox: one 1\n" || second.String() != "sandbox: two\n" {
		t.Errorf("first %q, second %q", first.String(), second.String())
	}
}
