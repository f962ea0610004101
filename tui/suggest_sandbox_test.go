package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"porthole/runbooks"
	"porthole/tui/components/home"
)

// yesToAll answers every question of the open window with y (enter at a
// step-mode pause) until it ends.
func (d *driver) yesToAll() {
	d.t.Helper()
	for {
		d.until("a question or the end of the window", func(m Model) bool {
			return m.win != nil && (m.win.Closed() || m.win.Gate() != nil)
		})
		if d.m.win.Closed() {
			return
		}
		g := d.m.win.Gate()
		if g.Gate.Kind == runbooks.GateContinue {
			d.key("enter")
		} else {
			d.dialogArmed()
			d.key("y")
		}
		d.until("the answer to be taken", func(m Model) bool { return m.win.Gate() != g || m.win.Closed() })
	}
}

// The sandbox's /static change, deployed in the TUI: after the sync,
// purgeList is offered; s opens its form with the file's URL prefilled from
// the diff, and running it purges that URL on the maintenance host.
func TestSandboxStaticChangeOffersPurgeListPrefilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the sandbox")
	}
	sb, env := sandboxEnv(t)
	env.Config.Gerrit.PollInterval = 50 * time.Millisecond
	env.Config.Maintenance.PollInterval = 50 * time.Millisecond
	const url = "https://en.wikipedia.org/static/images/project-logos/newikibooks.png"
	d := newDriver(t, Options{Env: env, Sandbox: true, ArmDelay: time.Millisecond}, 140, 40)
	d.typeText(fmt.Sprint(sb.Changes["static"]))
	d.key("enter")
	d.waitScreen("plan ready")
	d.homeReady()
	d.key("enter")
	d.until("the window", func(m Model) bool { return m.screen == screenWindow && m.win != nil })
	d.yesToAll()
	if d.m.win.Err() != nil {
		t.Fatalf("the window failed: %v\nsteps: %s\n%s", d.m.win.Err(), stepStates(d.m), d.screen())
	}
	if s := flat(d.screen()); !strings.Contains(s, "s run purgeList") {
		t.Fatalf("purgeList is not offered after the sync:\n%s", d.screen())
	}
	d.key("s")
	d.until("the purgeList form", func(m Model) bool { return m.screen == screenForm })
	if s := d.screen(); !strings.Contains(s, url) {
		t.Fatalf("the purgeList form is not prefilled with the /static URL:\n%s", s)
	}
	for i := 0; i < 6 && d.m.screen == screenForm && d.m.building == ""; i++ {
		d.key("enter") // field after field, then build
		d.settle()
	}
	d.until("the purgeList window", func(m Model) bool { return m.win != nil && m.win.Plan().Kind == "purgeList" })
	if got := d.m.win.Plan().Params["urls"]; got != url {
		t.Fatalf("purgeList runs with urls %q, want %q", got, url)
	}
	d.yesToAll()
	if d.m.win.Err() != nil {
		t.Fatalf("purgeList failed: %v\n%s", d.m.win.Err(), d.screen())
	}
	b, err := os.ReadFile(filepath.Join(sb.HostDir("mwmaint1002"), "var", "lib", "mwscript", "purged.log"))
	if err != nil || !strings.Contains(string(b), " "+url+"\n") {
		t.Fatalf("purged.log %q %v", b, err)
	}

	// The backport window, read back from Home's past windows, is laid out
	// for the terminal: no Markdown or HTML markup, none of the control
	// bytes of porthole's own git look-ups.
	d.key("esc")
	d.homeReady()
	d.until("Past windows (2)", func(m Model) bool { return strings.Contains(d.screen(), "Past windows (2)") })
	for i := 0; i < 6 && d.m.home.Focus() != home.SecPast; i++ {
		d.key("tab")
	}
	d.key("down", "enter") // the older of the two: the backport
	d.until("the past window's report", func(m Model) bool { return m.screen == screenReport })
	v := d.waitScreen("Backport")
	raw := d.m.render()
	if strings.ContainsAny(raw, "\x1e\x1f") || strings.Contains(v, "<details>") || strings.Contains(v, "|---|") || strings.Contains(v, "**") || strings.Contains(v, "%x1e") {
		t.Fatalf("the past window shows markup or control bytes:\n%q", v)
	}
	if !strings.Contains(v, "Backport") || !strings.Contains(flat(v), "Update the newikibooks logo") {
		t.Fatalf("the past window is not the backport:\n%s", v)
	}
}
