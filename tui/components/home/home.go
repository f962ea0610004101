// Package home is porthole's first screen: the window's changes (typed as a
// number, URL or Change-Id, each shown as a card once resolved), an
// unfinished window to resume, the maintenance runbooks, and past windows.
package home

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"porthole/gerrit"
	"porthole/runbooks"
	"porthole/tui/common"
	"porthole/tui/components/changecard"
	"porthole/tui/components/input"
)

// Section is a part of the home screen that takes the keys.
type Section int

// Sections, in tab order.
const (
	SecInput Section = iota
	SecChanges
	SecResume
	SecRunbooks
	SecPast
	numSections
)

// Entry is one change typed for the window.
type Entry struct {
	Ref       string
	Change    *gerrit.Change
	Err       error
	Resolving bool
}

// Requests the home screen makes of the root model (which does the I/O).
type (
	// AddMsg: resolve a typed change.
	AddMsg struct{ Ref string }
	// RemovedMsg: a change was taken out of the window.
	RemovedMsg struct{ Ref string }
	// StartMsg: build and open the window for the resolved changes.
	StartMsg struct{}
	// ResumeMsg: resume an unfinished window.
	ResumeMsg struct{ Window runbooks.WindowSummary }
	// RunbookMsg: open a maintenance runbook's form.
	RunbookMsg struct{ Kind string }
	// ReportMsg: show a past window.
	ReportMsg struct{ Window runbooks.WindowSummary }
	// AbandonMsg: ask whether to give up an unfinished window (x).
	AbandonMsg struct{ Window runbooks.WindowSummary }
)

// Model is the home screen.
type Model struct {
	c          *common.Common
	input      input.Model
	entries    []Entry
	focus      Section
	cursor     [numSections]int
	unfinished []runbooks.WindowSummary
	kinds      []string
	past       []runbooks.WindowSummary
	warnings   []runbooks.Warning
	plan       string // plan status: "", "building the plan…", an error
	loading    bool   // the window lists are being (re)read: sections may still appear
	ciAccount  string
	phab       string
	width      int
	height     int
}

// New returns the home screen with the input focused.
func New(c *common.Common, ciAccount, phabricator string) Model {
	in := input.New("› ", "change number, Gerrit URL or Change-Id — enter adds it")
	m := Model{c: c, input: in, ciAccount: ciAccount, phab: phabricator}
	m.restyle()
	m.input.Focus()
	return m
}

func (m *Model) restyle() {
	s := m.c.Styles
	m.input.PromptStyle = s.Home.Prompt
	m.input.TextStyle = s.Home.Input
	m.input.PlaceholderStyle = s.Home.Placeholder
	m.input.CursorStyle = s.Home.Cursor.Reverse(true)
}

// Restyle follows a change of styles.
func (m *Model) Restyle() { m.restyle() }

// SetSize sets the screen's size.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.input.SetWidth(min(w, 100))
}

// SetWindows shows the unfinished and past windows.
func (m *Model) SetWindows(unfinished, past []runbooks.WindowSummary) {
	m.unfinished, m.past = unfinished, past
	m.loading = false
	m.clamp()
	if m.focus != SecInput && m.count(m.focus) == 0 { // the last one was resumed or abandoned
		m.focus = SecInput
		m.input.Focus()
	}
}

// SetLoading says the window lists are being read again (at start, back from
// a window, after an abandon): until SetWindows, sections may still appear or
// go, so tab does not move the focus and enter neither opens nor resumes a
// window (typing and adding changes still work).
func (m *Model) SetLoading(b bool) { m.loading = b }

// Loading is true until the window lists asked for are shown.
func (m Model) Loading() bool { return m.loading }

// SetCIAccount names whose Verified vote counts (known late in the demo).
func (m *Model) SetCIAccount(name string) { m.ciAccount = name }

// SetRunbooks lists the maintenance runbooks.
func (m *Model) SetRunbooks(kinds []string) { m.kinds = kinds; m.clamp() }

// SetPlanStatus shows the window's warnings and how its plan is coming along.
func (m *Model) SetPlanStatus(ws []runbooks.Warning, status string) { m.warnings, m.plan = ws, status }

