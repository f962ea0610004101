package tui

import (
	"fmt"
	"image/color"
	"porthole/runbooks/journal"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/exp/golden"
)

// sizes the whole screen is snapshot at; 80x24 must be usable.
var sizes = [][2]int{{80, 24}, {100, 30}, {140, 40}}

// snap checks the screen is exactly w x h and matches its golden file.
func snap(t *testing.T, d *driver) {
	t.Helper()
	v := d.m.render()
	if w, h := lipgloss.Size(v); w != d.m.width || h != d.m.height {
		t.Errorf("screen is %dx%d, want %dx%d", w, h, d.m.width, d.m.height)
	}
	golden.RequireEqual(t, d.screen())
}

func TestScreensGolden(t *testing.T) {
	for _, sz := range sizes {
		w, h := sz[0], sz[1]
		t.Run(fmt.Sprintf("home_%dx%d", w, h), func(t *testing.T) {
			e := newTestEngine(t)
			d := newDriver(t, testOptions(e), w, h)
			d.typeText("1000")
			d.key("enter")
			d.waitScreen("plan ready")
			d.homeReady()
			snap(t, d)
		})
		t.Run(fmt.Sprintf("first_question_%dx%d", w, h), func(t *testing.T) {
			e := newTestEngine(t)
			d := newDriver(t, testOptions(e), w, h)
			openWindow(t, d)
			snap(t, d)
		})
		t.Run(fmt.Sprintf("irreversible_%dx%d", w, h), func(t *testing.T) {
			e := newTestEngine(t)
			d := newDriver(t, testOptions(e), w, h)
			openWindow(t, d)
			d.key("y")
			for _, id := range []string{"fetch-php", "review-php"} {
				d.gate(id)
				d.key("enter")
			}
			d.gate("review-php")
			d.key("a")
			d.gate("sync-testservers")
			d.key("enter")
			d.gate("owner-verify")
			d.key("y")
			d.gate("sync-php")
			snap(t, d)
		})
		t.Run(fmt.Sprintf("syncing_%dx%d", w, h), func(t *testing.T) {
			e := newTestEngine(t)
			d := newDriver(t, testOptions(e), w, h)
			holdSync(t, d)
			snap(t, d)
			close(e.release)
		})
		t.Run(fmt.Sprintf("diff_%dx%d", w, h), func(t *testing.T) {
			e := newTestEngine(t)
			d := newDriver(t, Options{Engine: e, Now: e.clock, DiffFile: e.patch}, w, h)
			d.until("the diff", func(m Model) bool { return m.diff.Doc() != nil })
			golden.RequireEqual(t, strings.ReplaceAll(d.screen(), e.patch, "PATCH"))
		})
		t.Run(fmt.Sprintf("help_%dx%d", w, h), func(t *testing.T) {
			e := newTestEngine(t)
			d := newDriver(t, testOptions(e), w, h)
			d.typeText("1?") // in the input, after text: text, not help
			if d.m.help {
				t.Fatal("? in the input opened the help")
			}
			d.key("backspace", "backspace")
			d.typeText("1000")
			d.key("enter")
			d.waitScreen("plan ready")
			d.homeReady()
			d.key("tab", "?")
			snap(t, d)
		})
	}
}

func TestResizeKeepsEveryScreenExact(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 80, 24)
	holdSync(t, d)
	for _, sz := range [][2]int{{60, 18}, {200, 60}, {80, 24}, {119, 30}, {120, 30}} {
		d.send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		if w, h := lipgloss.Size(d.m.render()); w != sz[0] || h != sz[1] {
			t.Errorf("at %dx%d the screen is %dx%d", sz[0], sz[1], w, h)
		}
		if !strings.Contains(d.screen(), "sync-apaches: 60%") {
			t.Errorf("at %dx%d the progress is gone:\n%s", sz[0], sz[1], d.screen())
		}
	}
	close(e.release)
}

func TestLightAndDarkTerminals(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 80, 24)
	if !d.m.Styles().IsDark {
		t.Fatal("the default is not dark")
	}
	d.send(tea.BackgroundColorMsg{Color: color.White})
	if d.m.Styles().IsDark {
		t.Fatal("a white background did not switch to light styles")
	}
	d.send(tea.BackgroundColorMsg{Color: color.Black})
	if !d.m.Styles().IsDark {
		t.Fatal("a black background did not switch back")
	}
}

