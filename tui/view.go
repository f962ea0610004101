package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"porthole/tui/components/changecard"
	"porthole/tui/components/statusbar"
)

// Layout constants: the status bar on top, the footer (next action and keys) below.
const (
	barHeight    = 1
	footerHeight = 2
	wideWidth    = 120 // from here the steps and the log sit side by side
)

func (m Model) bodyHeight() int { return max(3, m.height-barHeight-footerHeight) }

// layout gives every part its size; it returns the diff viewer's command
// (a larger screen shows lines to highlight).
func (m *Model) layout() tea.Cmd {
	w, body := max(20, m.width), m.bodyHeight()
	m.footer.SetWidth(w)
	m.home.SetSize(w, body)
	if m.form != nil {
		m.form.SetSize(w, body)
	}
	if m.report != nil {
		m.report.SetSize(w, body)
	}
	if w >= wideWidth {
		sw := m.stepsWidth(w)
		m.steps.SetSize(sw, body)
		m.logs.SetSize(w-sw-1, body)
	} else {
		sh := min(len(m.steps.Steps())+1, max(4, body*2/5))
		m.steps.SetSize(w, sh)
		m.logs.SetSize(w, max(2, body-sh-1))
	}
	return m.diff.SetSize(w, m.height-barHeight)
}

// View draws the whole screen.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "porthole"
	if w := m.win; w != nil && w.plan != nil {
		v.WindowTitle = "porthole · " + w.plan.Title
		// The terminal's own progress indicator (OSC 9;4), where it has one.
		if p, ok := m.logs.ProgressOf(w.running); ok && w.running != "" {
			state := tea.ProgressBarDefault
			if p.Failed > 0 {
				state = tea.ProgressBarWarning
			}
			v.ProgressBar = tea.NewProgressBar(state, p.Percent())
		} else if w.running != "" {
			v.ProgressBar = tea.NewProgressBar(tea.ProgressBarIndeterminate, 0)
		}
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
			b.Context = m.win.plan.Title
		}
	}
	right := []string{m.engine.User()}
	if m.win != nil && !m.win.finished {
		right = append(right, "window "+clock(m.now().Sub(m.win.started)))
	}
	right = append(right, m.now().Format("15:04"))
	b.Right = strings.Join(right, " · ")
	return b
}