// Unfinished are the windows offered for resume.
func (m Model) Unfinished() []runbooks.WindowSummary { return m.unfinished }

// Entries are the changes typed so far.
func (m Model) Entries() []Entry { return m.entries }

// Focus is the section with the keys.
func (m Model) Focus() Section { return m.focus }

// Typing is true when keys go to the text input.
func (m Model) Typing() bool { return m.focus == SecInput }

// InputEmpty is true when nothing is typed (then q and ? are keys: no
// change number, URL or Change-Id starts with them).
func (m Model) InputEmpty() bool { return m.input.Value() == "" }

// Add records a change being resolved (from the input or the command line).
func (m *Model) Add(ref string) bool {
	for _, e := range m.entries {
		if e.Ref == ref || (e.Change != nil && fmt.Sprint(e.Change.Number) == ref) {
			return false
		}
	}
	m.entries = append(m.entries, Entry{Ref: ref, Resolving: true})
	return true
}

// Resolved fills in a change (or the error resolving it).
func (m *Model) Resolved(ref string, ch *gerrit.Change, err error) {
	for i := range m.entries {
		if m.entries[i].Ref != ref {
			continue
		}
		m.entries[i].Resolving, m.entries[i].Change, m.entries[i].Err = false, ch, err
		if ch != nil { // the same change typed twice in two forms
			for j := range m.entries {
				if j != i && m.entries[j].Change != nil && m.entries[j].Change.Number == ch.Number {
					m.entries[i].Err = fmt.Errorf("change %d is already in this window", ch.Number)
					m.entries[i].Change = nil
				}
			}
		}
	}
}

// Refresh replaces a resolved change with a fresher look-up of it (after a
// window merged it, or a vote was cast); an entry that is gone is left alone.
func (m *Model) Refresh(ref string, ch *gerrit.Change) {
	for i := range m.entries {
		if e := m.entries[i]; e.Ref == ref && e.Change != nil && ch != nil && e.Change.Number == ch.Number {
			m.entries[i].Change = ch
		}
	}
}

// Changes are the resolved changes, in the order typed.
func (m Model) Changes() []*gerrit.Change {
	var out []*gerrit.Change
	for _, e := range m.entries {
		if e.Change != nil {
			out = append(out, e.Change)
		}
	}
	return out
}

// Ready is true when every typed change is resolved and at least one is.
func (m Model) Ready() bool {
	for _, e := range m.entries {
		if e.Resolving || e.Err != nil {
			return false
		}
	}
	return len(m.entries) > 0
}

func (m Model) count(s Section) int {
	switch s {
	case SecInput:
		return 1
	case SecChanges:
		return len(m.entries)
	case SecResume:
		return len(m.unfinished)
	case SecRunbooks:
		return len(m.kinds)
	case SecPast:
		return len(m.past)
	}
	return 0
}

