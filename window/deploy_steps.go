package window

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"

	"porthole/config"
	"porthole/remote"
	"porthole/runbooks"
)

func (bp *backport) syncTestServers(ctx context.Context, sc *runbooks.StepContext) error {
	cmd := bp.env.Config.Commands.SyncTestServers
	if cmd == "" {
		return fmt.Errorf("no test-server sync command configured: set commands.sync_testservers (e.g. scap pull)")
	}
	res, err := sc.ExecAll(ctx, config.RoleTestServers, remote.Command{Cmd: cmd}, remote.FanOutOptions{Name: "sync-testservers"})
	if err != nil {
		return err
	}
	var failed []string
	for _, hr := range res {
		switch {
		case hr.Err != nil:
			failed = append(failed, fmt.Sprintf("%s (%v)", hr.Host, hr.Err))
		case hr.Skipped:
			failed = append(failed, hr.Host+" (not started)")
		case hr.Result.ExitCode != 0:
			failed = append(failed, fmt.Sprintf("%s (exit %d)", hr.Host, hr.Result.ExitCode))
		}
	}
	if len(failed) > 0 {
		return &syncError{msg: fmt.Sprintf("%s failed on %d of %d test servers: %s", cmd, len(failed), len(res), strings.Join(failed, ", ")), transient: allTransient(res)}
	}
	sc.Note(runbooks.Info, "%s done on %s", cmd, countOf(len(res), "test server"))
	return nil
}

// syncError is a fan-out that failed; transient when every failure was a connection error.
type syncError struct {
	msg       string
	transient bool
}

func (e *syncError) Error() string   { return e.msg }
func (e *syncError) Transient() bool { return e.transient }

func allTransient(res []remote.HostResult) bool {
	any := false
	for _, hr := range res {
		if hr.Failed() {
			if hr.Err == nil || !runbooks.IsTransient(hr.Err) {
				return false
			}
			any = true
		}
	}
	return any
}

func (bp *backport) postDeploy(ctx context.Context, sc *runbooks.StepContext) error {
	var patch []byte
	for _, g := range bp.repos {
		f := sc.Facts().Repo(g.Repo).PatchFile
		if f == "" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			sc.Note(runbooks.Warn, "cannot read the saved patch of %s (%v): no maintenance suggestions for it", g.Repo, err)
			continue
		}
		patch = append(patch, b...)
	}
	sugs := runbooks.Suggest(patch, bp.changes)
	for _, s := range sugs {
		sc.Note(runbooks.Info, "suggested: %s %s: %s", s.Runbook, paramString(s.Params), s.Reason)
	}
	if sugs == nil {
		sugs = []runbooks.Suggestion{}
	}
	sc.Learn(func(f *runbooks.Facts) { f.Suggestions, f.Suggested = sugs, true })
	if open := unaddressed(sc.Plan.Warnings, sc.Facts()); len(open) > 0 {
		for _, o := range open {
			sc.Note(runbooks.Danger, "%s", o)
		}
		return fmt.Errorf("the window is not done: %s", strings.Join(open, "; "))
	}
	sc.Note(runbooks.Info, "ask %s to verify again with X-Wikimedia-Debug turned off, and watch the error logs (logspam-watch) for a few minutes", owners(bp.changes))
	sc.Note(runbooks.Info, "if it misbehaves: porthole revert (r) reverts on the deployment host and syncs first, then pushes the revert to Gerrit")
	return nil
}

func paramString(p map[string]string) string {
	var keys []string
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+"="+p[k])
	}
	return strings.Join(parts, " ")
}
