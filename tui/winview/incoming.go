package winview

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// IncomingMsg brings back how many commits a checkout's incoming patch holds.
type IncomingMsg struct {
	gen  int
	repo string
	n    int
	err  error
}

// countIncomingCmd counts the commits of a saved `git log -p` (a line
// "commit <40 hex>" starts each; diff and message lines never start so).
func countIncomingCmd(gen int, repo, path string) tea.Cmd {
	return func() tea.Msg {
		f, err := os.Open(path)
		if err != nil {
			return IncomingMsg{gen: gen, repo: repo, err: err}
		}
		defer f.Close()
		n := 0
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
		for sc.Scan() {
			if isCommitLine(sc.Text()) {
				n++
			}
		}
		return IncomingMsg{gen: gen, repo: repo, n: n, err: sc.Err()}
	}
}

func isCommitLine(l string) bool {
	sha, ok := strings.CutPrefix(l, "commit ")
	if !ok || len(sha) < 40 {
		return false
	}
	return strings.Trim(sha[:40], "0123456789abcdef") == ""
}

// countIncoming asks for the commit counts of the patches not counted yet.
func (m *Model) countIncoming() tea.Cmd {
	var cmds []tea.Cmd
	for repo, path := range m.facts.patchFiles() {
		if _, counted := m.incoming[repo]; !counted && path != "" {
			m.incoming[repo] = -1 // asked
			cmds = append(cmds, countIncomingCmd(m.gen, repo, path))
		}
	}
	return tea.Batch(cmds...)
}

// onIncoming records a count (a patch that cannot be read just gets no number).
func (m *Model) onIncoming(msg IncomingMsg) {
	if msg.gen != m.gen {
		return
	}
	if msg.err != nil {
		m.deps.Log.Info("cannot count the incoming commits", "repo", msg.repo, "err", msg.err)
		return
	}
	m.incoming[msg.repo] = msg.n
	m.syncNudge()
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
		n = m.incoming[repo]
	} else {
		for r := range m.facts.patchFiles() {
			if m.incoming[r] > 0 {
				n += m.incoming[r]
			}
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