func (m *Model) clamp() {
	for s := Section(0); s < numSections; s++ {
		m.cursor[s] = max(0, min(m.cursor[s], m.count(s)-1))
	}
}

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
	case key.Matches(msg, k.Abandon) && m.focus == SecResume && n > 0:
		return m, send(AbandonMsg{Window: m.unfinished[*c]})
	case key.Matches(msg, k.Remove) && m.focus == SecChanges && n > 0:
		ref := m.entries[*c].Ref
		m.entries = append(m.entries[:*c], m.entries[*c+1:]...)
		m.clamp()
		if len(m.entries) == 0 {
			m.focus = SecInput
			m.input.Focus()
		}
		return m, send(RemovedMsg{Ref: ref})
	case key.Matches(msg, k.Open) && n > 0:
		switch m.focus {
		case SecChanges:
			if m.Ready() {
				return m, send(StartMsg{})
			}
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

func send(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// Selected is the change whose card is shown.
func (m Model) Selected() *gerrit.Change {
	if len(m.entries) == 0 {
		return nil
	}
	return m.entries[max(0, min(m.cursor[SecChanges], len(m.entries)-1))].Change
}

// View draws the home screen in exactly width x height.
func (m Model) View() string {
	if m.width >= 110 {
		lw := m.width * 55 / 100
		left := m.leftColumn(lw, m.height, false)
		right := m.card(m.width-lw-1, m.height)
		return lipgloss.JoinHorizontal(lipgloss.Top, fit(left, lw, m.height), " ", fit(right, m.width-lw-1, m.height))
	}
	return fit(m.leftColumn(m.width, m.height, true), m.width, m.height)
}

// fit pads or cuts s to exactly w x h.
func fit(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i, l := range lines {
		l = ansi.Truncate(l, w, "")
		lines[i] = l + strings.Repeat(" ", max(0, w-ansi.StringWidth(l)))
	}
	return strings.Join(lines, "\n")
}

func (m Model) card(w, h int) string {
	ch := m.Selected()
	if ch == nil {
		return m.c.Styles.Home.Empty.Render(ansi.Wrap("Type the change numbers of this window (or paste Gerrit URLs), one at a time or several at once. Each is checked in Gerrit and shown here: project, branch, owner, tasks, approvals, CI, files and what porthole warns about.", max(10, w), " "))
	}
	return changecard.View(m.c.Styles, w, h, changecard.Card{Change: ch, Warnings: changecard.ForChange(m.warnings, ch.Number),
		CIAccount: m.ciAccount, Phabricator: m.phab, Focused: m.focus == SecChanges})
}

func (m Model) sectionTitle(s Section, text string) string {
	st := m.c.Styles.App.Section
	if m.focus == s {
		st = m.c.Styles.App.SectionActive
	}
	return st.Render(text)
}

// leftColumn lays out the sections; with card, the selected change's card
// takes whatever room the lists leave.
func (m Model) leftColumn(w, h int, card bool) string {
	s := m.c.Styles
	var top []string
	top = append(top, m.sectionTitle(SecInput, "Changes for this window"), m.input.View())
	for i, e := range m.entries {
		top = append(top, m.entryLine(i, e, w))
	}
	if m.plan != "" {
		top = append(top, s.App.Muted.Render(ansi.Truncate("  "+m.plan, w, "…")))
	}
	if m.Ready() {
		top = append(top, s.App.Key.Render("  enter")+s.App.Subtle.Render(" (on an empty line): open the window and its plan"))
	}
	var bottom []string
	if len(m.unfinished) > 0 {
		title := fmt.Sprintf("Unfinished windows (%d) — enter resumes · x abandons", len(m.unfinished))
		if len(m.unfinished) == 1 {
			title = "Unfinished window — enter resumes it · x abandons it"
		}
		bottom = append(bottom, "", m.sectionTitle(SecResume, title))
		shown, from := window(m.unfinished, m.cursor[SecResume], 2, 4, m.focus == SecResume)
		for i, u := range shown {
			bottom = append(bottom, m.item(SecResume, from+i, unfinishedLine(u), w),
				s.App.Muted.Render(ansi.Truncate("    "+stoppedLine(u), w, "…")))
		}
		if more := len(m.unfinished) - len(shown); more > 0 {
			bottom = append(bottom, s.App.Subtle.Render(fmt.Sprintf("    … %d more (tab here, ↑/↓)", more)))
		}
	}
	if len(m.kinds) > 0 {
		bottom = append(bottom, "", m.sectionTitle(SecRunbooks, "Maintenance runbooks"))
		if m.focus == SecRunbooks {
			for i, k := range m.kinds {
				bottom = append(bottom, m.item(SecRunbooks, i, k, w))
			}
		} else {
			bottom = append(bottom, s.App.Subtle.Render(ansi.Truncate("  "+strings.Join(m.kinds, " · "), w, "…")))
		}
	}
	if len(m.past) > 0 {
		bottom = append(bottom, "", m.sectionTitle(SecPast, fmt.Sprintf("Past windows (%d)", len(m.past))))
		shown, from := window(m.past, m.cursor[SecPast], 3, 8, m.focus == SecPast)
		for i, p := range shown {
			bottom = append(bottom, m.item(SecPast, from+i, windowLine(p), w))
		}
	}
	room := h - len(top) - len(bottom)
	var mid []string
	if card && room >= 4 {
		mid = append(mid, strings.Split(m.card(w, room), "\n")...)
	} else if card && room > 0 && m.Selected() != nil {
		mid = append(mid, s.App.Muted.Render("  (enlarge the terminal to see the change card)"))
	}
	return strings.Join(append(append(top, mid...), bottom...), "\n")
}

func (m Model) entryLine(i int, e Entry, w int) string {
	s := m.c.Styles
	var icon, text string
	switch {
	case e.Resolving:
		icon, text = "…", e.Ref+"  looking it up in Gerrit"
	case e.Err != nil:
		icon, text = "✗", e.Ref+"  "+e.Err.Error()
	default:
		ch := e.Change
		icon = "✓"
		for _, wn := range m.warnings {
			switch {
			case wn.Change != ch.Number:
			case wn.Level == runbooks.Danger:
				icon = "✖"
			case wn.Level == runbooks.Warn && icon != "✖":
				icon = "⚠"
			}
		}
		text = fmt.Sprintf("%d  %s  %s  %s", ch.Number, ch.Project, ch.Branch, oneLine(ch.Subject))
	}
	line := m.item(SecChanges, i, icon+" "+text, w)
	if e.Err != nil && !(m.focus == SecChanges && m.cursor[SecChanges] == i) {
		return s.App.Error.Render(ansi.Strip(line))
	}
	return line
}

// item draws a list line, highlighted when it is the focused section's cursor.
func (m Model) item(sec Section, i int, text string, w int) string {
	s := m.c.Styles.Home
	if m.focus == sec && m.cursor[sec] == i {
		t := ansi.Truncate("› "+text, w, "…")
		return s.Selected.Render(t + strings.Repeat(" ", max(0, w-ansi.StringWidth(t))))
	}
	return s.Item.Render(ansi.Truncate("  "+text, w, "…"))
}

// window is the part of a list shown around the cursor: limit items, or
// focused items when the list has the keys; from is the first one's index.
func window(list []runbooks.WindowSummary, cursor, limit, focused int, focus bool) ([]runbooks.WindowSummary, int) {
	if focus {
		limit = focused
	}
	if len(list) <= limit {
		return list, 0
	}
	from := max(0, min(cursor-limit/2, len(list)-limit))
	return list[from : from+limit], from
}

// unfinishedLine is an unfinished window's first line: when it stopped, what it is.
func unfinishedLine(w runbooks.WindowSummary) string {
	title := w.Title
	if title == "" {
		title = w.Kind + " " + w.ID
	}
	when := w.Stopped
	if when.IsZero() {
		when = w.Started
	}
	return when.Format("2006-01-02 15:04") + "  " + oneLine(title)
}

// stoppedLine says why and where an unfinished window stopped, and how far it got.
func stoppedLine(w runbooks.WindowSummary) string {
	var parts []string
	if w.Why != "" {
		parts = append(parts, w.Why)
	}
	switch {
	case w.FailedTitle != "":
		parts = append(parts, "at "+strconv.Quote(oneLine(w.FailedTitle)))
	case w.FailedStep != "":
		parts = append(parts, "at step "+w.FailedStep)
	}
	parts = append(parts, fmt.Sprintf("%d/%d steps done", w.Done, w.Steps))
	return strings.Join(parts, " · ")
}

// windowLine describes a past window for the list.
func windowLine(w runbooks.WindowSummary) string {
	when := w.Started.Format("2006-01-02 15:04")
	title := w.Title
	if title == "" {
		title = w.ID
	}
	return fmt.Sprintf("%s  %-9s %s  (%s)", when, w.Kind, title, w.Status)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// ShortHelp lists the keys for the focused section.
func (m Model) ShortHelp() []key.Binding {
	k := m.c.Keys
	add := k.Add
	if m.focus != SecInput {
		add = k.Open
	}
	out := []key.Binding{add, k.NextSection}
	if m.focus == SecChanges {
		out = append(out, k.Remove)
	}
	if m.focus == SecResume {
		out = append(out, k.Abandon)
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
