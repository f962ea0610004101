package window

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"porthole/config"
	"porthole/gerrit"
	"porthole/gitops"
	"porthole/gitops/gitopstest"
	"porthole/internal/testreq"
	"porthole/remote"
	"porthole/runbooks"
)

// bpFixture is a staging layout, a fake Gerrit that lands changes into its
// origins when they are approved, local executors for every host role and a
// scap stand-in that really copies files to app-server directories.
type bpFixture struct {
	t       *testing.T
	s       *gitopstest.Staging
	g       *fakeGerrit
	env     *runbooks.Env
	apps    string // app servers' docroots: apps/<host>/...
	mwdebug string
	scapLog string
}

const scapStandIn = `#!/bin/sh
# scap stand-in for porthole's tests: records its argv, copies for real.
set -e
sub=$1; shift
case "$sub" in
pull)
	d=$(mktemp -d "$MWDEBUG/pull.XXXXXX")
	tar -C "$STAGING" --exclude=.git -cf - . | tar -C "$d" -xf -
	echo "pulled to $d"
	;;
sync-file)
	n=$(ls "$SCAP_LOG" | wc -l)
	printf '%s\0' "$@" > "$SCAP_LOG/sync-file.$n"
	path=$1
	if [ ! -e "$STAGING/$path" ]; then echo "$path does not exist in $STAGING" >&2; exit 2; fi
	echo "Started scap sync-file: $2"
	total=$(ls "$APPS" | wc -l); i=0
	echo "$(date +%H:%M:%S) sync-apaches:   0% (ok: 0; fail: 0; left: $total)"
	for h in $(ls "$APPS"); do
		rm -rf "$APPS/$h/$path"
		mkdir -p "$APPS/$h"
		tar -C "$STAGING" --exclude=.git -cf - "$path" | tar -C "$APPS/$h" -xf -
		i=$((i+1))
		echo "$(date +%H:%M:%S) sync-apaches: $((100*i/total))% (in-flight: 0; ok: $i; fail: 0; left: $((total-i)))"
	done
	echo "Synchronized $path: $2 (duration: 00m 01s)"
	;;
*) echo "scap stand-in: unknown $sub" >&2; exit 1 ;;
esac
`

