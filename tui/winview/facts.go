package winview

import (
	"sort"

	tea "charm.land/bubbletea/v2"

	"porthole/runbooks"
)

// This file is the one place in the TUI that reads what the window's steps
// learned (runbooks.Facts, from Run.Facts() and FactsLearned events): the
// saved incoming patch of each checkout, what was synced, the suggested
// maintenance runbooks and a revert's own SAL text.

// facts is what the window's steps have learnt so far.
type facts struct {
	f    *runbooks.Facts
	sugs []runbooks.Suggestion // the maintenance runbooks the deployed diff calls for, not yet opened
}

// factsOf is what a run's steps learnt before it was put on screen (a
// resumed window's, from its journal).
func factsOf(run Run) facts {
	f := run.Facts()
	if f == nil {
		f = &runbooks.Facts{}
	}
	return facts{f: f, sugs: f.Suggestions}
}

// RevertMsg asks the root to build the emergency revert of plan's changes
// (the window's, or only those the deployer picked), from what its steps learnt.
type RevertMsg struct {
	Plan  *runbooks.Plan
	Facts *runbooks.Facts
}

// onFacts takes the window's new facts in; a new incoming patch (a retried
// review) is counted again, and suggestions appear once the diff was read.
func (m *Model) onFacts(e runbooks.FactsLearned) tea.Cmd {
	before := m.facts.f
	m.facts.f = e.Facts
	if e.Facts.Suggested && !before.Suggested {
		m.facts.sugs = append(m.facts.sugs, e.Facts.Suggestions...)
	}
	m.syncNudge() // a new count of incoming commits
	return nil
}

// patchFile is the saved incoming patch of checkout repo ("" when none).
func (f facts) patchFile(repo string) string {
	if rf := f.f.Repos[repo]; rf != nil {
		return rf.PatchFile
	}
	return ""
}

// incoming is the number of commits in checkout repo's incoming patch.
func (f facts) incoming(repo string) int {
	if rf := f.f.Repos[repo]; rf != nil {
		return rf.Incoming
	}
	return 0
}

// patchFiles are the saved incoming patches by checkout.
func (f facts) patchFiles() map[string]string {
	out := map[string]string{}
	for repo, rf := range f.f.Repos {
		if rf.PatchFile != "" {
			out[repo] = rf.PatchFile
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

// synced says a change of the window reached production.
func (f facts) synced() bool {
	for _, cf := range f.f.Changes {
		if cf.Synced {
			return true
		}
	}
	return false
}

// suggestions are the suggested runbooks not opened yet.
func (f facts) suggestions() []runbooks.Suggestion { return f.sugs }

// Suggestions are the suggested runbooks not opened yet (the root carries
// them to the next window, so that a second and third are offered too).
func (m *Model) Suggestions() []runbooks.Suggestion {
	return append([]runbooks.Suggestion(nil), m.facts.sugs...)
}

// Carry puts suggestions of an earlier window (or one whose form was
// cancelled) before this window's own: offered with s once it is done.
func (m *Model) Carry(sugs []runbooks.Suggestion) {
	m.facts.sugs = append(append([]runbooks.Suggestion(nil), sugs...), m.facts.sugs...)
}

// takeSuggestion removes the first suggestion and returns it.
func (f *facts) takeSuggestion() runbooks.Suggestion {
	s := f.sugs[0]
	f.sugs = f.sugs[1:]
	return s
}

// sal is the window's Server Admin Log text: the one a step set (a
// revert's), or the engine's for the plan's changes.
func (m *Model) sal() string {
	if s := m.facts.f.SAL; s != "" {
		return s
	}
	return m.deps.SAL(m.plan)
}

// revertRequest asks for the revert of this window.
func (m *Model) revertRequest() RevertMsg {
	return RevertMsg{Plan: m.plan, Facts: m.facts.f.Copy()}
}
