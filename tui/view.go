package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"porthole/tui/common"
	"porthole/tui/components/statusbar"
	"porthole/tui/internal/textutil"
)

// Layout constants: the status bar on top, the footer (next action and keys) below.
const (
	barHeight    = 1
	footerHeight = 2
)

func (m Model) bodyHeight() int { return max(3, m.height-barHeight-footerHeight) }

// layout gives every part its size; it returns the diff viewer's command
// (a larger screen shows lines to highlight).
func (m *Model) layout() tea.Cmd {
	w, body := max(20, m.width), m.bodyHeight()
	m.footer.SetWidth(w)
	for _, p := range m.pages() {
		p.SetSize(w, body)
	}
	if m.win != nil { // as dialogView draws them
		m.win.FitDialog(min(w-2, 100), max(6, m.height-2))
	}
	return m.diff.SetSize(w, m.height-barHeight)
}

// pages are the body's components that exist now.
func (m *Model) pages() []common.Component {
	out := []common.Component{&m.home}
	if m.form != nil {
		out = append(out, m.form)
	}
	if m.report != nil {
		out = append(out, m.report)
	}
	if m.win != nil {
		out = append(out, m.win)
	}
	return out
}

// View draws the whole screen.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "porthole"
	if m.win != nil {
		v.WindowTitle = "porthole · " + m.win.Title()
		v.ProgressBar = m.win.ProgressBar() // the terminal's own progress indicator (OSC 9;4), where it has one
	}
	return v
}

// render is the screen as a string of exactly width x height cells.
func (m Model) render() string {
	w := max(20, m.width)
	bar := statusbar.View(m.c.Styles, w, m.statusBar())
	if m.screen == screenDiff && !m.help {
		return bar + "\n" + m.diff.View()
	}
	body := m.body(w)
	base := bar + "\n" + body + "\n" + m.footerView(w)
	if d := m.dialogView(w); d != "" {
		dw, dh := lipgloss.Size(d)
		x := max(0, (w-dw)/2)
		y := barHeight + max(0, (m.bodyHeight()-dh)/2)
		return lipgloss.NewCompositor(lipgloss.NewLayer(base), lipgloss.NewLayer(d).X(x).Y(y).Z(1)).Render()
	}
	return base
}

func (m Model) statusBar() statusbar.Bar {
	b := statusbar.Bar{Title: m.opts.Title, Sandbox: m.opts.Sandbox}
	switch m.screen {
	case screenHome:
		b.Context = "Home"
	case screenDiff:
		b.Context = "incoming diff"
	case screenForm:
		b.Context = "runbook"
		if m.form != nil {
			b.Context += " " + m.form.Kind
		}
	case screenReport:
		b.Context = "past window"
	case screenWindow:
		if m.win != nil {
			b.Context = m.win.Title()
		}
	}
	right := []string{m.engine.User()}
	if m.win != nil && !m.win.Finished() {
		right = append(right, "window "+textutil.Clock(m.now().Sub(m.win.Started())))
	}
	right = append(right, m.now().Format("15:04"))
	b.Right = strings.Join(right, " · ")
	return b
}

// body draws the screen between the status bar and the footer.
func (m Model) body(w int) string {
	h := m.bodyHeight()
	if m.help {
		return textutil.Fit(m.helpView(w), w, h)
	}
	return textutil.Fit(m.page().View(), w, h)
}

// page is the component the body shows (Home when the screen has none).
func (m *Model) page() common.Component {
	switch m.screen {
	case screenForm:
		if m.form != nil {
			return m.form
		}
	case screenReport:
		if m.report != nil {
			return m.report
		}
	case screenWindow:
		if m.win != nil {
			return m.win
		}
	}
	return &m.home
}

// dialogView is the dialog on top, if any.
func (m Model) dialogView(w int) string {
	if m.help {
		return ""
	}
	maxH := max(6, m.height-2)
	if m.quitDlg != nil {
		return m.quitDlg.View(min(w-2, 90), maxH)
	}
	if m.abandon != nil {
		return m.abandon.dlg.View(min(w-2, 90), maxH)
	}
	if m.pastRevert != nil {
		return m.pastRevert.View(min(w-2, 100), maxH)
	}
	if m.screen == screenWindow && m.win != nil {
		return m.win.DialogView(w, maxH)
	}
	return ""
}