func TestResumeFromHome(t *testing.T) {
	e := newTestEngine(t)
	e.unf = []journal.WindowSummary{e.unfinishedWindow(t)}
	d := newDriver(t, testOptions(e), 100, 30)
	d.waitScreen("Unfinished window — enter resumes it")
	d.key("tab", "enter")
	d.until("the resumed window", func(m Model) bool { return m.screen == screenWindow && m.win != nil })
	s := d.waitScreen("enter run step 3: Review HEAD..@{u}")
	for _, want := range []string{"✓   1. +2 change 1000", "✓   2. git fetch"} {
		if !strings.Contains(s, want) {
			t.Errorf("resumed window lacks %q:\n%s", want, s)
		}
	}
}

func TestRunbookFromHome(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 100, 30)
	d.waitScreen("namespaceDupes · purgeList")
	d.homeReady()
	d.key("tab", "enter")
	d.until("the form", func(m Model) bool { return m.screen == screenForm })
	d.typeText("dewiki")
	d.key("enter", "enter")
	d.until("the runbook's window", func(m Model) bool { return m.screen == screenWindow && m.win != nil && m.win.Gate() != nil })
	if s := d.screen(); !strings.Contains(s, "enter run step 1: namespaceDupes.php --wiki=dewiki · mwmaint1002") {
		t.Fatalf("runbook window:\n%s", s)
	}
	d.key("enter")
	d.until("the end", func(m Model) bool { return m.win.Closed() })
	if s := d.screen(); !strings.Contains(s, "Looks good!") || !strings.Contains(s, "✓ window done") {
		t.Fatalf("runbook end:\n%s", s)
	}
	d.key("esc")
	if d.m.screen != screenHome {
		t.Fatal("esc does not go Home after the window")
	}
}

func TestFormEscGoesBack(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 100, 30)
	d.waitScreen("namespaceDupes · purgeList")
	d.homeReady()
	d.key("tab", "enter")
	d.until("the form", func(m Model) bool { return m.screen == screenForm })
	d.key("esc")
	d.until("Home", func(m Model) bool { return m.screen == screenHome && m.form == nil })
}

func TestPastWindowReport(t *testing.T) {
	e := newTestEngine(t)
	e.past = []journal.WindowSummary{{ID: "20260301-090000-backport", Kind: "backport", Title: "Backport 990", Status: journal.StatusFailed}}
	d := newDriver(t, testOptions(e), 100, 30)
	d.waitScreen("Past windows (1)")
	d.key("tab", "tab", "enter")                         // past the runbooks
	s := d.waitScreen("Window 20260301-090000-backport") // laid out: no "#"
	if !strings.Contains(s, "✗ sync failed") || strings.Contains(s, "# Window") || strings.Contains(s, "- ✓") {
		t.Fatalf("report (laid out, no Markdown marks):\n%s", s)
	}
	d.key("q")
	d.until("Home", func(m Model) bool { return m.screen == screenHome })
	if d.quit {
		t.Fatal("q in a report quit porthole")
	}
}

func TestSuggestedRunbookAfterTheWindow(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 100, 30)
	holdSync(t, d)
	close(e.release)
	d.gate("post-deploy")
	d.key("enter")
	d.until("the end", func(m Model) bool { return m.win.Closed() })
	d.key("s")
	d.until("the suggested form", func(m Model) bool { return m.screen == screenForm })
	s := d.screen()
	if !strings.Contains(s, "suggested: new namespace on dewiki") || !strings.Contains(s, "dewiki") {
		t.Fatalf("suggested form:\n%s", s)
	}
}

func TestDiffOnlyQuitsOnQ(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, Options{Engine: e, Now: e.clock, DiffFile: e.patch}, 80, 24)
	d.until("the diff", func(m Model) bool { return m.diff.Doc() != nil })
	d.key("]", "/")
	d.typeText("maxlag")
	d.key("enter")
	d.until("the match", func(m Model) bool { return strings.Contains(m.diff.Status(), "/maxlag: line") })
	d.key("q")
	d.until("quit", func(Model) bool { return d.quit })
}
