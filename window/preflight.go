package window

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"porthole/config"
	"porthole/gitops"
	"porthole/remote"
	"porthole/runbooks"
)

// preflightStep checks, before any Gerrit vote, everything the window will
// need, so that a change is never merged by a window that cannot deploy it.
func (bp *backport) preflightStep() *runbooks.Step {
	return &runbooks.Step{
		ID: "preflight", Title: "Pre-flight: hosts, staging checkouts, branches and scap, before any vote",
		Role: config.RoleDeploy, Dir: bp.env.Config.StagingDir,
		Undo: "nothing to undo: it only reads", Inert: true,
		Do: bp.preflight, Check: checkNever,
	}
}

// preflight: each host the window uses answers; the staging checkout and
// each php-<version> exist, are on the right branch, and are clean apart
// from local security patches; scap (the configured sync commands) is
// there. It fails with every reason at once, before the vote.
func (bp *backport) preflight(ctx context.Context, sc *runbooks.StepContext) error {
	cfg := bp.env.Config
	var problems []string
	q := deployQuery(sc)
	if ok, err := gitops.DirExists(ctx, q, cfg.StagingDir); err != nil {
		problems = append(problems, fmt.Sprintf("the deployment host does not answer: %v", err))
	} else if !ok {
		problems = append(problems, fmt.Sprintf("staging_dir %s does not exist on the deployment host: check staging_dir in the config", cfg.StagingDir))
	} else {
		for _, g := range bp.repos {
			problems = append(problems, bp.preflightRepo(ctx, q, g)...)
		}
		problems = append(problems, preflightCommand(ctx, sc, config.RoleDeploy, cfg.Commands.SyncFile)...)
	}
	problems = append(problems, preflightCommand(ctx, sc, config.RoleTestServers, cfg.Commands.SyncTestServers)...)
	if len(problems) > 0 {
		for _, p := range problems {
			sc.Note(runbooks.Danger, "pre-flight: %s", p)
		}
		return errors.New("pre-flight failed, nothing was approved in Gerrit: " + strings.Join(problems, "; "))
	}
	sc.Note(runbooks.Info, "pre-flight: hosts answer, %s ready, scap present", countOf(len(bp.repos), "checkout"))
	return nil
}

// preflightRepo checks one checkout: present, on the branch the changes
// are on, clean apart from local commits (security patches).
func (bp *backport) preflightRepo(ctx context.Context, q gitops.Run, g *repoGroup) []string {
	if ok, err := gitops.DirExists(ctx, q, g.Dir); err != nil || !ok {
		return []string{fmt.Sprintf("%s does not exist on the deployment host (is staging_dir right? is %s staged?)", g.Dir, g.Repo)}
	}
	st, err := gitops.Status(ctx, q, g.Dir)
	if err != nil {
		return []string{fmt.Sprintf("git status in %s failed: %v", g.Dir, err)}
	}
	f := AssessStatus(st)
	problems := append([]string(nil), f.Problems...)
	if want := g.Changes[0].Branch; st.Upstream != "" && !strings.HasSuffix(st.Upstream, "/"+want) {
		problems = append(problems, fmt.Sprintf("%s tracks %s, but the changes are on %s", g.Dir, st.Upstream, want))
	}
	return problems
}

// preflightCommand checks that the first word of a configured command is
// found on every host of role (which also shows each answers).
func preflightCommand(ctx context.Context, sc *runbooks.StepContext, role, template string) []string {
	fields := strings.Fields(template)
	if len(fields) == 0 {
		return nil
	}
	bin := fields[0]
	execs, err := sc.Env.Hosts.All(role)
	if err != nil {
		return []string{fmt.Sprintf("the %s hosts: %v", role, err)}
	}
	// quiet: a check, not a sync, so no progress lines
	res := remote.FanOut(ctx, execs, remote.Command{Cmd: "command -v " + remote.Quote(bin) + " >/dev/null", Keep: true},
		remote.FanOutOptions{Concurrency: len(execs) + 1})
	for _, hr := range res {
		if !hr.Skipped {
			sc.RecordRun(hr.Result, hr.Err)
		}
	}
	var problems []string
	for _, hr := range res {
		switch {
		case hr.Err != nil:
			problems = append(problems, fmt.Sprintf("%s (%s) does not answer: %v", hr.Host, role, hr.Err))
		case hr.Skipped:
			problems = append(problems, fmt.Sprintf("%s (%s) was not reached", hr.Host, role))
		case hr.Result.ExitCode != 0:
			problems = append(problems, fmt.Sprintf("%s is not installed on %s (%s)", bin, hr.Host, role))
		}
	}
	return problems
}