// footerView is the next action, named, over the keys of the current view.
func (m Model) footerView(w int) string {
	s := m.c.Styles
	next := m.nextAction()
	if m.status != "" {
		text, style := m.status, s.App.Info
		if m.statusErr {
			text, style = "✖ "+m.status, s.App.Error
		}
		if ansi.StringWidth(text) > w { // a long message takes the keys' line too
			lines := strings.Split(ansi.Wrap(text, w, " /"), "\n")
			if len(lines) > footerHeight {
				lines = lines[:footerHeight]
				lines[footerHeight-1] = ansi.Truncate(lines[footerHeight-1], w-1, "") + "…"
			}
			for i, l := range lines {
				lines[i] = style.Render(l)
			}
			return textutil.Fit(strings.Join(lines, "\n"), w, footerHeight)
		}
		next = style.Render(text)
	}
	return textutil.Fit(m.footer.View(next, m.shortHelp()), w, footerHeight)
}

// nextAction names what enter does now (or what the TUI is waiting for).
func (m Model) nextAction() string {
	s := m.c.Styles
	key := func(k, text string) string { return s.App.Key.Render(k) + s.App.Bold.Render(" "+text) }
	switch m.screen {
	case screenHome:
		switch {
		case m.bootLine() != "":
			return s.App.Subtle.Render(m.bootLine())
		case m.building == "window":
			return s.App.Subtle.Render("building the window's plan…")
		case m.homeWait:
			return s.App.Subtle.Render("wait… (keys are ignored for a moment, so an enter meant for the window does nothing here)")
		case m.home.Loading():
			return s.App.Subtle.Render("listing the unfinished and past windows… (tab and enter wait for them)")
		case m.home.Ready():
			return key("enter", fmt.Sprintf("on an empty line: open the window for %d change(s)", len(m.home.Changes())))
		case m.home.Invalid() > 0: // nothing to wait for: say what to do
			return s.App.Subtle.Render(m.home.Blocked())
		case len(m.home.Entries()) > 0:
			return s.App.Subtle.Render("looking the changes up in Gerrit… (x removes one: tab to the list)")
		}
		return key("type", "a change number, URL or Change-Id, then enter")
	case screenForm:
		return key("enter", "on the last field: build the plan")
	case screenReport:
		return key("esc", "back")
	}
	switch {
	case m.win == nil:
		return ""
	case m.quitting && !m.win.Closed():
		return s.App.Warning.Render("stopping the window… (ctrl+c again quits at once)")
	}
	return m.win.NextAction()
}

// shortHelp is the footer's keys for what is on screen.
func (m Model) shortHelp() []key.Binding {
	k := m.c.Keys
	switch {
	case m.help:
		return []key.Binding{k.Help, k.Back}
	case m.quitDlg != nil:
		return m.quitDlg.ShortHelp()
	case m.abandon != nil:
		return m.abandon.dlg.ShortHelp()
	case m.pastRevert != nil:
		d := m.pastRevert.Dialog()
		return d.ShortHelp()
	}
	if m.screen == screenDiff {
		return m.diff.ShortHelp()
	}
	return m.page().ShortHelp()
}

// helpView lists every key of the current view, then the global ones.
func (m Model) helpView(w int) string {
	k := m.c.Keys
	s := m.c.Styles
	var groups [][]key.Binding
	if m.screen == screenDiff {
		groups = m.diff.FullHelp()
	} else {
		groups = m.page().FullHelp()
	}
	groups = uniqueKeys(append(groups, []key.Binding{k.Help, k.Quit, k.ForceQuit}))
	title := s.Help.Title.Render("Keys") + s.App.Subtle.Render(" — ? or esc closes this")
	notes := s.App.Subtle.Render(ansi.Wrap("enter runs the next step; nothing reaches production without a question first, and irreversible steps default to No. "+
		"ctrl+c cancels a running step (its remote command is stopped) and quits once nothing runs. "+
		"Every step, command, output and answer is journaled; a window stopped for any reason is offered for resume on Home.", max(20, w-2), " "))
	return title + "\n\n" + m.footer.FullView(groups) + "\n\n" + notes
}

// uniqueKeys drops the bindings a group before already lists (the same keys
// doing the same thing), and the groups left empty: each binding shows once.
func uniqueKeys(groups [][]key.Binding) [][]key.Binding {
	seen := map[string]bool{}
	var out [][]key.Binding
	for _, g := range groups {
		var kept []key.Binding
		for _, b := range g {
			id := strings.Join(b.Keys(), " ") + "\x00" + b.Help().Desc
			if seen[id] {
				continue
			}
			seen[id] = true
			kept = append(kept, b)
		}
		if len(kept) > 0 {
			out = append(out, kept)
		}
	}
	return out
}
