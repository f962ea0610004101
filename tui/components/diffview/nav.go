package diffview

import (
	"fmt"
	"sort"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// key handles a key outside the search prompt: moving, jumping, searching.
func (m Model) key(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.c.Keys
	body := m.body()
	m.status = ""
	switch {
	case key.Matches(msg, k.Back, k.Quit):
		return m, func() tea.Msg { return CloseMsg{} }
	case key.Matches(msg, k.Down):
		m.top++
	case key.Matches(msg, k.Up):
		m.top--
	case key.Matches(msg, k.PageDown):
		m.top += body
	case key.Matches(msg, k.PageUp):
		m.top -= body
	case key.Matches(msg, k.HalfDown):
		m.top += body / 2
	case key.Matches(msg, k.HalfUp):
		m.top -= body / 2
	case key.Matches(msg, k.Top):
		m.top = 0
	case key.Matches(msg, k.Bottom):
		m.top = m.lines()
		if m.doc != nil && !m.doc.Done() {
			m.status = "still reading the file: this is the end so far"
		}
	case key.Matches(msg, k.Right):
		m.hoff += 8
	case key.Matches(msg, k.Left):
		m.hoff = max(0, m.hoff-8)
	case key.Matches(msg, k.NextFile):
		m.jump(m.fileLines(), true, "file")
	case key.Matches(msg, k.PrevFile):
		m.jump(m.fileLines(), false, "file")
	case key.Matches(msg, k.NextCommit):
		m.jump(m.commitLines(), true, "commit")
	case key.Matches(msg, k.PrevCommit):
		m.jump(m.commitLines(), false, "commit")
	case key.Matches(msg, k.Search):
		m.searching = true
		m.input.SetValue("")
		m.input.Focus()
		return m, nil
	case key.Matches(msg, k.NextMatch):
		return m, m.searchCmd(true)
	case key.Matches(msg, k.PrevMatch):
		return m, m.searchCmd(false)
	default:
		return m, nil
	}
	return m, m.sync()
}

// searchKey handles a key in the search prompt.
func (m Model) searchKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch msg.String() {
	case "esc":
		m.searching = false
		m.input.Blur()
		return m, nil
	case "enter":
		m.searching = false
		m.input.Blur()
		q := m.input.Value()
		if q == "" {
			if m.match == nil {
				return m, nil
			}
		} else {
			m.match = newMatcher(q)
			m.matchLine = m.top - 1
		}
		return m, m.searchCmd(true)
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

// searchCmd looks for the next or previous match in a command.
func (m *Model) searchCmd(forward bool) tea.Cmd {
	if m.doc == nil {
		return nil
	}
	if m.match == nil {
		m.status = "no search yet: press / to search"
		return nil
	}
	if m.searchBusy {
		return nil
	}
	m.searchBusy = true
	m.status = "searching for " + m.match.query + "…"
	from := m.matchLine + 1
	if m.matchLine < 0 {
		from = m.top
	}
	if !forward {
		from = m.matchLine
		if m.matchLine < 0 {
			from = m.top
		}
	}
	r, offsets, end, re, gen, q := m.doc.r, m.doc.offsets[:len(m.doc.offsets):len(m.doc.offsets)], m.doc.st.Offset, m.match.re, m.gen, m.match.query
	return func() tea.Msg {
		return searchedMsg{gen: gen, res: search(r, offsets, end, from, forward, re), forward: forward, query: q}
	}
}

// searched moves to where a search landed, or says it found nothing.
func (m Model) searched(msg searchedMsg) (Model, tea.Cmd) {
	if msg.gen != m.gen {
		return m, nil
	}
	m.searchBusy = false
	if !msg.res.found {
		m.status = "pattern not found: " + msg.query
		if m.doc != nil && !m.doc.Done() {
			m.status += " (still reading the file)"
		}
		return m, nil
	}
	m.matchLine = msg.res.line
	m.status = fmt.Sprintf("/%s: line %d", msg.query, msg.res.line+1)
	if msg.res.wrapped {
		m.status += map[bool]string{true: " (wrapped to the top)", false: " (wrapped to the bottom)"}[msg.forward]
	}
	body := m.body()
	if m.matchLine < m.top || m.matchLine >= m.top+body {
		m.top = m.matchLine - body/3
	}
	return m, m.sync()
}

// lines is how many lines are indexed so far.
func (m Model) lines() int {
	if m.doc == nil {
		return 0
	}
	return m.doc.Lines()
}

// fileLines are the first lines of the files indexed so far.
func (m Model) fileLines() []int {
	if m.doc == nil {
		return nil
	}
	out := make([]int, len(m.doc.files))
	for i, f := range m.doc.files {
		out[i] = f.Line
	}
	return out
}

// commitLines are the first lines of the commits indexed so far.
func (m Model) commitLines() []int {
	if m.doc == nil {
		return nil
	}
	out := make([]int, len(m.doc.commits))
	for i, c := range m.doc.commits {
		out[i] = c.Line
	}
	return out
}

// jump moves the top to the next or previous boundary.
func (m *Model) jump(bounds []int, next bool, what string) {
	if next {
		i := sort.SearchInts(bounds, m.top+1)
		if i < len(bounds) {
			m.top = bounds[i]
			return
		}
		m.status = "no next " + what
		if m.doc != nil && !m.doc.Done() {
			m.status += " yet (still reading the file)"
		}
		return
	}
	i := sort.SearchInts(bounds, m.top) - 1
	if i >= 0 {
		m.top = bounds[i]
		return
	}
	m.status = "no previous " + what
}
