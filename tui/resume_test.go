package tui

import (
	"os"
	"strings"
	"testing"

	xansi "github.com/charmbracelet/x/ansi"

	"porthole/gerrit"
	"porthole/tui/components/steplist"
)

// declineFullSync opens the window of change 1000 and runs it up to the
// irreversible full sync, where the deployer says no (the owner is not ready).
func declineFullSync(t *testing.T, d *driver) {
	t.Helper()
	runToFullSync(t, d)
	d.key("n")
	d.until("the window to stop", func(m Model) bool { return m.win != nil && m.win.Closed() })
}

// merged is change 1000 after the window's +2 merged it.
func merged(e *testEngine) *gerrit.Change {
	e.mu.Lock()
	ch := *e.changes["1000"]
	e.mu.Unlock()
	ch.Status = "MERGED"
	ch.Labels = map[string][]gerrit.Vote{
		"Code-Review": {{Account: gerrit.Account{Name: "deployer", Username: "deployer"}, Value: 2}},
		"Verified":    {{Account: gerrit.Account{Name: "jenkins-bot", Username: "jenkins-bot"}, Value: 2}},
	}
	return &ch
}

func TestDeclinedWindowIsResumedFromHome(t *testing.T) {
	e := newTestEngine(t)
	e.state = t.TempDir()
	d := newDriver(t, testOptions(e), 100, 30)
	declineFullSync(t, d)
	e.setChange(merged(e)) // the +2 merged it meanwhile

	// Back on Home: the card is refreshed, the window is offered for resume,
	// saying where, why and when it stopped.
	d.key("esc")
	s := d.waitScreen("Unfinished window — enter resumes it · x abandons it")
	s = d.waitScreen("MERGED")
	for _, want := range []string{
		"2026-03-03 14:00  Backport 1000",
		`deployer said no to "Sync php-1.44.0-wmf.5/includes/api/ApiMain.php to production`,
		"+2 deployer", "+2 jenkins-bot",
	} {
		if !strings.Contains(flat(s), flat(want)) {
			t.Errorf("Home lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "no votes yet") || strings.Contains(s, "NEW") {
		t.Errorf("the change card is stale:\n%s", s)
	}

	// enter resumes it: done steps stay done, the declined question is asked again.
	d.homeReady()
	d.key("tab", "tab", "enter") // past the changes to the unfinished window
	d.gate("sync-php")
	if d.m.win.Dialog() == nil || !d.m.win.Dialog().Danger {
		t.Fatal("the resumed window does not ask the irreversible sync again")
	}
	for _, id := range []string{"approve-1000", "fetch-php", "review-php", "sync-testservers", "owner-verify"} {
		if in := d.m.win.StepList().Info(id); in == nil || in.State != steplist.Done {
			t.Errorf("step %s is %v after the resume, want done", id, in)
		}
	}
	close(e.release) // the test engine's sync holds mid-way until released
	d.key("y")
	d.gate("post-deploy")
	d.key("enter")
	d.until("the window to finish", func(m Model) bool { return m.win != nil && m.win.Closed() })
	if d.m.win.Err() != nil {
		t.Fatalf("the resumed window ended with %v", d.m.win.Err())
	}
	d.key("esc")
	d.until("the window list", func(m Model) bool { return m.screen == screenHome && len(m.home.Entries()) == 1 })
	d.until("no unfinished window", func(m Model) bool {
		s := xansi.Strip(m.render())
		return !strings.Contains(s, "Unfinished window") && strings.Contains(s, "Past windows (1)")
	})
}

func TestAbandonAnUnfinishedWindowFromHome(t *testing.T) {
	e := newTestEngine(t)
	e.state = t.TempDir()
	d := newDriver(t, testOptions(e), 100, 30)
	declineFullSync(t, d)
	d.key("esc")
	d.waitScreen("Unfinished window — enter resumes it")
	path := d.m.home.Unfinished()[0].Path
	d.homeReady()
	d.key("tab", "tab", "x")
	armed := func(m Model) bool { return m.abandon != nil && m.abandon.dlg.Armed() }
	d.until("the abandon question", armed)
	s := d.screen()
	if !strings.Contains(s, "Abandon Backport 1000?") || !strings.Contains(s, "[n] No (default)") {
		t.Fatalf("the abandon question:\n%s", s)
	}
	d.key("n") // kept
	d.waitScreen("kept: enter resumes it")
	if len(d.m.home.Unfinished()) != 1 {
		t.Fatal("the window went away on No")
	}
	d.key("x")
	d.until("the abandon question", armed)
	d.key("y")
	d.waitScreen("abandoned (journaled)")
	d.until("the list without it", func(m Model) bool { return len(m.home.Unfinished()) == 0 })
	if d.m.home.Focus() != 0 {
		t.Errorf("focus stayed on the empty unfinished list (%d)", d.m.home.Focus())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"type":"window-abandon"`) || !strings.Contains(string(b), `"user":"deployer"`) {
		t.Fatalf("the journal has no abandon record by the deployer:\n%s", b)
	}
}

func TestCardsAreRefreshedBeforeTheWindowOpens(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 100, 30)
	d.typeText("1000")
	d.key("enter")
	d.waitScreen("plan ready: 7 steps")
	e.mu.Lock()
	before := e.resolves
	e.mu.Unlock()
	fresh := merged(e)
	e.setChange(fresh)
	d.homeReady()
	d.key("enter")
	d.until("the window", func(m Model) bool { return m.screen == screenWindow && m.win != nil })
	e.mu.Lock()
	after := e.resolves
	e.mu.Unlock()
	if after != before+1 {
		t.Errorf("opening the window looked the change up %d times, want once", after-before)
	}
	if got := d.m.home.Entries()[0].Change; got != fresh {
		t.Errorf("Home's change 1000 is %s, want the fresh MERGED one", got.Status)
	}
}
