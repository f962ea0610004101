package winview

import (
	"fmt"
	"strings"
)

// IncomingMsg brings back how many commits a checkout's incoming patch holds.
type IncomingMsg struct {
	gen  int
	repo string
	n    int
	err  error
}

// syncNudge puts the diff nudge under the step at the gate (and only there).
func (m *Model) syncNudge() {
	for _, s := range m.steps.Steps() {
		if m.steps.Hint(s.ID) != "" {
			m.steps.SetHint(s.ID, "")
		}
	}
	if n := m.diffNudge(); n != "" {
		m.steps.SetHint(m.gate.StepID, n)
	}
}

// diffNudge asks the deployer to read the incoming diff before the step at
// the gate, until d was pressed once in this window ("" then, or when
// nothing was fetched). It does not block anything: it only says it.
func (m *Model) diffNudge() string {
	if m.diffRead || m.gate == nil || m.patchFor("") == "" {
		return ""
	}
	before := "before going on"
	if strings.HasPrefix(m.gate.StepID, "sync") {
		before = "before syncing"
	}
	n := 0
	repo, rebase := strings.CutPrefix(m.gate.StepID, "rebase-")
	if rebase && m.facts.patchFile(repo) != "" {
		before = "before rebasing"
		n = m.facts.incoming(repo)
	} else {
		for r := range m.facts.patchFiles() {
			n += m.facts.incoming(r)
		}
	}
	what := "the incoming diff"
	switch {
	case n == 1:
		what = "the 1 incoming commit"
	case n > 1:
		what = fmt.Sprintf("the %d incoming commits", n)
	}
	return "d: read " + what + " " + before
}

// patchFor is the incoming patch of a step's checkout, or of any checkout.
func (m *Model) patchFor(stepID string) string {
	if repo, ok := strings.CutPrefix(stepID, "review-"); ok {
		if p := m.facts.patchFile(repo); p != "" {
			return p
		}
	}
	return m.facts.anyPatchFile()
}
