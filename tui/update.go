package tui

import (
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"porthole/runbooks"
	"porthole/tui/components/confirm"
	"porthole/tui/components/diffview"
	"porthole/tui/components/form"
	"porthole/tui/components/home"
	"porthole/tui/components/report"
	"porthole/tui/styles"
	"porthole/tui/winview"
)

// Update routes a message: sizes to every part, keys to what has the focus
// (a dialog first), results to the part that asked for them.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, m.layout()
	case tea.BackgroundColorMsg:
		return m, m.restyle(msg.IsDark())
	case tea.KeyPressMsg:
		return m.onKey(msg)
	case tea.PasteMsg:
		if m.screen == screenHome {
			var cmd tea.Cmd
			m.home, cmd = m.home.Update(msg)
			return m, cmd
		}
		return m, nil
	case clearStatusMsg:
		if msg.id == m.statusID {
			m.status = ""
		}
		return m, nil
	case tickMsg:
		if m.windowOpen() {
			return m, tick()
		}
		m.ticking = false
		return m, nil
	case homeArmMsg:
		if msg.id == m.homeArm {
			m.homeWait = false
		}
		return m, nil
	case bootMsg:
		return m.booted(msg)
	case quitTimeoutMsg:
		m.orphan = m.orphanText("porthole quit before the window's runner stopped")
		return m, tea.Quit
	}
	if cmd, ok := m.onResult(msg); ok {
		return m, cmd
	}
	switch msg := msg.(type) {
	case startedMsg:
		return m, m.onStarted(msg)
	case winview.ClosedMsg:
		return m, m.onClosed(msg)
	case winview.EventMsg:
		return m.toWindow(msg)
	}
	return m.onComponentMsg(msg)
}

// onResult handles what the engine commands bring back.
func (m *Model) onResult(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case resolvedMsg:
		m.home.Resolved(msg.ref, msg.change, msg.err)
		if msg.err != nil {
			m.log.Info("resolve failed", "ref", msg.ref, "err", msg.err)
		}
		return m.refreshPreview(), true
	case previewMsg:
		if msg.key != changesParam(m.home.Changes()) {
			return nil, true // the list changed since
		}
		m.preview, m.previewKey, m.previewErr = msg.plan, msg.key, msg.err
		m.syncHomePlan()
		if m.building == "window" {
			m.building = ""
			if msg.err == nil {
				return m.startWindow(), true
			}
			return m.setError("cannot build the window's plan: " + msg.err.Error()), true
		}
		return nil, true
	case windowsMsg:
		if msg.err != nil {
			m.home.SetLoading(false) // what is shown is all there is
			return m.setError("cannot list past windows: " + msg.err.Error()), true
		}
		m.home.SetWindows(msg.unfinished, msg.past)
		return nil, true
	case pendingMsg:
		m.home.SetPending(msg.changes, msg.err)
		if msg.err != nil {
			m.log.Info("pending query failed", "err", msg.err)
		}
		return nil, true
	case builtMsg:
		return m.onBuilt(msg), true
	case reportMsg:
		if msg.err != nil {
			return m.setError(msg.err.Error()), true
		}
		r := report.New(m.c, msg.title, msg.text)
		m.report = &r
		m.go2(screenReport)
		return m.layout(), true
	case refreshedMsg:
		return m.onRefreshed(msg), true
	case abandonedMsg:
		return m.onAbandoned(msg), true
	case pastRevertMsg:
		return m.onPastRevert(msg), true
	}
	return nil, false
}

