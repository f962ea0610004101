package tui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"porthole/runbooks"
	"porthole/tui/components/steplist"
)

// flat joins a screen's words with single spaces (text wraps differently at each width).
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

func testOptions(e *testEngine) Options {
	return Options{Engine: e, Now: e.clock, Sandbox: true, ArmDelay: 5 * time.Millisecond}
}

// openWindow types change 1000 on Home and opens its window, up to the
// first question (the +2).
func openWindow(t *testing.T, d *driver) {
	t.Helper()
	d.typeText("1000")
	d.key("enter")
	d.waitScreen("plan ready: 7 steps")
	d.homeReady()
	d.key("enter")
	d.until("the window", func(m Model) bool { return m.screen == screenWindow && m.win != nil && m.win.Dialog() != nil })
	d.dialogArmed()
}

// gate waits for a question before step id.
func (d *driver) gate(id string) {
	d.t.Helper()
	d.until("a question before "+id, func(m Model) bool {
		return m.win != nil && m.win.Gate() != nil && m.win.Gate().StepID == id
	})
	if d.m.win.Dialog() != nil {
		d.dialogArmed()
	}
}

func TestHomeResolvesChangesAndOpensTheWindow(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 100, 30)
	d.typeText("1000")
	d.key("enter")
	s := d.waitScreen("plan ready: 7 steps")
	for _, want := range []string{"✓ 1000  mediawiki/core  wmf/1.44.0-wmf.5", "owner   Amara Okafor (aokafor)", "T388101", "+1 jenkins-bot · mergeable", "M includes/api/ApiMain.php +1 −1"} {
		if !strings.Contains(s, want) {
			t.Errorf("home does not show %q:\n%s", want, s)
		}
	}
	// A change that does not exist says so, and the window cannot open.
	d.typeText("9999")
	d.key("enter")
	s = d.waitScreen("change 9999 not found in Gerrit: check the number")
	if d.m.home.Ready() {
		t.Fatal("home is ready with an unresolved change")
	}
	d.key("enter") // on an empty line: nothing, the list is not ready
	if d.m.screen != screenHome {
		t.Fatal("the window opened with a broken change in it")
	}
	// tab to the list, remove the bad one with x, open with enter.
	d.homeReady()
	d.key("tab")
	if d.m.home.Focus() != 1 {
		t.Fatalf("tab: focus %d", d.m.home.Focus())
	}
	d.key("x")
	if n := len(d.m.home.Entries()); n != 1 {
		t.Fatalf("x left %d entries", n)
	}
	d.until("the plan again", func(m Model) bool { return m.preview != nil })
	d.homeReady()
	d.key("enter")
	d.until("the window", func(m Model) bool { return m.screen == screenWindow })
	if got := e.startedPlans(); len(got) != 1 || got[0].Title != "Backport 1000" {
		t.Fatalf("started %v", got)
	}
}

func TestHomeShowsDangerWarnings(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 100, 30)
	d.typeText("1004")
	d.key("enter")
	s := d.waitScreen("plan ready")
	for _, want := range []string{"✖ 1004", "✖ DANGER: change 1004 changes the database schema", "-1 Dana", "A sql/mysql/patch-rc_actor_timestamp.sql"} {
		if !strings.Contains(s, want) {
			t.Errorf("home does not show %q:\n%s", want, s)
		}
	}
}