func clock(d time.Duration) string {
	d = d.Round(time.Second)
	if d >= time.Hour {
		return fmt.Sprintf("%d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
	}
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// body draws the screen between the status bar and the footer.
func (m Model) body(w int) string {
	h := m.bodyHeight()
	if m.help {
		return fitBlock(m.helpView(w), w, h)
	}
	switch m.screen {
	case screenForm:
		if m.form != nil {
			return fitBlock(m.form.View(), w, h)
		}
	case screenReport:
		if m.report != nil {
			return fitBlock(m.report.View(), w, h)
		}
	case screenWindow:
		if m.win != nil {
			return fitBlock(m.windowView(w, h), w, h)
		}
	}
	return fitBlock(m.home.View(), w, h)
}

// windowView lays out the step list and the log (or the change cards).
func (m Model) windowView(w, h int) string {
	right := m.logs.View()
	if m.card {
		right = m.cardsView(m.logsWidth(w), m.logsHeight(h))
	}
	if w >= wideWidth {
		sw := m.stepsWidth(w)
		return lipgloss.JoinHorizontal(lipgloss.Top, fitBlock(m.steps.View(), sw, h), " ", fitBlock(right, w-sw-1, h))
	}
	sep := m.c.Styles.App.Faint.Render(strings.Repeat("─", w))
	return m.steps.View() + "\n" + sep + "\n" + right
}

// stepsWidth is the step list's width side by side with the log: what its
// titles need, between 45% and 55% of the screen (the log keeps the rest).
func (m Model) stepsWidth(w int) int {
	return max(w*45/100, min(m.steps.Wanted(), w*55/100))
}

func (m Model) logsWidth(w int) int {
	if w >= wideWidth {
		return w - m.stepsWidth(w) - 1
	}
	return w
}

func (m Model) logsHeight(h int) int {
	if m.width >= wideWidth {
		return h
	}
	sh := min(len(m.steps.Steps())+1, max(4, h*2/5))
	return max(2, h-sh-1)
}

// cardsView shows the window's changes (i).
func (m Model) cardsView(w, h int) string {
	var parts []string
	n := max(1, len(m.win.plan.Changes))
	for _, ch := range m.win.plan.Changes {
		parts = append(parts, changecard.View(m.c.Styles, w, max(4, h/n), changecard.Card{Change: ch,
			Warnings: changecard.ForChange(m.win.plan.Warnings, ch.Number), CIAccount: m.engine.CIAccount(), Phabricator: m.opts.Phabricator}))
	}
	if len(parts) == 0 {
		return m.c.Styles.App.Muted.Render("this window has no Gerrit changes (i: back to the log)")
	}
	return fitBlock(strings.Join(parts, "\n"), w, h)
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
	if m.screen == screenWindow && m.win != nil && m.win.dialog != nil && !m.win.hidden {
		return m.win.dialog.View(min(w-2, 100), maxH)
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
			return fitBlock(strings.Join(lines, "\n"), w, footerHeight)
		}
		next = style.Render(text)
	}
	return fitBlock(m.footer.View(next, m.shortHelp()), w, footerHeight)
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
		case len(m.home.Entries()) > 0:
			return s.App.Subtle.Render("looking the changes up in Gerrit… (x removes one: tab to the list)")
		}
		return key("type", "a change number, URL or Change-Id, then enter")
	case screenForm:
		return key("enter", "on the last field: build the plan")
	case screenReport:
		return key("esc", "back")
	}
	w := m.win
	if w == nil {
		return ""
	}
	switch {
	case m.quitting && !w.closed:
		return s.App.Warning.Render("stopping the window… (ctrl+c again quits at once)")
	case w.dialog != nil && w.hidden:
		return key("enter", "answer: "+w.gate.Gate.Prompt)
	case w.dialog != nil:
		return s.App.Warning.Render("answer the question (esc hides it)")
	case w.gate != nil:
		st := m.step(w.gate.StepID)
		where := ""
		if st != nil {
			where = " · " + m.engine.Hosts(st.Role)
			if st.Command != "" {
				where += ": " + st.Command
			}
		}
		t := key("enter", fmt.Sprintf("run step %d: %s", m.steps.Index(w.gate.StepID)+1, m.stepTitle(w.gate.StepID)))
		if n := m.diffNudge(); n != "" {
			t += s.App.Subtle.Render(" · ") + s.App.Warning.Render(n)
		}
		return t + s.App.Subtle.Render(where)
	case w.running != "":
		return s.Steps.Running.Render("running: "+m.stepTitle(w.running)) + s.App.Subtle.Render(" · ctrl+c cancels it")
	case w.finished && w.err == nil:
		t := key("esc", "back to Home")
		if len(w.sugs) > 0 {
			t += s.App.Subtle.Render(" · ") + key("s", fmt.Sprintf("run %s (%s)", w.sugs[0].Runbook, w.sugs[0].Reason))
		}
		return s.App.Success.Render("✓ window done · ") + t
	case w.finished:
		t := s.App.Danger.Render("window stopped: "+oneLine(w.err.Error())) + s.App.Subtle.Render(" · ")
		if m.canRevert() {
			t += key("r", "revert") + s.App.Subtle.Render(" · ")
		}
		return t + key("esc", "Home")
	}
	return s.App.Subtle.Render("waiting for the runner…")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

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
	}
	switch m.screen {
	case screenHome:
		return m.home.ShortHelp()
	case screenForm:
		if m.form != nil {
			return m.form.ShortHelp()
		}
	case screenReport:
		if m.report != nil {
			return m.report.ShortHelp()
		}
	case screenDiff:
		return m.diff.ShortHelp()
	}
	if m.win != nil && m.win.dialog != nil && !m.win.hidden {
		return m.win.dialog.ShortHelp()
	}
	return m.windowKeys()
}

// windowKeys are the window's keys, those that do nothing now left out.
func (m Model) windowKeys() []key.Binding {
	k := m.c.Keys
	next := k.NextStep
	if m.win != nil && m.win.closed {
		next.SetHelp("enter/esc", "Home")
	}
	out := []key.Binding{next}
	if m.canRevert() {
		out = append(out, k.Revert)
	}
	if m.patchFor("") != "" {
		d := k.Diff
		if m.diffNudge() != "" {
			d.SetHelp(d.Help().Key, "read the incoming diff (not read yet)")
		}
		out = append(out, d)
	}
	if m.win != nil && len(m.win.plan.Changes) > 0 {
		out = append(out, k.Copy, k.Card)
	}
	if m.win != nil && m.win.closed && len(m.win.sugs) > 0 {
		out = append(out, k.Suggest)
	}
	return append(out, k.Focus, k.Filter, k.Help, k.Quit)
}

// helpView lists every key of the current view, then the global ones.
func (m Model) helpView(w int) string {
	k := m.c.Keys
	s := m.c.Styles
	var groups [][]key.Binding
	switch m.screen {
	case screenHome:
		groups = m.home.FullHelp()
	case screenDiff:
		groups = m.diff.FullHelp()
	case screenWindow:
		groups = [][]key.Binding{
			{k.NextStep, k.Revert, k.Diff, k.Copy, k.Card, k.Suggest},
			{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
			{k.Focus, k.Filter, k.Back},
			{k.Yes, k.No, k.Accept, k.ChoiceNext, k.Cancel},
		}
	case screenForm:
		groups = m.form.FullHelp()
	case screenReport:
		groups = m.report.FullHelp()
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

// fitBlock pads or cuts s to exactly w x h.
func fitBlock(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			l = ansi.Truncate(l, w, "")
		} else if lw < w {
			l += strings.Repeat(" ", w-lw)
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}
