package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"porthole/config"
	"porthole/gerrit"
	"porthole/runbooks"
	"porthole/runbooks/journal"
)

// journalSyncedWindow journals a finished backport window of 1000 and 1001
// under state, both synced.
func journalSyncedWindow(t *testing.T, state string) string {
	t.Helper()
	p := &runbooks.Plan{ID: "20260301-090000-backport", Kind: "backport", Title: "Backport 1000, 1001",
		Changes: []*gerrit.Change{
			{Number: 1000, Project: "mediawiki/core", Branch: "wmf/1.44.0-wmf.5", Subject: "ApiMain: Send X-Database-Lag only with maxlag errors"},
			{Number: 1001, Project: "mediawiki/extensions/Echo", Branch: "wmf/1.44.0-wmf.5", Subject: "Echo: use a real ellipsis"},
		},
		Steps: []*runbooks.Step{{ID: "sync", Title: "Sync", Role: config.RoleLocal,
			Do: func(ctx context.Context, sc *runbooks.StepContext) error {
				sc.Learn(func(f *runbooks.Facts) {
					for _, n := range []int{1000, 1001} {
						cf := f.Change(n)
						cf.Synced, cf.Commit, cf.Repo = true, "abc123", "/srv/mediawiki-staging/php-1.44.0-wmf.5"
					}
				})
				return nil
			}}}}
	j, err := runbooks.OpenJournal(state, p)
	if err != nil {
		t.Fatal(err)
	}
	r := runbooks.NewRunner(&runbooks.Env{User: "deployer", Now: time.Now}, p, j, runbooks.RunOptions{})
	r.Start(context.Background())
	for range r.Events() {
	}
	j.Close()
	return p.ID
}

// TestRevertFromAPastWindowOnHome: r on a past backport window asks which of
// its synced changes to revert, and the revert built covers only the one
// picked; esc reverts nothing.
func TestRevertFromAPastWindowOnHome(t *testing.T) {
	e := newTestEngine(t)
	e.state = t.TempDir()
	id := journalSyncedWindow(t, e.state)
	d := newDriver(t, testOptions(e), 100, 30)
	d.waitScreen("Past windows (1)")
	d.homeReady()
	d.key("tab", "tab") // past the runbooks
	if s := d.screen(); !strings.Contains(s, "r revert") {
		t.Fatalf("the past window's keys do not offer r:\n%s", s)
	}
	d.key("r")
	d.until("the choice", func(m Model) bool { return m.pastRevert != nil && m.pastRevert.Dialog().Armed() })
	s := d.screen()
	for _, want := range []string{"Revert which change of window " + id + "?", "[1] 1000: ApiMain", "[2] 1001: Echo", "[a] All 2 synced changes"} {
		if !strings.Contains(s, want) {
			t.Fatalf("the choice lacks %q:\n%s", want, s)
		}
	}
	d.key("esc")
	d.until("the choice closed", func(m Model) bool { return m.pastRevert == nil })
	if len(e.startedPlans()) != 0 {
		t.Fatal("esc started something")
	}

	d.key("r")
	d.until("the choice", func(m Model) bool { return m.pastRevert != nil && m.pastRevert.Dialog().Armed() })
	d.key("1")
	d.until("the revert window", func(m Model) bool { return m.win != nil && m.win.Plan().Kind == "revert" })
	ps := e.startedPlans()
	if len(ps) != 1 || len(ps[0].Changes) != 1 || ps[0].Changes[0].Number != 1000 {
		t.Fatalf("started %d plans; the revert covers %v, want only 1000", len(ps), ps[0].Changes)
	}
}

// TestRevertKeyOnAPastWindowWithoutAJournal says so and opens nothing.
func TestRevertKeyOnAPastWindowWithoutAJournal(t *testing.T) {
	e := newTestEngine(t)
	e.past = []journal.WindowSummary{{ID: "20260301-090000-backport", Kind: "backport", Title: "Backport 990", Status: journal.StatusFailed, Path: t.TempDir() + "/none.jsonl"}}
	d := newDriver(t, testOptions(e), 100, 30)
	d.waitScreen("Past windows (1)")
	d.homeReady()
	d.key("tab", "tab", "r")
	d.waitScreen("cannot revert: no journal at")
	if d.m.pastRevert != nil {
		t.Fatal("a choice opened for a window without a journal")
	}
}