// The whole window, key by key: +2, fetch, review with an extra commit (the
// diff viewer marks it), test servers with progress, the owner's
// confirmation, the irreversible sync, the suggestions, the SAL text, and
// the emergency revert.
func TestWholeWindowKeyByKey(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 100, 30)
	openWindow(t, d)
	s := d.screen()
	for _, want := range []string{"Backport 1 change? +2 starts Gerrit's gate and submit", "[y] Yes", "› [n] No (default)"} {
		if !strings.Contains(s, want) {
			t.Fatalf("the +2 dialog does not show %q:\n%s", want, s)
		}
	}
	d.key("y")
	d.gate("fetch-php") // step mode: enter runs the next step
	if s := d.screen(); !strings.Contains(s, "enter run step 2: git fetch in php-1.44.0-wmf.5 · deploy1002: git fetch") {
		t.Fatalf("the footer does not name the next action:\n%s", s)
	}
	d.key("enter")
	d.gate("review-php")
	d.key("up") // look at the fetch's log
	if s := d.screen(); !strings.Contains(s, "$ git fetch") || !strings.Contains(s, "From https://gerrit.example.org/r/mediawiki/core") {
		t.Fatalf("the fetch's log is not shown (or not shortened):\n%s", s)
	}
	d.key("enter")
	d.until("the extra-commit question", func(m Model) bool {
		return m.win.Dialog() != nil && m.win.Gate().Gate.Kind == runbooks.GateChoice
	})
	d.dialogArmed()
	// d shows the diff instead of answering; the question waits.
	d.key("d")
	d.until("the diff viewer", func(m Model) bool { return m.screen == screenDiff && m.diff.Doc() != nil })
	if s := d.screen(); !strings.Contains(s, "✗ NOT PART OF THIS CHANGE") || !strings.Contains(s, "Direct push nobody asked for") {
		t.Fatalf("the extra commit is not marked:\n%s", s)
	}
	if n := strings.Count(d.screen(), "NOT PART OF THIS CHANGE"); n != 2 { // the header and the extra commit's line
		t.Fatalf("%d marks; the change's own commit must not be marked:\n%s", n, d.screen())
	}
	d.key("q")
	d.until("back to the window", func(m Model) bool { return m.screen == screenWindow })
	if !d.m.win.Hidden() {
		t.Fatal("the question should wait, hidden, while the diff is open")
	}
	d.key("enter") // brings the question back
	if d.m.win.Hidden() {
		t.Fatal("enter did not bring the question back")
	}
	d.key("a")
	d.gate("sync-testservers")
	d.key("enter")
	d.gate("owner-verify")
	if s := d.screen(); !strings.Contains(s, "Has Amara Okafor verified it on mwdebug") {
		t.Fatalf("no owner question:\n%s", s)
	}
	d.key("y")
	d.gate("sync-php")
	s = d.screen()
	for _, want := range []string{"⚠ IRREVERSIBLE — this reaches production", "$ scap sync-file php-1.44.0-wmf.5/includes/api/ApiMain.php",
		"runs on deploy1002 in /srv/mediawiki-staging", "› [n] No (default)"} {
		if !strings.Contains(s, want) {
			t.Fatalf("the sync dialog does not show %q:\n%s", want, s)
		}
	}
	d.key("y")
	d.until("the sync's progress", func(m Model) bool { return strings.Contains(d.screen(), "sync-apaches: 60% (ok: 3; fail: 0; left: 2)") })
	s = d.screen()
	if !strings.Contains(s, "running 0:00: Sync php-1.44.0-wmf.5") || !strings.Contains(s, "ctrl+c cancels it") || !strings.Contains(s, "elapsed 0:00") {
		t.Fatalf("the running sync is not shown:\n%s", s)
	}
	if d.m.win.CanRevert() {
		t.Fatal("revert offered before anything is synced")
	}
	close(e.release)
	d.gate("post-deploy")
	d.key("enter")
	d.until("the end of the window", func(m Model) bool { return m.win.Closed() })
	s = d.screen()
	if !strings.Contains(s, "✓ window done") || !strings.Contains(s, "s run namespaceDupes (new namespace on dewiki)") {
		t.Fatalf("the end of the window does not say so or offer the suggestion:\n%s", s)
	}
	// The SAL text goes to the clipboard by OSC 52.
	d.key("c")
	d.until("the clipboard", func(Model) bool { return len(d.clips) > 0 })
	if len(d.clips) != 1 || d.clips[0] != "Backport: [[gerrit:1000|ApiMain: Send X-Database-Lag only with maxlag errors (T388101)]]" {
		t.Fatalf("clipboard = %q", d.clips)
	}
	// r: one confirmation, then the revert runs and syncs.
	d.key("r")
	d.until("the revert's question", func(m Model) bool { return m.win != nil && m.win.Plan().Kind == "revert" && m.win.Dialog() != nil })
	d.dialogArmed()
	if s := d.screen(); !strings.Contains(s, "Revert and sync to all app servers now?") || !strings.Contains(s, "IRREVERSIBLE") {
		t.Fatalf("revert dialog:\n%s", s)
	}
	d.key("y")
	d.until("the revert's end", func(m Model) bool { return m.win.Closed() })
	if d.m.win.Err() != nil {
		t.Fatalf("revert failed: %v", d.m.win.Err())
	}
	d.key("c")
	d.until("the clipboard", func(Model) bool { return len(d.clips) > 1 })
	if got := d.clips[len(d.clips)-1]; !strings.HasPrefix(got, `Backport: Revert "[[gerrit:1000|`) {
		t.Fatalf("the revert's SAL = %q", got)
	}
}

