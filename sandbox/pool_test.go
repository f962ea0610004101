package sandbox

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"porthole/remote"
)

// TestPortholePool drives the sandbox with porthole's own SSH client, the
// path the demo exercises: ssh_config aliases, the sandbox's key and strict
// known_hosts, connection reuse, fan-out and cancel.
func TestPortholePool(t *testing.T) {
	sb := shared(t)
	pool := remote.NewPool(remote.SSHOptions{ConfigPath: sb.SSHConfigPath, KnownHosts: sb.Config.KnownHosts})
	defer pool.Close()
	ctx := context.Background()

	deploy, err := pool.Get(DeployHost)
	if err != nil {
		t.Fatal(err)
	}
	res, err := deploy.Run(ctx, remote.Command{Cmd: "git status", Dir: filepath.Join(sb.StagingDir(), "php-"+sb.Version), Keep: true})
	if err != nil || res.ExitCode != 0 || !strings.Contains(string(res.Stdout), "Your branch is ahead of 'origin/wmf/"+sb.Version+"' by 1 commit") {
		t.Fatalf("git status through the pool: %v, exit %d, %s%s", err, res.ExitCode, res.Stdout, res.Stderr)
	}
	res, err = deploy.Run(ctx, remote.Command{Cmd: "echo \"$GREETING\" >&2; exit 4", Env: map[string]string{"GREETING": "it's me"}, Keep: true})
	if err != nil || res.ExitCode != 4 || string(res.Stderr) != "it's me\n" {
		t.Errorf("exit and stderr through the pool: %v, %d, %q", err, res.ExitCode, res.Stderr)
	}

	apps, err := pool.GetAll(sb.Config.Hosts["appservers"])
	if err != nil {
		t.Fatal(err)
	}
	var last remote.Progress
	cmd := remote.Command{Cmd: `echo $SANDBOX_HOST $(grep -c php-` + sb.Version + ` "$SANDBOX_MEDIAWIKI/wikiversions.json")`, Keep: true}
	results := remote.FanOut(ctx, apps, cmd, remote.FanOutOptions{OnProgress: func(p remote.Progress) { last = p }})
	for _, r := range results {
		if want := r.Host + " 10\n"; r.Failed() || string(r.Result.Stdout) != want {
			t.Errorf("%s: %+v %v %q, want %q", r.Host, r.Result, r.Err, r.Result.Stdout, want)
		}
	}
	if last.OK != len(apps) || last.Failed != 0 {
		t.Errorf("fan-out progress ended at %+v", last)
	}

	// Cancel stops the remote command.
	pidFile := filepath.Join(t.TempDir(), "pid")
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := deploy.Run(cctx, remote.Command{Cmd: "echo $$ > " + remote.Quote(pidFile) + "; exec sleep 300"})
		done <- err
	}()
	waitFor(t, "the command to start", func() bool { return readPID(t, pidFile) > 0 })
	pid := readPID(t, pidFile)
	cancel()
	if err := <-done; err == nil {
		t.Error("a cancelled Run returned no error")
	}
	waitFor(t, "the cancelled command to die", func() bool { return !pidAlive(pid) })
	if _, err := os.Stat(pidFile); err != nil {
		t.Fatal(err)
	}
	// The connection is still good for the next step.
	if res, err := deploy.Run(ctx, remote.Command{Cmd: "true"}); err != nil || res.ExitCode != 0 {
		t.Errorf("after a cancel: %v %+v", err, res)
	}
}
