package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// driver runs the root model the way a tea.Program does, without a
// terminal: commands run in goroutines and their messages come back through
// Update, in order of arrival. Tests type keys and wait for conditions on
// the model (never for a duration: the deadline only turns a hang into a
// failure).
type driver struct {
	t     *testing.T
	m     Model
	msgs  chan tea.Msg
	quit  bool
	clips []string // what was put on the clipboard (OSC 52)
}

const driverDeadline = 20 * time.Second

func newDriver(t *testing.T, opts Options, w, h int) *driver {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	d := &driver{t: t, msgs: make(chan tea.Msg, 1024)}
	d.m = New(ctx, opts)
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	d.run(d.m.Init())
	return d
}

func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() { d.msgs <- cmd() }()
}

// send delivers one message to Update.
func (d *driver) send(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
		return
	case tea.BatchMsg:
		for _, c := range msg {
			d.run(c)
		}
		return
	case tea.QuitMsg:
		d.quit = true
		return
	}
	if s := fmt.Sprintf("%T", msg); s == "tea.setClipboardMsg" {
		d.clips = append(d.clips, fmt.Sprint(msg))
		return
	}
	m, cmd := d.m.Update(msg)
	d.m = m.(Model)
	d.run(cmd)
}

// key types one key (names as tea prints them: "enter", "esc", "ctrl+c", "G", "]").
func (d *driver) key(names ...string) {
	for _, n := range names {
		d.send(keyMsg(n))
	}
}

func keyMsg(n string) tea.KeyPressMsg {
	special := map[string]rune{"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab,
		"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "backspace": tea.KeyBackspace, "home": tea.KeyHome,
		"end": tea.KeyEnd, "delete": tea.KeyDelete}
	if r, ok := special[n]; ok {
		return tea.KeyPressMsg{Code: r}
	}
	if n == "shift+tab" {
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	}
	if n == "space" {
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	if c, ok := strings.CutPrefix(n, "ctrl+"); ok {
		return tea.KeyPressMsg{Code: rune(c[0]), Mod: tea.ModCtrl}
	}
	r := []rune(n)[0]
	return tea.KeyPressMsg{Code: r, Text: n}
}

// typeText types each character.
func (d *driver) typeText(s string) {
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// until processes messages until cond holds.
func (d *driver) until(what string, cond func(m Model) bool) {
	d.t.Helper()
	deadline := time.After(driverDeadline)
	for !cond(d.m) {
		select {
		case msg := <-d.msgs:
			d.send(msg)
		case <-deadline:
			d.t.Fatalf("waiting for %s: it never happened; screen:\n%s", what, d.screen())
		}
	}
}

// settle processes what is already queued, without waiting for more.
func (d *driver) settle() {
	for {
		select {
		case msg := <-d.msgs:
			d.send(msg)
		default:
			return
		}
	}
}

// screen is the view without colours.
func (d *driver) screen() string { return ansi.Strip(d.m.render()) }

// waitScreen processes messages until the screen shows want.
func (d *driver) waitScreen(want string) string {
	d.t.Helper()
	d.until(fmt.Sprintf("%q on screen", want), func(m Model) bool { return strings.Contains(ansi.Strip(m.render()), want) })
	return d.screen()
}

// dialogArmed waits until the open dialog takes keys (it ignores keys typed
// before it appeared).
func (d *driver) dialogArmed() {
	d.t.Helper()
	d.until("an armed dialog", func(m Model) bool {
		return (m.win != nil && m.win.Dialog() != nil && m.win.Dialog().Armed()) || (m.quitDlg != nil && m.quitDlg.Armed())
	})
}

// homeReady waits until Home takes every key: the window lists are read and
// the wait after leaving a window is over.
func (d *driver) homeReady() {
	d.t.Helper()
	d.until("Home taking keys (lists read, arm delay over)", func(m Model) bool {
		return m.screen == screenHome && !m.homeWait && !m.home.Loading()
	})
}
