package tui

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// incomingMsg brings back how many commits a checkout's incoming patch holds.
type incomingMsg struct {
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
			return incomingMsg{gen: gen, repo: repo, err: err}
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
		return incomingMsg{gen: gen, repo: repo, n: n, err: sc.Err()}
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
	w := m.win
	var cmds []tea.Cmd
	for repo, rf := range w.facts.Repos {
		path := rf.PatchFile
		if _, counted := w.incoming[repo]; !counted && path != "" {
			w.incoming[repo] = -1 // asked
			cmds = append(cmds, countIncomingCmd(w.gen, repo, path))
		}
	}
	return tea.Batch(cmds...)
}

// onIncoming records a count (a patch that cannot be read just gets no number).
func (m *Model) onIncoming(msg incomingMsg) {
	if m.win == nil || msg.gen != m.win.gen {
		return
	}
	if msg.err != nil {
		m.log.Info("cannot count the incoming commits", "repo", msg.repo, "err", msg.err)
		return
	}
	m.win.incoming[msg.repo] = msg.n
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
		m.steps.SetHint(m.win.gate.StepID, n)
	}
}

// diffNudge asks the deployer to read the incoming diff before the step at
// the gate, until d was pressed once in this window ("" then, or when
// nothing was fetched). It does not block anything: it only says it.
func (m Model) diffNudge() string {
	w := m.win
	if w == nil || w.diffRead || w.gate == nil || m.patchFor("") == "" {
		return ""
	}
	before := "before going on"
	if strings.HasPrefix(w.gate.StepID, "sync") {
		before = "before syncing"
	}
	n := 0
	repo, rebase := strings.CutPrefix(w.gate.StepID, "rebase-")
	if rf := w.facts.Repos[repo]; rebase && rf != nil && rf.PatchFile != "" {
		before = "before rebasing"
		n = w.incoming[repo]
	} else {
		for r, rf := range w.facts.Repos {
			if rf.PatchFile != "" && w.incoming[r] > 0 {
				n += w.incoming[r]
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