// onComponentMsg handles requests components make, and forwards their own
// messages (diff indexing, dialog arming).
func (m Model) onComponentMsg(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case home.AddMsg:
		return m, resolveCmd(m.ctx, m.engine, msg.Ref)
	case home.RemovedMsg:
		return m, m.refreshPreview()
	case home.StartMsg:
		return m, m.openWindow()
	case home.ResumeMsg:
		if m.windowOpen() {
			return m, m.setError("a window is still running: finish or quit it first")
		}
		m.gen++
		m.setInfo("resuming window " + msg.Window.ID + "…")
		return m, resumeCmd(m.ctx, m.engine, m.gen, msg.Window)
	case home.RunbookMsg:
		f := form.New(m.c, msg.Kind, m.engine.Params(msg.Kind), nil)
		m.form = &f
		m.go2(screenForm)
		return m, m.layout()
	case home.ReportMsg:
		return m, reportCmd(m.engine, msg.Window)
	case home.AbandonMsg:
		return m, m.askAbandon(msg.Window)
	case home.RevertMsg:
		return m, m.askPastRevert(msg.Window)
	case home.BlockedMsg:
		return m, m.setInfo(msg.Why)
	case form.SubmitMsg:
		if m.building != "" || m.form == nil { // enter again while the plan is built, or after: one window, not two
			return m, nil
		}
		m.building = "runbook"
		m.setInfo("building the " + msg.Kind + " plan…")
		return m, buildCmd(m.ctx, m.engine, msg.Kind, msg.Params, "runbook")
	case form.CancelMsg:
		m.form = nil
		if m.carryTaken != nil && m.win != nil { // offered again
			m.win.Carry([]runbooks.Suggestion{*m.carryTaken})
		}
		m.carry, m.carryTaken = nil, nil
		m.back()
		return m, m.layout()
	case report.CloseMsg:
		m.report = nil
		m.back()
		return m, m.layout()
	case diffview.CloseMsg:
		if m.opts.DiffFile != "" {
			return m, tea.Quit
		}
		m.back()
		return m, m.layout()
	case confirm.ArmMsg:
		if m.quitDlg != nil {
			d, _ := m.quitDlg.Update(msg)
			m.quitDlg = &d
		}
		if m.abandon != nil {
			m.abandon.dlg, _ = m.abandon.dlg.Update(msg)
		}
		m.armPastRevert(msg)
		if m.win != nil {
			m.win.Update(msg)
		}
		return m, nil
	}
	var cmd tea.Cmd
	m.diff, cmd = m.diff.Update(msg) // the viewer's own messages (indexing, highlighting, search)
	return m, cmd
}

// go2 switches to the diff viewer, a form or a report, remembering which of
// Home or the window to come back to.
func (m *Model) go2(s screen) {
	if m.screen == screenHome || m.screen == screenWindow {
		m.prev = m.screen
	}
	m.screen = s
}

// back returns from the diff viewer, form or report.
func (m *Model) back() {
	m.screen = screenHome
	if m.prev == screenWindow && m.win != nil {
		m.screen = screenWindow
	}
}

// onKey routes a key press.
func (m Model) onKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.c.Keys
	if key.Matches(msg, k.ForceQuit) {
		return m.interrupt()
	}
	if m.help {
		if key.Matches(msg, k.Help, k.Back, k.Quit) {
			m.help = false
		}
		return m, nil
	}
	if m.quitDlg != nil {
		d, _ := m.quitDlg.Update(msg)
		m.quitDlg = &d
		if d.WantsHide() {
			m.quitDlg = nil
		}
		if choice, ok := d.Answer(); ok {
			m.quitDlg = nil
			if choice == "y" {
				return m.stopAndQuit()
			}
		}
		return m, nil
	}
	if m.abandon != nil {
		return m.onAbandonKey(msg)
	}
	if m.pastRevert != nil {
		return m.onPastRevertKey(msg)
	}
	switch m.screen {
	case screenDiff:
		if key.Matches(msg, k.Help) && !m.diff.Searching() {
			m.help = true
			return m, nil
		}
		var cmd tea.Cmd
		m.diff, cmd = m.diff.Update(msg)
		return m, cmd
	case screenForm:
		var cmd tea.Cmd
		*m.form, cmd = m.form.Update(msg)
		return m, cmd
	case screenReport:
		var cmd tea.Cmd
		*m.report, cmd = m.report.Update(msg)
		return m, cmd
	case screenWindow:
		if key.Matches(msg, k.Help) {
			m.help = true
			return m, nil
		}
		return m.toWindow(msg)
	}
	return m.homeKey(msg)
}