func TestIrreversibleStepDefaultsToNo(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 80, 24)
	runToFullSync(t, d)
	d.key("enter") // the default: No
	d.until("the window to stop", func(m Model) bool { return m.win.Finished() })
	if !errors.Is(d.m.win.Err(), runbooks.ErrDeclined) {
		t.Fatalf("enter on the sync answered %v, want a decline", d.m.win.Err())
	}
	if s := d.screen(); !strings.Contains(s, "window stopped") {
		t.Fatalf("the footer does not say the window stopped:\n%s", s)
	}
	if in := d.m.win.StepList().Info("sync-php"); in.State != steplist.Pending {
		t.Fatalf("the sync ran: %v", in.State)
	}
}

func TestKeysTypedBeforeADialogDoNotAnswerIt(t *testing.T) {
	e := newTestEngine(t)
	opts := testOptions(e)
	opts.ArmDelay = 0 // the real delay: the keys below come before it
	d := newDriver(t, opts, 80, 24)
	d.typeText("1000")
	d.key("enter")
	d.waitScreen("plan ready")
	d.homeReady()
	d.key("enter")
	d.until("the +2 question", func(m Model) bool { return m.win != nil && m.win.Dialog() != nil })
	d.key("y", "enter") // typed ahead, before the question could be read
	if d.m.win.Gate() == nil || d.m.win.Dialog() == nil {
		t.Fatal("a key typed before the dialog was armed answered it")
	}
	d.dialogArmed()
	d.key("y")
	d.gate("fetch-php")
}

func TestEscHidesTheQuestionAndEnterBringsItBack(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 80, 24)
	openWindow(t, d)
	d.key("esc")
	if !d.m.win.Hidden() || d.m.win.Gate() == nil {
		t.Fatal("esc did not hide the question (or answered it)")
	}
	if s := d.screen(); strings.Contains(s, "[y] Yes") || !strings.Contains(s, "enter answer: Backport 1 change?") {
		t.Fatalf("hidden question:\n%s", s)
	}
	d.key("enter")
	if d.m.win.Hidden() {
		t.Fatal("enter did not bring the question back")
	}
	d.key("right", "enter") // move the highlight to Yes… wraps around from No
	d.gate("fetch-php")
}

// runToFullSync opens the window of the test engine's change and answers
// every gate up to the irreversible full sync, whose question it leaves open.
func runToFullSync(t *testing.T, d *driver) {
	t.Helper()
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
}

// holdSync runs the window up to the sync, which the engine holds mid-way.
func holdSync(t *testing.T, d *driver) {
	t.Helper()
	runToFullSync(t, d)
	d.key("y")
	d.until("the sync running", func(m Model) bool { return strings.Contains(d.screen(), "sync-apaches: 60%") })
}

func TestCtrlCCancelsTheRunningStepAndQuitsWhenItStopped(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 100, 30)
	holdSync(t, d)
	d.key("ctrl+c") // production: it asks first
	if d.m.quitDlg == nil || d.quit {
		t.Fatal("ctrl+c during the sync did not ask")
	}
	d.dialogArmed()
	d.key("y")
	d.until("porthole to quit", func(m Model) bool { return d.quit })
	if !d.m.win.Closed() {
		t.Fatal("quit before the runner stopped")
	}
	if d.m.Orphan() != "" {
		t.Fatalf("a cancelled-and-stopped step is reported as orphan: %q", d.m.Orphan())
	}
	if in := d.m.win.StepList().Info("sync-php"); in.State != steplist.Failed || !strings.Contains(in.Err, "cancel") {
		t.Fatalf("the sync's end: %+v", in)
	}
}

