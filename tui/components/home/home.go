// Package home is porthole's first screen: the window's changes (typed as a
// number, URL or Change-Id, each shown as a card once resolved), an
// unfinished window to resume, the maintenance runbooks, and past windows.
package home

import (
	"fmt"
	"slices"

	"porthole/gerrit"
	"porthole/runbooks"
	"porthole/runbooks/journal"
	"porthole/tui/common"
	"porthole/tui/components/input"
)

// Section is a part of the home screen that takes the keys.
type Section int

// Sections, in tab order.
const (
	SecInput Section = iota
	SecChanges
	SecPending
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
	ResumeMsg struct{ Window journal.WindowSummary }
	// RunbookMsg: open a maintenance runbook's form.
	RunbookMsg struct{ Kind string }
	// ReportMsg: show a past window.
	ReportMsg struct{ Window journal.WindowSummary }
	// AbandonMsg: ask whether to give up an unfinished window (x).
	AbandonMsg struct{ Window journal.WindowSummary }
	// BlockedMsg: enter cannot open the window yet; Why says what to do.
	BlockedMsg struct{ Why string }
)

// Model is the home screen.
type Model struct {
	c          *common.Common
	input      input.Model
	entries    []Entry
	focus      Section
	cursor     [numSections]int
	unfinished []journal.WindowSummary
	pending    []*gerrit.Change // waiting for a window (gerrit.pending_query)
	pendingErr error
	kinds      []string
	past       []journal.WindowSummary
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
func (m *Model) SetWindows(unfinished, past []journal.WindowSummary) {
	m.unfinished, m.past = unfinished, past
	m.loading = false
	m.clamp()
	if m.focus != SecInput && m.count(m.focus) == 0 { // the last one was resumed or abandoned
		m.focusInput()
	}
}

// SetPending lists the changes waiting for a window (or why they could
// not be listed).
func (m *Model) SetPending(chs []*gerrit.Change, err error) {
	chs = slices.Clone(chs)
	slices.SortFunc(chs, func(a, b *gerrit.Change) int { return a.Number - b.Number })
	m.pending, m.pendingErr = chs, err
	m.clamp()
	if m.focus == SecPending && len(chs) == 0 {
		m.focusInput()
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
func (m Model) Unfinished() []journal.WindowSummary { return m.unfinished }

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

// Invalid counts the typed changes that cannot be used (not found, not
// readable, already in the window).
func (m Model) Invalid() int {
	n := 0
	for _, e := range m.entries {
		if e.Err != nil {
			n++
		}
	}
	return n
}

// Blocked says why enter cannot open the window ("" when it can, or when
// nothing is typed).
func (m Model) Blocked() string {
	switch {
	case len(m.entries) == 0 || m.Ready():
		return ""
	case m.Invalid() > 0:
		return fmt.Sprintf("%d of the changes cannot be used (the reason is under each ✗): tab to the list and x removes one", m.Invalid())
	}
	return "still looking the changes up in Gerrit: enter opens the window once each has its ✓"
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
	case SecPending:
		return len(m.pending)
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

// focusInput gives the keys to the change box.
func (m *Model) focusInput() {
	m.focus = SecInput
	m.input.Focus()
}

// Added is true when a change is already among the typed ones.
func (m Model) Added(number int) bool {
	for _, e := range m.entries {
		if e.Ref == fmt.Sprint(number) || (e.Change != nil && e.Change.Number == number) {
			return true
		}
	}
	return false
}

// Selected is the change whose card is shown.
func (m Model) Selected() *gerrit.Change {
	if len(m.entries) == 0 {
		return nil
	}
	return m.entries[max(0, min(m.cursor[SecChanges], len(m.entries)-1))].Change
}