func (m Model) homeKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.c.Keys
	if m.homeWait {
		return m, nil // typed on the window's screen, or before Home was drawn
	}
	if !m.home.Typing() || m.home.InputEmpty() {
		switch {
		case key.Matches(msg, k.Help):
			m.help = true
			return m, nil
		case key.Matches(msg, k.Quit):
			return m.quit()
		}
	} else if msg.String() == "esc" && m.win != nil {
		m.screen = screenWindow // back to the window that is still open
		return m, m.layout()
	}
	var cmd tea.Cmd
	m.home, cmd = m.home.Update(msg)
	return m, cmd
}

// restyle switches to light or dark styles.
func (m *Model) restyle(dark bool) tea.Cmd {
	if dark == m.c.Styles.IsDark {
		return nil
	}
	*m.c.Styles = *styles.New(dark)
	m.footer.Restyle(m.c.Styles)
	m.home.Restyle()
	return m.layout()
}

// setInfo shows a passing message in the footer.
func (m *Model) setInfo(s string) tea.Cmd {
	m.statusID++
	m.status, m.statusErr, m.statusWhile = s, false, ""
	id := m.statusID
	return tea.Tick(8*time.Second, func(time.Time) tea.Msg { return clearStatusMsg{id: id} })
}

// setError shows an error in the footer until the next one (and logs it).
func (m *Model) setError(s string) tea.Cmd {
	m.statusID++
	m.status, m.statusErr, m.statusWhile = s, true, ""
	m.log.Warn("tui", "error", s)
	return nil
}

// refreshPreview rebuilds the plan preview when the resolved changes changed.
func (m *Model) refreshPreview() tea.Cmd {
	if !m.home.Ready() {
		m.syncHomePlan()
		return nil
	}
	key := changesParam(m.home.Changes())
	if key == m.previewKey && (m.preview != nil || m.previewErr != nil) {
		m.syncHomePlan()
		return nil
	}
	m.preview, m.previewErr, m.previewKey = nil, nil, ""
	m.syncHomePlan()
	return previewCmd(m.ctx, m.engine, key)
}

// syncHomePlan tells Home what the plan preview found.
func (m *Model) syncHomePlan() {
	switch {
	case len(m.home.Entries()) == 0:
		m.home.SetPlanStatus(nil, "")
	case !m.home.Ready():
		m.home.SetPlanStatus(nil, "")
	case m.previewErr != nil:
		m.home.SetPlanStatus(errWarnings(m.previewErr), "✖ the window cannot be planned: "+m.previewErr.Error())
	case m.preview == nil:
		m.home.SetPlanStatus(nil, "checking the plan (where each change lands, warnings)…")
	default:
		m.home.SetPlanStatus(m.preview.Warnings, fmt.Sprintf("plan ready: %d steps", len(m.preview.Steps)))
	}
}

// openWindow starts the window of the changes on Home, once its plan is built.
func (m *Model) openWindow() tea.Cmd {
	if m.windowOpen() {
		m.screen = screenWindow
		return tea.Batch(m.layout(), m.setInfo("this window is still open: finish it (or quit) before starting another"))
	}
	if m.building == "window" {
		return nil
	}
	// The changes are looked up again first: the plan is built from what
	// Gerrit says now, not from cards that may be minutes old.
	m.building = "window"
	return tea.Batch(m.setInfo("checking the changes in Gerrit and building the window's plan…"), m.refreshCards("window"))
}

// startWindow runs the previewed backport plan, one step at a time.
func (m *Model) startWindow() tea.Cmd {
	plan := m.preview
	m.preview, m.previewKey = nil, "" // a plan runs once
	m.gen++
	return startCmd(m.ctx, m.engine, m.gen, plan, stepMode(), "start")
}
