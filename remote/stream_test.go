package remote_test

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"

	"porthole/remote"
	"porthole/remote/sshtest"
)

func sshHost(t *testing.T, p *remote.Pool, name string) *remote.SSHHost {
	t.Helper()
	h, err := p.SSH(name)
	if err != nil {
		t.Fatalf("SSH(%q): %v", name, err)
	}
	return h
}

func TestStreamReadsOutputAndExitStatus(t *testing.T) {
	c := sshtest.Start(t, 1)
	h := sshHost(t, c.Pool(), "h1")
	rc, err := h.Stream(context.Background(), "printf 'one\\ntwo\\n'; echo 'fatal: not permitted' >&2; exit 3")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	out, err := io.ReadAll(rc)
	if string(out) != "one\ntwo\n" {
		t.Errorf("stdout %q", out)
	}
	if err == nil || !strings.Contains(err.Error(), "exited 3: fatal: not permitted") || !strings.Contains(err.Error(), "on h1") {
		t.Errorf("end of a failed stream: %v", err)
	}

	ok, err := h.Stream(context.Background(), "echo fine")
	if err != nil {
		t.Fatal(err)
	}
	out, err = io.ReadAll(ok)
	ok.Close()
	if err != nil || string(out) != "fine\n" {
		t.Errorf("clean exit: %q, %v", out, err)
	}
}

func TestStreamCloseAndCancelEndIt(t *testing.T) {
	c := sshtest.Start(t, 1)
	opts := c.Options()
	opts.MaxSessions = 3
	p := remote.NewPool(opts)
	defer p.Close()
	h := sshHost(t, p, "h1")
	endless := "while :; do echo tick; sleep 0.05; done"

	rc, err := h.Stream(context.Background(), endless)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(rc)
	if line, err := br.ReadString('\n'); err != nil || line != "tick\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	rc.Close()
	rc.Close() // twice is fine
	if _, err := io.ReadAll(br); err != nil {
		t.Errorf("reading a closed stream ends quietly, got %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	rc, err = h.Stream(ctx, endless)
	if err != nil {
		t.Fatal(err)
	}
	br = bufio.NewReader(rc)
	if _, err := br.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.ReadAll(br); err != nil {
		t.Errorf("a cancelled stream ends quietly, got %v", err)
	}
	rc.Close()
	if _, err := h.Stream(ctx, endless); err == nil {
		t.Error("Stream with a cancelled context started")
	}

	// Every session slot is free again: as many commands as slots run at once.
	n := opts.MaxSessions
	var streams []io.ReadCloser
	for range n {
		s, err := h.Stream(context.Background(), endless)
		if err != nil {
			t.Fatalf("after closing, stream %d of %d: %v", len(streams)+1, n, err)
		}
		streams = append(streams, s)
	}
	for _, s := range streams {
		s.Close()
	}
	r, err := h.Run(context.Background(), remote.Command{Cmd: "echo after", Keep: true})
	if err != nil || string(r.Stdout) != "after\n" {
		t.Errorf("Run after streams: %q, %v", r.Stdout, err)
	}
}
