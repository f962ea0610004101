package home

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"porthole/runbooks"
	"porthole/runbooks/journal"
	"porthole/tui/components/changecard"
	"porthole/tui/internal/textutil"
)

// View draws the home screen in exactly width x height.
func (m Model) View() string {
	if m.width >= 110 {
		lw := m.width * 55 / 100
		left := m.leftColumn(lw, m.height, false)
		right := m.card(m.width-lw-1, m.height)
		return lipgloss.JoinHorizontal(lipgloss.Top, textutil.Fit(left, lw, m.height), " ", textutil.Fit(right, m.width-lw-1, m.height))
	}
	return textutil.Fit(m.leftColumn(m.width, m.height, true), m.width, m.height)
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
	if m.focus == s {
		return m.c.Styles.App.SectionActive.Render("▶ " + text)
	}
	return m.c.Styles.App.Section.Render(text)
}

// inputLine is the change box: with the keys, the accent › and a cursor;
// without them, no prompt and a muted hint, so it cannot look focused.
func (m Model) inputLine() string {
	if m.focus == SecInput {
		return m.input.View()
	}
	in := m.input
	in.Prompt = "  "
	in.PromptStyle = m.c.Styles.Home.Placeholder
	if in.Value() == "" {
		in.Placeholder = "(type a change number to add it, or tab back here)"
	}
	return in.View()
}

// leftColumn lays out the sections; with card, the selected change's card
// takes whatever room the lists leave.
func (m Model) leftColumn(w, h int, card bool) string {
	s := m.c.Styles
	var top []string
	top = append(top, m.sectionTitle(SecInput, "Changes for this window"), m.inputLine())
	for i, e := range m.entries {
		top = append(top, m.entryLine(i, e, w))
		if e.Err != nil {
			top = append(top, m.errorDetail(e.Err, w)...)
		}
	}
	if m.plan != "" {
		top = append(top, s.App.Muted.Render(ansi.Truncate("  "+m.plan, w, "…")))
	}
	if m.Ready() {
		top = append(top, s.App.Key.Render("  enter")+s.App.Subtle.Render(" (on an empty line): open the window and its plan"))
	}
	var bottom []string
	bottom = append(bottom, m.pendingLines(w)...)
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
		icon, text = "✗", e.Ref+"  cannot be used:"
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
		text = fmt.Sprintf("%d  %s  %s  %s", ch.Number, ch.Project, ch.Branch, textutil.OneLine(ch.Subject))
	}
	line := m.item(SecChanges, i, icon+" "+text, w)
	if e.Err != nil && !(m.focus == SecChanges && m.cursor[SecChanges] == i) {
		return s.App.Error.Render(ansi.Strip(line))
	}
	return line
}

// errorDetail is why a typed change cannot be used, whole: wrapped under
// its line, never cut.
func (m Model) errorDetail(err error, w int) []string {
	text := ansi.Wrap(textutil.OneLine(err.Error()), max(10, w-4), " ")
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = m.c.Styles.App.Error.Render("    " + l)
	}
	return lines
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
func window(list []journal.WindowSummary, cursor, limit, focused int, focus bool) ([]journal.WindowSummary, int) {
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
func unfinishedLine(w journal.WindowSummary) string {
	title := w.Title
	if title == "" {
		title = w.Kind + " " + w.ID
	}
	when := w.Stopped
	if when.IsZero() {
		when = w.Started
	}
	return when.Format("2006-01-02 15:04") + "  " + textutil.OneLine(title)
}

// stoppedLine says why and where an unfinished window stopped, and how far it got.
func stoppedLine(w journal.WindowSummary) string {
	var parts []string
	if w.Why != "" {
		parts = append(parts, w.Why)
	}
	switch {
	case w.FailedTitle != "":
		parts = append(parts, "at "+strconv.Quote(textutil.OneLine(w.FailedTitle)))
	case w.FailedStep != "":
		parts = append(parts, "at step "+w.FailedStep)
	}
	parts = append(parts, fmt.Sprintf("%d/%d steps done", w.Done, w.Steps))
	return strings.Join(parts, " · ")
}

// windowLine describes a past window for the list.
func windowLine(w journal.WindowSummary) string {
	when := w.Started.Format("2006-01-02 15:04")
	title := w.Title
	if title == "" {
		title = w.ID
	}
	return fmt.Sprintf("%s  %-9s %s  (%s)", when, w.Kind, title, w.Status)
}

// pendingLines lists the changes waiting for a window (gerrit.pending_query):
// a few around the cursor, more when the section has the keys.
func (m Model) pendingLines(w int) []string {
	s := m.c.Styles
	if m.pendingErr != nil {
		return []string{"", m.sectionTitle(SecPending, "Waiting for a window"),
			s.App.Error.Render(ansi.Truncate("  cannot list them: "+textutil.OneLine(m.pendingErr.Error()), w, "…"))}
	}
	if len(m.pending) == 0 {
		return nil
	}
	out := []string{"", m.sectionTitle(SecPending, fmt.Sprintf("Waiting for a window (%d) — enter adds one", len(m.pending)))}
	limit := 3
	if m.focus == SecPending {
		limit = 8
	}
	from := 0
	if len(m.pending) > limit {
		from = max(0, min(m.cursor[SecPending]-limit/2, len(m.pending)-limit))
	}
	for i := from; i < len(m.pending) && i < from+limit; i++ {
		ch := m.pending[i]
		mark := " "
		if m.Added(ch.Number) {
			mark = "✓"
		}
		out = append(out, m.item(SecPending, i, fmt.Sprintf("%s %d  %s  %s  %s", mark, ch.Number, ch.Project, ch.Branch, textutil.OneLine(ch.Subject)), w))
	}
	if more := len(m.pending) - limit; more > 0 {
		out = append(out, s.App.Subtle.Render(fmt.Sprintf("    … %d more (tab here, ↑/↓)", more)))
	}
	return out
}
