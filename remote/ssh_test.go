package remote_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"porthole/remote"
	"porthole/remote/sshtest"
)

func run(t *testing.T, ex remote.Executor, cmd string) remote.Result {
	t.Helper()
	r, err := ex.Run(context.Background(), remote.Command{Cmd: cmd, Keep: true})
	if err != nil {
		t.Fatalf("%s on %s: %v", cmd, ex.Host(), err)
	}
	return r
}

func get(t *testing.T, p *remote.Pool, host string) remote.Executor {
	t.Helper()
	ex, err := p.Get(host)
	if err != nil {
		t.Fatalf("Get(%q): %v", host, err)
	}
	return ex
}

func TestExitCodesAndResult(t *testing.T) {
	c := sshtest.Start(t, 1)
	ex := get(t, c.Pool(), "h1")
	for _, code := range []int{0, 1, 3, 255} {
		r := run(t, ex, fmt.Sprintf("exit %d", code))
		if r.ExitCode != code {
			t.Errorf("exit %d: got ExitCode %d", code, r.ExitCode)
		}
	}
	r := run(t, ex, "kill -TERM $$")
	if r.ExitCode != 128+15 {
		t.Errorf("killed by SIGTERM: ExitCode %d, want 143", r.ExitCode)
	}
	cmd := remote.Command{Cmd: "pwd; echo \"$A\"", Dir: "/tmp", Env: map[string]string{"A": "it's $HOME"}, Keep: true}
	r, err := ex.Run(context.Background(), cmd)
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Stdout) != "/tmp\nit's $HOME\n" {
		t.Errorf("stdout %q", r.Stdout)
	}
	if r.Cmd != cmd.Script() || r.Host != "h1" || r.Duration <= 0 || r.Started.IsZero() {
		t.Errorf("result fields: %+v", r)
	}
}

// Lines arrive in order on each stream, complete, with a last line without
// newline, and OnLine is never called concurrently.
func TestLineStreaming(t *testing.T) {
	c := sshtest.Start(t, 1)
	ex := get(t, c.Pool(), "h1")
	var mu sync.Mutex
	inCall := false
	var out, errs []string
	cmd := remote.Command{
		Cmd: `i=1; while [ $i -le 2000 ]; do echo "o$i"; echo "e$i" >&2; i=$((i+1)); done; printf tail`,
		OnLine: func(l remote.Line) {
			mu.Lock()
			if inCall {
				t.Error("OnLine called concurrently")
			}
			inCall = true
			mu.Unlock()
			if l.Host != "h1" || l.Time.IsZero() {
				t.Errorf("line %+v", l)
			}
			if l.Stream == remote.Stdout {
				out = append(out, l.Text)
			} else {
				errs = append(errs, l.Text)
			}
			mu.Lock()
			inCall = false
			mu.Unlock()
		},
	}
	r, err := ex.Run(context.Background(), cmd)
	if err != nil || r.ExitCode != 0 {
		t.Fatalf("%+v %v", r, err)
	}
	if len(out) != 2001 || len(errs) != 2000 {
		t.Fatalf("got %d stdout and %d stderr lines, want 2001 and 2000", len(out), len(errs))
	}
	for i := 0; i < 2000; i++ {
		if out[i] != fmt.Sprintf("o%d", i+1) || errs[i] != fmt.Sprintf("e%d", i+1) {
			t.Fatalf("line %d out of order: %q %q", i, out[i], errs[i])
		}
	}
	if out[2000] != "tail" {
		t.Errorf("last line %q, want tail", out[2000])
	}
}

func TestStdin(t *testing.T) {
	c := sshtest.Start(t, 1)
	ex := get(t, c.Pool(), "h1")
	r, err := ex.Run(context.Background(), remote.Command{Cmd: "wc -c", Stdin: strings.NewReader(strings.Repeat("x", 100000)), Keep: true})
	if err != nil || strings.TrimSpace(string(r.Stdout)) != "100000" {
		t.Fatalf("%q %v", r.Stdout, err)
	}
	// No stdin: the command sees EOF at once (like ssh -n), it does not hang.
	r = run(t, ex, "cat; echo done")
	if string(r.Stdout) != "done\n" {
		t.Fatalf("%q", r.Stdout)
	}
}

// One TCP connection (one login in sshd's log) carries every command, also concurrent ones.
func TestConnectionReuse(t *testing.T) {
	c := sshtest.Start(t, 1)
	pool := c.Pool()
	ex := get(t, pool, "h1")
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := ex.Run(context.Background(), remote.Command{Cmd: "echo hi", Keep: true})
			if err != nil || string(r.Stdout) != "hi\n" {
				t.Errorf("%q %v", r.Stdout, err)
			}
		}()
	}
	wg.Wait()
	for i := 0; i < 10; i++ {
		run(t, ex, "true")
	}
	if again := get(t, pool, "h1"); again != ex {
		t.Error("Get returned a new executor for the same host")
	}
	if n := c.Logins(0); n != 1 {
		t.Errorf("sshd logged %d logins for 30 commands, want 1", n)
	}
	if s := pool.Stats(); s.Dials != 1 || s.Open != 1 {
		t.Errorf("stats %+v, want 1 dial, 1 open", s)
	}
}

