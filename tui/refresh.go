package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"porthole/tui/components/confirm"
)

// refreshedMsg brings back the changes on Home looked up again in Gerrit;
// then is what to do next ("window": build and open the window).
type refreshedMsg struct {
	results []resolvedMsg
	then    string
}

// refreshCmd looks the resolved changes up again: a window that merged a
// change, or a vote cast meanwhile, must show on its card.
func refreshCmd(ctx context.Context, e Engine, refs []string, then string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, opTimeout)
		defer cancel()
		out := refreshedMsg{then: then}
		for _, ref := range refs {
			ch, err := e.Resolve(ctx, ref)
			out.results = append(out.results, resolvedMsg{ref: ref, change: ch, err: err})
		}
		return out
	}
}

// refreshCards asks for the changes on Home again (nil when there are none).
func (m *Model) refreshCards(then string) tea.Cmd {
	var refs []string
	for _, e := range m.home.Entries() {
		if e.Change != nil {
			refs = append(refs, e.Ref)
		}
	}
	if len(refs) == 0 {
		return nil
	}
	return refreshCmd(m.ctx, m.engine, refs, then)
}

// onRefreshed updates the cards; the plan preview is built again from the
// fresh changes, and the window opens when that is what was asked.
func (m *Model) onRefreshed(msg refreshedMsg) tea.Cmd {
	var failed *resolvedMsg
	for i, r := range msg.results {
		if r.err != nil {
			m.log.Info("refresh failed", "ref", r.ref, "err", r.err)
			if failed == nil {
				failed = &msg.results[i]
			}
			continue
		}
		m.home.Refresh(r.ref, r.change)
	}
	m.preview, m.previewErr, m.previewKey = nil, nil, ""
	if msg.then == "window" && m.building == "window" {
		if failed != nil {
			m.building = ""
			m.syncHomePlan()
			return m.setError("cannot look change " + failed.ref + " up again before opening the window: " + failed.err.Error())
		}
		m.syncHomePlan()
		return previewCmd(m.ctx, m.engine, changesParam(m.home.Changes()))
	}
	cmd := m.refreshPreview()
	if failed != nil {
		return tea.Batch(cmd, m.setInfo("could not refresh change "+failed.ref+" (its card may be stale): "+failed.err.Error()))
	}
	return cmd
}

// toHome leaves a closed window for Home: the windows are listed again and
// the change cards refreshed. Home ignores keys for the arm delay (like a new
// dialog), so that the enters that ended the window cannot go on to open
// another one, and its tab and enter wait for the window lists.
func (m *Model) toHome() tea.Cmd {
	m.win = nil
	m.screen = screenHome
	m.home.SetLoading(true)
	m.homeWait = true
	m.homeArm++
	id := m.homeArm
	delay := confirm.ArmDelay
	if m.c.ArmDelay > 0 {
		delay = m.c.ArmDelay
	}
	arm := tea.Tick(delay, func(time.Time) tea.Msg { return homeArmMsg{id: id} })
	return tea.Batch(windowsCmd(m.engine), m.refreshCards(""), m.layout(), arm)
}

// homeArmMsg ends Home's wait after a window.
type homeArmMsg struct{ id int }
