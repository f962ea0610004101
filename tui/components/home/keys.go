package home

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"porthole/gerrit"
)

// nextSection moves the focus to the next section with something in it.
func (m *Model) nextSection(step int) {
	for i := 0; i < int(numSections); i++ {
		m.focus = Section((int(m.focus) + step + int(numSections)) % int(numSections))
		if m.count(m.focus) > 0 {
			break
		}
	}
	if m.focus == SecInput {
		m.input.Focus()
	} else {
		m.input.Blur()
	}
}

// isDigit is a plain digit key: the start (or more) of a change number.
func isDigit(msg tea.KeyPressMsg) bool {
	return len(msg.Text) == 1 && msg.Text[0] >= '0' && msg.Text[0] <= '9' && msg.Mod&^tea.ModShift == 0
}

// Update handles the home keys; requests for I/O come back as messages.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k := m.c.Keys
	switch msg := msg.(type) {
	case tea.PasteMsg:
		if m.focus == SecInput {
			m.input, _ = m.input.Update(msg)
		}
		return m, nil
	case tea.KeyPressMsg:
		if m.focus != SecInput && isDigit(msg) { // a change number goes to the change box, whatever has the focus
			m.focusInput()
		}
		if m.loading && m.heldWhileLoading(msg) {
			return m, nil
		}
		switch {
		case key.Matches(msg, k.NextSection):
			m.nextSection(1)
			return m, nil
		case key.Matches(msg, k.PrevSection):
			m.nextSection(-1)
			return m, nil
		}
		if m.focus == SecInput {
			return m.inputKey(msg)
		}
		return m.listKey(msg)
	}
	return m, nil
}

// heldWhileLoading tells the keys ignored while the lists load: moving between
// sections (a late section would change where tab lands), enter on an empty
// line (it opens a window) and any key in a list (it may be stale).
func (m Model) heldWhileLoading(msg tea.KeyPressMsg) bool {
	k := m.c.Keys
	switch {
	case key.Matches(msg, k.NextSection, k.PrevSection):
		return true
	case m.focus != SecInput:
		return true
	}
	return msg.String() == "enter" && strings.TrimSpace(m.input.Value()) == ""
}

func (m Model) inputKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	if msg.String() == "enter" {
		v := strings.TrimSpace(m.input.Value())
		if v == "" {
			if m.Ready() {
				return m, send(StartMsg{})
			}
			if why := m.Blocked(); why != "" {
				return m, send(BlockedMsg{Why: why})
			}
			return m, nil
		}
		var cmds []tea.Cmd
		for _, ref := range strings.Fields(v) { // several pasted at once
			if m.Add(ref) {
				cmds = append(cmds, send(AddMsg{Ref: ref}))
			}
		}
		m.input.SetValue("")
		m.cursor[SecChanges] = len(m.entries) - 1
		return m, tea.Batch(cmds...)
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

func (m Model) listKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.c.Keys
	n := m.count(m.focus)
	c := &m.cursor[m.focus]
	switch {
	case key.Matches(msg, k.Up):
		*c = max(0, *c-1)
	case key.Matches(msg, k.Down):
		*c = min(n-1, *c+1)
	case key.Matches(msg, k.Revert) && m.focus == SecPast && n > 0:
		return m, send(RevertMsg{Window: m.past[*c]})
	case key.Matches(msg, k.Abandon) && m.focus == SecResume && n > 0:
		return m, send(AbandonMsg{Window: m.unfinished[*c]})
	case key.Matches(msg, k.Remove) && m.focus == SecChanges && n > 0:
		ref := m.entries[*c].Ref
		m.entries = append(m.entries[:*c], m.entries[*c+1:]...)
		m.clamp()
		if len(m.entries) == 0 {
			m.focusInput()
		}
		return m, send(RemovedMsg{Ref: ref})
	case key.Matches(msg, k.Open) && n > 0:
		switch m.focus {
		case SecChanges:
			if m.Ready() {
				return m, send(StartMsg{})
			}
			return m, send(BlockedMsg{Why: m.Blocked()})
		case SecPending:
			return m.addPending(m.pending[*c])
		case SecResume:
			return m, send(ResumeMsg{Window: m.unfinished[*c]})
		case SecRunbooks:
			return m, send(RunbookMsg{Kind: m.kinds[*c]})
		case SecPast:
			return m, send(ReportMsg{Window: m.past[*c]})
		}
	}
	return m, nil
}

// addPending puts a waiting change in the window (enter on it), once.
func (m Model) addPending(ch *gerrit.Change) (Model, tea.Cmd) {
	ref := fmt.Sprint(ch.Number)
	if !m.Add(ref) {
		return m, send(BlockedMsg{Why: fmt.Sprintf("change %d is already in this window", ch.Number)})
	}
	m.cursor[SecChanges] = len(m.entries) - 1
	return m, send(AddMsg{Ref: ref})
}

func send(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// ShortHelp lists the keys for the focused section.
func (m Model) ShortHelp() []key.Binding {
	k := m.c.Keys
	add := k.Add
	if m.focus == SecPending {
		add = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "add to the window"))
	} else if m.focus != SecInput {
		add = k.Open
	}
	out := []key.Binding{add, k.NextSection}
	if m.focus == SecChanges {
		out = append(out, k.Remove)
	}
	if m.focus == SecResume {
		out = append(out, k.Abandon)
	}
	if m.focus == SecPast {
		out = append(out, k.Revert)
	}
	if m.focus != SecInput {
		out = append(out, k.Up, k.Down)
	}
	return append(out, k.Help, k.Quit)
}

// FullHelp lists every home key.
func (m Model) FullHelp() [][]key.Binding {
	k := m.c.Keys
	return [][]key.Binding{{k.Add, k.Open, k.Remove, k.Abandon}, {k.NextSection, k.PrevSection, k.Up, k.Down}, {k.Help, k.Quit, k.ForceQuit}}
}