// ssh_config aliases: HostName, Port, User and IdentityFile come from the file;
// user@host:port names work too.
func TestSSHConfigAliases(t *testing.T) {
	c := sshtest.Start(t, 2)
	dir := t.TempDir()
	// A key not in the default place, named only by the alias's IdentityFile.
	key, _ := os.ReadFile(c.KeyPath)
	keyPath := filepath.Join(dir, "deploy_key")
	os.WriteFile(keyPath, key, 0o600)
	cfg := filepath.Join(dir, "ssh_config")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`
Host deploy
    HostName 127.0.0.1
    Port %d
    User %s
    IdentityFile %s
Host app*
    HostName 127.0.0.1
    Port %d
Host *
    IdentityFile %s
    User nobody-at-all
`, c.Ports[0], c.User, keyPath, c.Ports[1], keyPath)), 0o644)
	pool := remote.NewPool(remote.SSHOptions{ConfigPath: cfg, KnownHosts: []string{c.KnownHostsPath}})
	defer pool.Close()
	if r := run(t, get(t, pool, "deploy"), "echo $SSH_CONNECTION"); !strings.HasSuffix(strings.TrimSpace(string(r.Stdout)), fmt.Sprint(c.Ports[0])) {
		t.Errorf("deploy reached %q, want port %d", r.Stdout, c.Ports[0])
	}
	if r := run(t, get(t, pool, c.User+"@app1"), "whoami"); strings.TrimSpace(string(r.Stdout)) != c.User {
		t.Errorf("user@app1 logged in as %q", r.Stdout)
	}
	// "app1" alone gets User nobody-at-all from Host *: refused, and the error says so.
	_, err := get(t, pool, "app1").Run(context.Background(), remote.Command{Cmd: "true"})
	var ce *remote.ConnError
	if !errors.As(err, &ce) || ce.Op != remote.OpAuth || !strings.Contains(err.Error(), "refused our keys") {
		t.Errorf("wrong user: got %v, want an auth ConnError", err)
	}
	addr := fmt.Sprintf("%s@127.0.0.1:%d", c.User, c.Ports[1])
	if r := run(t, get(t, pool, addr), "echo ok"); string(r.Stdout) != "ok\n" {
		t.Errorf("%s: %q", addr, r.Stdout)
	}
	if _, err := pool.Get("a b"); err == nil {
		t.Error("Get accepted a host name with a space")
	}
	if _, err := pool.Get("h:99999"); err == nil || !strings.Contains(err.Error(), "port") {
		t.Errorf("bad port: %v", err)
	}
}

func TestMissingConfigFile(t *testing.T) {
	pool := remote.NewPool(remote.SSHOptions{ConfigPath: filepath.Join(t.TempDir(), "nope")})
	_, err := pool.Get("h1")
	if err == nil || !strings.Contains(err.Error(), "cannot read ssh_config") {
		t.Fatalf("got %v", err)
	}
}

func TestProxyCommandRefused(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "ssh_config")
	os.WriteFile(cfg, []byte("Host x\n  ProxyCommand nc %h %p\n"), 0o644)
	_, err := remote.NewPool(remote.SSHOptions{ConfigPath: cfg}).Get("x")
	if err == nil || !strings.Contains(err.Error(), "use ProxyJump") {
		t.Fatalf("got %v", err)
	}
}

// With no paths given, ~/.ssh/config, ~/.ssh/known_hosts and ~/.ssh/id_ed25519 are used.
func TestDefaultsFromHome(t *testing.T) {
	c := sshtest.Start(t, 1)
	home := t.TempDir()
	t.Setenv("HOME", home)
	dot := filepath.Join(home, ".ssh")
	os.MkdirAll(dot, 0o700)
	key, _ := os.ReadFile(c.KeyPath)
	os.WriteFile(filepath.Join(dot, "id_ed25519"), key, 0o600)
	os.WriteFile(filepath.Join(dot, "known_hosts"), []byte(c.KnownHostsLine(0, true)+"\n"), 0o600)
	os.WriteFile(filepath.Join(dot, "config"), []byte(fmt.Sprintf("Host deploy1002\n  HostName 127.0.0.1\n  Port %d\n  User %s\n", c.Ports[0], c.User)), 0o600)
	pool := remote.NewPool(remote.SSHOptions{})
	defer pool.Close()
	if r := run(t, get(t, pool, "deploy1002"), "echo home"); string(r.Stdout) != "home\n" {
		t.Fatalf("%q", r.Stdout)
	}
}

// OnOutput gets the output byte for byte as Keep keeps it, line ends,
// carriage returns, NULs and an unterminated last line included, over SSH
// and locally.
func TestOnOutputIsTheKeptBytes(t *testing.T) {
	c := sshtest.Start(t, 1)
	cmd := `printf 'a\r\nb\r\0c\n\n'; printf 'warn\r' >&2; head -c 300000 /dev/zero | tr '\0' x; printf tail`
	for _, ex := range []remote.Executor{get(t, c.Pool(), "h1"), &remote.Local{Name: "local"}} {
		var mu sync.Mutex
		got := map[remote.Stream][]byte{}
		r, err := ex.Run(context.Background(), remote.Command{Cmd: cmd, Keep: true,
			OnOutput: func(host string, s remote.Stream, p []byte) {
				mu.Lock()
				defer mu.Unlock()
				if host != ex.Host() {
					t.Errorf("OnOutput from %q, want %q", host, ex.Host())
				}
				got[s] = append(got[s], p...)
			}})
		if err != nil || r.ExitCode != 0 {
			t.Fatalf("%s: %+v %v", ex.Host(), r, err)
		}
		if len(r.Stdout) != 300013 || string(r.Stderr) != "warn\r" {
			t.Fatalf("%s: kept %d bytes of stdout, stderr %q", ex.Host(), len(r.Stdout), r.Stderr)
		}
		if string(got[remote.Stdout]) != string(r.Stdout) || string(got[remote.Stderr]) != string(r.Stderr) {
			t.Errorf("%s: OnOutput got %d+%d bytes, not the %d+%d kept", ex.Host(),
				len(got[remote.Stdout]), len(got[remote.Stderr]), len(r.Stdout), len(r.Stderr))
		}
	}
}
