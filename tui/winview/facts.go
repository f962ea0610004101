package winview

import (
	"encoding/json"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"

	"porthole/runbooks"
)

// This file is the one place in the TUI that reads the window's string-keyed
// variables (Run.Vars(), runbooks.VarSet): "patch:"+repo (the saved incoming
// patch of a checkout), "suggestions" (JSON), "synced:"+step ("1" once
// synced), "sal" (a revert's own SAL text). The rest of the TUI asks these
// functions, and hands the variables on whole only to the engine (SAL,
// BuildRevert).

// facts is what the window's steps have learnt so far.
type facts struct {
	vars map[string]string
	sugs []runbooks.Suggestion // the maintenance runbooks the deployed diff calls for, not yet opened
}

// factsOf is what a run's steps learnt before it was put on screen (a
// resumed window's, from its journal).
func factsOf(run Run) facts {
	f := facts{vars: map[string]string{}}
	for k, v := range run.Vars() {
		f.vars[k] = v
	}
	return f
}

// RevertMsg asks the root to build the emergency revert of plan, from what
// its steps learnt.
type RevertMsg struct {
	Plan *runbooks.Plan
	Vars map[string]string
}

// onVar records a variable a step set; a new incoming patch (a retried
// review) is counted again.
func (m *Model) onVar(e runbooks.VarSet) tea.Cmd {
	f := &m.facts
	f.vars[e.Key] = e.Value
	if e.Key == "suggestions" {
		f.sugs = nil
		_ = json.Unmarshal([]byte(e.Value), &f.sugs)
	}
	if repo, ok := strings.CutPrefix(e.Key, "patch:"); ok {
		delete(m.incoming, repo)
		return m.countIncoming()
	}
	return nil
}

// patchFile is the saved incoming patch of checkout repo ("" when none).
func (f facts) patchFile(repo string) string { return f.vars["patch:"+repo] }

// patchFiles are the saved incoming patches by checkout.
func (f facts) patchFiles() map[string]string {
	out := map[string]string{}
	for k, v := range f.vars {
		if repo, ok := strings.CutPrefix(k, "patch:"); ok {
			out[repo] = v
		}
	}
	return out
}

// anyPatchFile is the patch of the first checkout by name ("" when none).
func (f facts) anyPatchFile() string {
	var repos []string
	for repo := range f.patchFiles() {
		repos = append(repos, repo)
	}
	sort.Strings(repos)
	if len(repos) == 0 {
		return ""
	}
	return f.patchFile(repos[0])
}

// synced says a step has synced something to production.
func (f facts) synced() bool {
	for k, v := range f.vars {
		if strings.HasPrefix(k, "synced:") && v == "1" {
			return true
		}
	}
	return false
}

// suggestions are the suggested runbooks not opened yet.
func (f facts) suggestions() []runbooks.Suggestion { return f.sugs }

// takeSuggestion removes the first suggestion and returns it.
func (f *facts) takeSuggestion() runbooks.Suggestion {
	s := f.sugs[0]
	f.sugs = f.sugs[1:]
	return s
}

// sal is the window's Server Admin Log text: the one a step set (a
// revert's), or the engine's for the plan's changes.
func (m *Model) sal() string {
	if s := m.facts.vars["sal"]; s != "" {
		return s
	}
	return m.deps.SAL(m.plan)
}

// revertRequest asks for the revert of this window.
func (m *Model) revertRequest() RevertMsg {
	vars := make(map[string]string, len(m.facts.vars))
	for k, v := range m.facts.vars {
		vars[k] = v
	}
	return RevertMsg{Plan: m.plan, Vars: vars}
}
