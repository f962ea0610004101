package winview

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"porthole/runbooks"
	"porthole/tui/components/changecard"
	"porthole/tui/internal/textutil"
)

// WideWidth is the width from which the steps and the log sit side by side.
const WideWidth = 120

// SetSize gives the window its body's size.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	if w >= WideWidth {
		sw := m.stepsWidth()
		m.steps.SetSize(sw, h)
		m.logs.SetSize(w-sw-1, h)
		return
	}
	sh := m.stepsHeight()
	m.steps.SetSize(w, sh)
	m.logs.SetSize(w, max(2, h-sh-1))
}

// stepsWidth is the step list's width side by side with the log: what its
// titles need, between 45% and 55% of the screen (the log keeps the rest).
func (m *Model) stepsWidth() int {
	return max(m.width*45/100, min(m.steps.Wanted(), m.width*55/100))
}

// stepsHeight is the step list's height above the log (narrow screens).
func (m *Model) stepsHeight() int {
	return min(len(m.steps.Steps())+1, max(4, m.height*2/5))
}

func (m *Model) logsWidth() int {
	if m.width >= WideWidth {
		return m.width - m.stepsWidth() - 1
	}
	return m.width
}

func (m *Model) logsHeight() int {
	if m.width >= WideWidth {
		return m.height
	}
	return max(2, m.height-m.stepsHeight()-1)
}

// View lays out the step list and the log (or the change cards) in exactly
// its size.
func (m *Model) View() string {
	w, h := m.width, m.height
	right := m.logs.View()
	if m.card {
		right = m.cardsView(m.logsWidth(), m.logsHeight())
	}
	var out string
	if w >= WideWidth {
		sw := m.stepsWidth()
		out = lipgloss.JoinHorizontal(lipgloss.Top, textutil.Fit(m.steps.View(), sw, h), " ", textutil.Fit(right, w-sw-1, h))
	} else {
		sep := m.c.Styles.App.Faint.Render(strings.Repeat("─", w))
		out = m.steps.View() + "\n" + sep + "\n" + right
	}
	return textutil.Fit(out, w, h)
}

// cardsView shows the window's changes (i).
func (m *Model) cardsView(w, h int) string {
	var parts []string
	n := max(1, len(m.plan.Changes))
	for _, ch := range m.plan.Changes {
		parts = append(parts, changecard.View(m.c.Styles, w, max(4, h/n), changecard.Card{Change: ch,
			Warnings: changecard.ForChange(m.plan.Warnings, ch.Number), CIAccount: m.deps.CIAccount, Phabricator: m.deps.Phabricator}))
	}
	if len(parts) == 0 {
		return m.c.Styles.App.Muted.Render("this window has no Gerrit changes (i: back to the log)")
	}
	return textutil.Fit(strings.Join(parts, "\n"), w, h)
}

// DialogView is the question on top of the window ("" when none is shown).
func (m *Model) DialogView(w, maxH int) string {
	switch {
	case m.pick != nil:
		return m.pick.View(min(w-2, 100), maxH)
	case !m.DialogShown():
		return ""
	}
	return m.dialog.View(min(w-2, 100), maxH)
}

// ProgressBar is the terminal's own progress indicator (OSC 9;4) for the
// step running now: its progress, or busy; nil when nothing runs.
func (m *Model) ProgressBar() *tea.ProgressBar {
	if m.running == "" {
		return nil
	}
	if p, ok := m.logs.ProgressOf(m.running); ok {
		state := tea.ProgressBarDefault
		if p.Failed > 0 {
			state = tea.ProgressBarWarning
		}
		return tea.NewProgressBar(state, p.Percent())
	}
	return tea.NewProgressBar(tea.ProgressBarIndeterminate, 0)
}

// NextAction names what enter does now (or what the window waits for).
func (m *Model) NextAction() string {
	s := m.c.Styles
	key := func(k, text string) string { return s.App.Key.Render(k) + s.App.Bold.Render(" "+text) }
	switch {
	case m.dialog != nil && m.hidden:
		return key("enter", "answer: "+m.gate.Gate.Prompt)
	case m.dialog != nil:
		return s.App.Warning.Render("answer the question (esc hides it)")
	case m.gate != nil:
		return m.gateAction(key)
	case m.running != "":
		return s.Steps.Running.Render("running"+m.runningFor()+": "+m.StepTitle(m.running)) + s.App.Subtle.Render(" · ctrl+c cancels it")
	case m.finished && m.err == nil:
		t := key("esc", "back to Home")
		if sugs := m.facts.suggestions(); len(sugs) > 0 {
			t += s.App.Subtle.Render(" · ") + key("s", fmt.Sprintf("run %s%s (%s)", sugs[0].Runbook, moreSuggested(sugs[1:]), sugs[0].Reason))
		}
		return s.App.Success.Render("✓ window done · ") + t
	case m.finished:
		t := s.App.Danger.Render("window stopped: "+textutil.OneLine(m.err.Error())) + s.App.Subtle.Render(" · ")
		if m.CanRevert() {
			t += key("r", "revert") + s.App.Subtle.Render(" · ")
		}
		return t + key("esc", "Home")
	}
	return s.App.Subtle.Render("waiting for the runner…")
}

// gateAction is the next action at a step-mode pause: the step, where it
// runs, and the diff nudge.
func (m *Model) gateAction(key func(k, text string) string) string {
	s := m.c.Styles
	st := m.step(m.gate.StepID)
	where := ""
	if st != nil {
		where = " · " + m.deps.Hosts(st.Role)
		if st.Command != "" {
			where += ": " + st.Command
		}
	}
	t := key("enter", fmt.Sprintf("run step %d: %s", m.steps.Index(m.gate.StepID)+1, m.StepTitle(m.gate.StepID)))
	if n := m.diffNudge(); n != "" {
		t += s.App.Subtle.Render(" · ") + s.App.Warning.Render(n)
	}
	return t + s.App.Subtle.Render(where)
}

// runningFor is how long the running step has run (" 1:05"), ticked by
// the root's one-second clock: a long wait (the merge) visibly moves.
func (m *Model) runningFor() string {
	in := m.steps.Info(m.running)
	if in == nil || in.Started.IsZero() {
		return ""
	}
	return " " + textutil.Clock(m.deps.Now().Sub(in.Started))
}

// moreSuggested names the suggestions after the first: " (then purgeList,
// updateCollation)", "" for none.
func moreSuggested(rest []runbooks.Suggestion) string {
	if len(rest) == 0 {
		return ""
	}
	names := make([]string, len(rest))
	for i, r := range rest {
		names[i] = r.Runbook
	}
	return ", then " + strings.Join(names, ", ")
}