func newBPFixture(t *testing.T) *bpFixture {
	t.Helper()
	testreq.Tmux(t) // the production syncs run scap detached in tmux
	s := gitopstest.NewIsolated(t)
	f := &bpFixture{t: t, s: s, apps: filepath.Join(s.Root, "apps"), mwdebug: filepath.Join(s.Root, "mwdebug"), scapLog: filepath.Join(s.Root, "scaplog")}
	bin := filepath.Join(s.Root, "bin")
	for _, d := range []string{bin, f.mwdebug, f.scapLog} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 3; i++ {
		if err := os.MkdirAll(filepath.Join(f.apps, fmt.Sprintf("mw100%d", i)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(bin, "scap"), []byte(scapStandIn), 0o755); err != nil {
		t.Fatal(err)
	}
	// The stand-in's settings and git's go with each command, not into the
	// test process's environment, so that fixtures can run in parallel.
	hostEnv := map[string]string{"PATH": bin + ":" + os.Getenv("PATH"), "STAGING": s.Dir,
		"APPS": f.apps, "MWDEBUG": f.mwdebug, "SCAP_LOG": f.scapLog}
	for _, kv := range s.Env() { // the fixture's git identity and settings
		k, v, _ := strings.Cut(kv, "=")
		hostEnv[k] = v
	}

	cfg := config.DefaultConfig()
	cfg.StateDir = filepath.Join(s.Root, "state")
	cfg.StagingDir = s.Dir
	cfg.LockDir = filepath.Join(s.Root, "lock")                          // the fixture deploy host's /var/lock
	cfg.Maintenance.TranscriptDir = filepath.Join(s.Root, "transcripts") // scap runs in tmux: not in the package dir
	cfg.Maintenance.TmuxSocket = testreq.TmuxServer(t)                   // a server of the test's own, killed at cleanup
	cfg.Hosts = map[string][]string{
		config.RoleDeploy:      {"deploy1002"},
		config.RoleTestServers: {"mwdebug1001", "mwdebug1002"},
		config.RoleAppServers:  {"mw1001", "mw1002", "mw1003"},
	}
	dial := func(host string) (remote.Executor, error) {
		return &fixtureHost{Local: remote.Local{Name: host}, env: hostEnv}, nil
	}
	f.g = newFakeGerrit(s)
	f.env = &runbooks.Env{Config: cfg, Hosts: config.NewHosts(cfg, dial), Gerrit: f.g, User: "alice",
		Now: func() time.Time { return time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC) }} // a Tuesday
	return f
}

// fixtureHost is a local executor whose commands also get env (a command's
// own Env wins); its results show the command as the runbook gave it.
type fixtureHost struct {
	remote.Local
	env map[string]string
}

func (h *fixtureHost) Run(ctx context.Context, cmd remote.Command) (remote.Result, error) {
	asked := cmd.Script()
	env := maps.Clone(h.env)
	maps.Copy(env, cmd.Env)
	cmd.Env = env
	res, err := h.Local.Run(ctx, cmd)
	res.Cmd = asked
	return res, err
}

// fakeGerrit serves changes from memory and, like Zuul's gate-and-submit,
// lands a change in the fixture's origin when it is approved.
type fakeGerrit struct {
	mu       sync.Mutex
	s        *gitopstest.Staging
	changes  map[int]*gerrit.Change
	land     map[int]func() string
	approved []int
	next     int
}

func newFakeGerrit(s *gitopstest.Staging) *fakeGerrit {
	return &fakeGerrit{s: s, changes: map[int]*gerrit.Change{}, land: map[int]func() string{}, next: 9000}
}

// add registers a NEW change and how it lands when it merges.
func (g *fakeGerrit) add(ch *gerrit.Change, land func() string) *gerrit.Change {
	g.mu.Lock()
	defer g.mu.Unlock()
	if ch.Status == "" {
		ch.Status = "NEW"
	}
	if ch.ChangeID == "" {
		ch.ChangeID = gitopstest.ChangeID(ch.Number)
	}
	if ch.Owner.Name == "" {
		ch.Owner = gerrit.Account{Name: "Patch Owner", Username: "powner"}
	}
	ch.PatchSet = 1
	ch.CurrentRevision = fmt.Sprintf("%040x", ch.Number)
	g.changes[ch.Number] = ch
	g.land[ch.Number] = land
	return ch
}

func (g *fakeGerrit) Resolve(ctx context.Context, ref string) (*gerrit.Change, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	key := strings.TrimRight(ref, "/")
	if i := strings.LastIndexAny(key, "~/"); i >= 0 {
		key = key[i+1:]
	}
	if n, err := strconv.Atoi(key); err == nil {
		if ch, ok := g.changes[n]; ok {
			c := *ch
			return &c, nil
		}
		return nil, fmt.Errorf("change %s not found", ref)
	}
	for _, ch := range g.changes {
		if ch.ChangeID == key {
			c := *ch
			return &c, nil
		}
	}
	// like Gerrit's receive: a refs/for/ push with this Change-Id becomes a change
	for _, p := range []string{gitopstest.ConfigProject, gitopstest.CoreProject, gitopstest.EchoProject} {
		bare := g.s.Bare(p)
		out, _ := exec.Command("git", "-C", bare, "for-each-ref", "--format=%(refname) %(objectname)", "refs/for/").Output()
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			f := strings.Fields(line)
			if len(f) != 2 {
				continue
			}
			msg, _ := exec.Command("git", "-C", bare, "log", "-1", "--format=%B", f[1]).Output()
			if !strings.Contains(string(msg), "Change-Id: "+key) {
				continue
			}
			g.next++
			branch := strings.TrimPrefix(f[0], "refs/for/")
			branch, _, _ = strings.Cut(branch, "%")
			subject, _, _ := strings.Cut(string(msg), "\n")
			ch := &gerrit.Change{Number: g.next, Project: p, Branch: branch, ChangeID: key, Subject: subject, Status: "NEW",
				CurrentRevision: f[1], WebURL: fmt.Sprintf("https://gerrit.test/r/c/%s/+/%d", p, g.next)}
			g.changes[ch.Number] = ch
			c := *ch
			return &c, nil
		}
	}
	return nil, fmt.Errorf("change %s not found", ref)
}

func (g *fakeGerrit) Approve(ctx context.Context, ch *gerrit.Change, message string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if message != "Backport" {
		return fmt.Errorf("approve message %q", message)
	}
	g.approved = append(g.approved, ch.Number)
	c := g.changes[ch.Number]
	c.Labels = map[string][]gerrit.Vote{"Code-Review": {{Account: gerrit.Account{Username: "alice"}, Value: 2}}}
	return nil
}

func (g *fakeGerrit) WaitForMerge(ctx context.Context, ch *gerrit.Change, opts gerrit.WaitOptions, status func(gerrit.WaitStatus)) (gerrit.WaitResult, error) {
	g.mu.Lock()
	c := g.changes[ch.Number]
	land := g.land[ch.Number]
	merged := c.Status == "MERGED"
	g.mu.Unlock()
	status(gerrit.WaitStatus{Change: ch.Number, Elapsed: time.Second, Polls: 1, Status: "NEW", Note: "CI running"})
	if !merged {
		sha := land()
		g.mu.Lock()
		c.Status, c.MergedRevision = "MERGED", sha
		g.mu.Unlock()
	}
	g.mu.Lock()
	cc := *c
	g.mu.Unlock()
	return gerrit.WaitResult{Reason: gerrit.WaitMerged, Change: &cc, Elapsed: 2 * time.Second}, nil
}