func TestSecondCtrlCQuitsAtOnceAndSaysWhatMayStillRun(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 100, 30)
	holdSync(t, d)
	// First ctrl+c asks (the sync is production); a second one cancels the
	// runner; before its events are read, a third one quits at once.
	d.send(keyMsg("ctrl+c"))
	if d.m.quitDlg == nil {
		t.Fatalf("the first ctrl+c did not ask:\n%s", d.screen())
	}
	d.send(keyMsg("ctrl+c"))
	if !strings.Contains(flat(d.screen()), "cancelling `scap sync-file php-1.44.0-wmf.5/includes/api/ApiMain.php") {
		t.Fatalf("ctrl+c does not say what it cancels:\n%s", d.screen())
	}
	d.send(keyMsg("ctrl+c"))
	closed := d.m.win.Closed()
	d.until("quit", func(Model) bool { return d.quit })
	if closed {
		t.Fatal("the runner stopped before the second ctrl+c: this test did not test it")
	}
	if o := d.m.Orphan(); !strings.Contains(o, "`scap sync-file") || !strings.Contains(o, "on deploy1002") || !strings.Contains(o, "may still be running") {
		t.Fatalf("orphan warning = %q", o)
	}
}

func TestQuitAsksWhileAStepRuns(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 100, 30)
	holdSync(t, d)
	d.key("q")
	if d.m.quitDlg == nil {
		t.Fatal("q did not ask")
	}
	d.dialogArmed()
	if s := flat(d.screen()); !strings.Contains(s, "scap is syncing to production: stop it?") || !strings.Contains(s, "› [n] No (default)") {
		t.Fatalf("quit dialog:\n%s", s)
	}
	d.key("n")
	d.settle()
	if d.quit || d.m.quitDlg != nil {
		t.Fatal("n quit (or left the dialog open)")
	}
	d.key("q")
	d.dialogArmed()
	d.key("y")
	d.until("quit", func(m Model) bool { return d.quit })
	if !d.m.win.Closed() || d.m.Orphan() != "" {
		t.Fatalf("quit: closed=%v orphan=%q", d.m.win.Closed(), d.m.Orphan())
	}
}

func TestQuitWhenNothingRuns(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 80, 24)
	d.typeText("1q") // after text, q is text
	d.settle()
	if d.quit {
		t.Fatal("q typed after text quit")
	}
	d.key("backspace", "backspace")
	// With a window waiting at a gate, q stops it and quits once it stopped.
	openWindow(t, d)
	d.key("esc", "q")
	d.until("quit", func(m Model) bool { return d.quit })
	if !d.m.win.Closed() {
		t.Fatal("quit before the runner stopped")
	}
}

func TestQOnAnEmptyHomeQuits(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 80, 24)
	d.key("?")
	if !d.m.help {
		t.Fatal("? on an empty input did not open the help")
	}
	d.key("?", "q")
	d.until("quit", func(Model) bool { return d.quit })
}

func TestRevertIsRefusedBeforeASyncAndWhileAStepRuns(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 100, 30)
	openWindow(t, d)
	d.key("esc", "r")
	if s := d.screen(); !strings.Contains(s, "nothing is synced yet") {
		t.Fatalf("r before a sync:\n%s", s)
	}
	d.key("enter")
	d.dialogArmed()
	d.key("n") // decline the +2: the window stops
	d.until("stop", func(m Model) bool { return m.win.Closed() })
	d.key("esc")
	if d.m.screen != screenHome || d.m.win != nil {
		t.Fatal("esc on a closed window does not go Home")
	}
}

func TestHelpShowsTheKeys(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 100, 30)
	openWindow(t, d)
	d.key("esc", "?")
	s := d.screen()
	for _, want := range []string{"Keys", "enter run next step", "r revert", "c/y copy SAL text", "ctrl+c", "irreversible steps default to No"} {
		if !strings.Contains(flat(s), want) {
			t.Errorf("help lacks %q:\n%s", want, s)
		}
	}
	d.key("esc")
	if d.m.help {
		t.Fatal("esc did not close the help")
	}
}

func TestFailedStepAsksToRetry(t *testing.T) {
	e := newTestEngine(t)
	e.failFetch = 2
	d := newDriver(t, testOptions(e), 100, 30)
	openWindow(t, d)
	d.key("y")
	d.gate("fetch-php")
	d.key("enter")
	for i := 0; i < 2; i++ {
		d.until("the retry question", func(m Model) bool {
			return m.win.Dialog() != nil && strings.Contains(m.win.Gate().Gate.Prompt, "Retry it?")
		})
		d.dialogArmed()
		s := d.screen()
		if !strings.Contains(flat(s), "git fetch in php-1.44.0-wmf.5 failed: git fetch exited 128. Retry it?") || !strings.Contains(s, "[r] Retry the step") {
			t.Fatalf("retry question:\n%s", s)
		}
		d.key("r")
	}
	d.gate("review-php")
	if in := d.m.win.StepList().Info("fetch-php"); in.State != steplist.Done {
		t.Fatalf("fetch after two retries: %+v", in)
	}
	d.key("up")
	if s := d.screen(); !strings.Contains(s, "Could not resolve host") {
		t.Fatalf("the failed attempts' output is not in the log:\n%s", s)
	}
}

func TestWindowViewKeys(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 100, 30)
	holdSync(t, d)
	// i shows the change card instead of the log, and back.
	d.key("i")
	if s := d.screen(); !strings.Contains(s, "owner   Amara Okafor (aokafor)") {
		t.Fatalf("i did not show the card:\n%s", s)
	}
	d.key("i")
	if s := d.screen(); !strings.Contains(s, "sync-apaches: 60%") {
		t.Fatalf("i again did not bring the log back:\n%s", s)
	}
	// y copies the SAL text like c.
	d.key("y")
	d.until("the clipboard", func(Model) bool { return len(d.clips) == 1 })
	// tab gives the arrows to the log (scroll back), then back to the steps.
	d.key("tab")
	if !d.m.win.FocusLog() {
		t.Fatal("tab did not focus the log")
	}
	d.key("up") // (scrolling itself is the log pane's test)
	if d.m.win.StepList().Selected().ID != "sync-php" {
		t.Fatal("up in the log moved the step list")
	}
	d.key("tab", "up")
	if d.m.win.StepList().Selected().ID != "owner-verify" {
		t.Fatalf("up in the steps selected %s", d.m.win.StepList().Selected().ID)
	}
	if s := d.screen(); !strings.Contains(s, "Log · Wait for Amara Okafor to verify on mwdebug") {
		t.Fatalf("the log does not follow the selected step:\n%s", s)
	}
	// enter while a step runs says so and does nothing else.
	d.key("enter")
	if s := d.screen(); !strings.Contains(flat(s), "is running: wait for it (ctrl+c cancels it)") {
		t.Fatalf("enter while running:\n%s", s)
	}
	// d opens the fetched diff from anywhere in the window.
	d.key("d")
	d.until("the diff", func(m Model) bool { return m.screen == screenDiff && m.diff.Doc() != nil })
	d.key("esc")
	d.until("the window", func(m Model) bool { return m.screen == screenWindow })
	close(e.release)
}

// When the program ends with a step still running (SIGTERM, SIGINT from
// outside), Run's shutdown cancels the window and waits for its runner.
func TestShutdownStopsARunningWindow(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 100, 30)
	holdSync(t, d)
	if msg := d.m.shutdown(); msg != "" {
		t.Fatalf("shutdown said %q for a step that stopped when cancelled", msg)
	}
	e.mu.Lock()
	r := e.runners[len(e.runners)-1]
	e.mu.Unlock()
	if st := r.States()["sync-php"]; st != runbooks.Failed {
		t.Fatalf("the held sync is %v after shutdown, want failed (cancelled)", st)
	}
}