// configChange adds a mediawiki-config change that lands files on master.
func (f *bpFixture) configChange(n int, subject string, bugs []string, files map[string]string) *gerrit.Change {
	ch := &gerrit.Change{Number: n, Project: gitopstest.ConfigProject, Branch: "master", Subject: subject, Bugs: bugs, Files: filesOf(files)}
	return f.g.add(ch, func() string {
		return f.s.Land(gitopstest.ConfigProject, "master", gitopstest.Message(subject, ch.ChangeID, bugs...), files)
	})
}

// coreChange adds a mediawiki/core change on the wmf branch.
func (f *bpFixture) coreChange(n int, subject string, files map[string]string) *gerrit.Change {
	ch := &gerrit.Change{Number: n, Project: gitopstest.CoreProject, Branch: f.s.Branch, Subject: subject, Bugs: []string{"T" + strconv.Itoa(n)}, Files: filesOf(files)}
	return f.g.add(ch, func() string {
		return f.s.Land(gitopstest.CoreProject, f.s.Branch, gitopstest.Message(subject, ch.ChangeID, ch.Bugs...), files)
	})
}

// echoChange adds an Echo change; merging it also bumps core's submodule.
func (f *bpFixture) echoChange(n int, subject string, files map[string]string) *gerrit.Change {
	ch := &gerrit.Change{Number: n, Project: gitopstest.EchoProject, Branch: f.s.Branch, Subject: subject, Files: filesOf(files)}
	return f.g.add(ch, func() string {
		ext, _ := f.s.LandExtension(subject, ch.ChangeID, files)
		return ext
	})
}

func filesOf(files map[string]string) []gerrit.File {
	var fs []gerrit.File
	for p, c := range files {
		st := "M"
		if c == gitopstest.Delete {
			st = "D"
		}
		fs = append(fs, gerrit.File{Path: p, Status: st})
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].Path < fs[j].Path })
	return fs
}

// run runs a plan, answering gates with answer ("y" when nil).
func (f *bpFixture) run(p *runbooks.Plan, answer func(runbooks.GateRequest) string) (*runbooks.Runner, []runbooks.Event, error) {
	f.t.Helper()
	return f.runTimed(p, answer, nil)
}

// runTimed is run with a hook seeing every event as it arrives.
func (f *bpFixture) runTimed(p *runbooks.Plan, answer func(runbooks.GateRequest) string, seen func(runbooks.Event)) (*runbooks.Runner, []runbooks.Event, error) {
	f.t.Helper()
	j, err := runbooks.OpenJournal(f.env.Config.StateDir, p)
	if err != nil {
		f.t.Fatal(err)
	}
	r := runbooks.NewRunner(f.env, p, j, runbooks.RunOptions{Backoff: func(int) time.Duration { return time.Millisecond }})
	r.Start(context.Background())
	var evs []runbooks.Event
	var runErr error
	for e := range r.Events() {
		evs = append(evs, e)
		if seen != nil {
			seen(e)
		}
		switch ev := e.(type) {
		case runbooks.GateRequest:
			choice := "y"
			if answer != nil {
				choice = answer(ev)
			}
			ev.Answer(runbooks.Decision{Choice: choice, By: "alice", At: time.Now()})
		case runbooks.RunFinished:
			runErr = ev.Err
		}
	}
	return r, evs, runErr
}

func (f *bpFixture) build(kind string, params map[string]string) *runbooks.Plan {
	f.t.Helper()
	p, err := runbooks.Build(context.Background(), f.env, kind, params)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *bpFixture) appFile(host, p string) string {
	b, err := os.ReadFile(filepath.Join(f.apps, host, p))
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(b)
}

// scapCalls are the argv lists the scap stand-in recorded for sync-file.
func (f *bpFixture) scapCalls() [][]string {
	ents, _ := os.ReadDir(f.scapLog)
	var calls [][]string
	for i := 0; i < len(ents); i++ {
		b, err := os.ReadFile(filepath.Join(f.scapLog, fmt.Sprintf("sync-file.%d", i)))
		if err != nil {
			continue
		}
		calls = append(calls, strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00"))
	}
	return calls
}

func bpNotes(evs []runbooks.Event) []string {
	var out []string
	for _, e := range evs {
		if n, ok := e.(runbooks.StepNote); ok {
			out = append(out, n.Text)
		}
	}
	return out
}

func bpStepIDs(p *runbooks.Plan) []string {
	var ids []string
	for _, s := range p.Steps {
		ids = append(ids, s.ID)
	}
	return ids
}

func bpStep(p *runbooks.Plan, id string) *runbooks.Step {
	for _, s := range p.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

var _ = gitops.Cmd
