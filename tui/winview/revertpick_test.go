package winview

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"porthole/gerrit"
	"porthole/runbooks"
	"porthole/tui/common"
	"porthole/tui/components/confirm"
	"porthole/tui/internal/testkit"
)

// pickRun is a finished run whose facts say which changes were synced.
type pickRun struct{ f *runbooks.Facts }

func (r pickRun) Events() <-chan runbooks.Event {
	ch := make(chan runbooks.Event)
	close(ch)
	return ch
}
func (r pickRun) Cancel()                {}
func (r pickRun) Facts() *runbooks.Facts { return r.f }
func (r pickRun) Close() error           { return nil }

// threeSynced is a backport window of 101, 102, 103 where 101 and 103
// reached production and 102 did not.
func threeSynced(t *testing.T) *Model {
	t.Helper()
	plan := &runbooks.Plan{ID: "20261207-200000-backport", Kind: "backport", Title: "Backport 101, 102, 103"}
	f := &runbooks.Facts{}
	for _, n := range []int{101, 102, 103} {
		plan.Changes = append(plan.Changes, &gerrit.Change{Number: n, Subject: "fix " + string(rune('a'+n-101)), Project: "mediawiki/core"})
		f.Change(n).Synced = n != 102
	}
	deps := Deps{Hosts: func(string) string { return "deploy1002" }, User: func() string { return "alice" },
		SAL: func(*runbooks.Plan) string { return "" }, Now: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	m, _ := New(common.New(), deps, 1, plan, pickRun{f: f}, nil)
	m.SetSize(100, 30)
	return m
}

func pressR(t *testing.T, m *Model) {
	t.Helper()
	cmd, reqs := m.Update(testkit.Key("r"))
	if len(reqs) != 0 || cmd == nil || !m.Picking() || !m.DialogShown() {
		t.Fatalf("r with two synced changes: requests %v, picking %v", reqs, m.Picking())
	}
	view := m.DialogView(100, 30)
	for _, want := range []string{"Revert which change of window 20261207-200000-backport?", "[1] 101: fix a", "[2] 103: fix c", "[a] All 2 synced changes (default)"} {
		if !strings.Contains(view, want) {
			t.Errorf("the choice lacks %q:\n%s", want, view)
		}
	}
	if strings.Contains(view, "102:") {
		t.Errorf("the unsynced change 102 is offered:\n%s", view)
	}
	d := m.pick.Dialog()
	m.Update(confirm.ArmMsg{ID: d.ID})
}

func revertOf(t *testing.T, reqs []tea.Msg) []int {
	t.Helper()
	if len(reqs) != 1 {
		t.Fatalf("requests %v", reqs)
	}
	r, ok := reqs[0].(RevertMsg)
	if !ok {
		t.Fatalf("not a revert request: %#v", reqs[0])
	}
	var nums []int
	for _, ch := range r.Plan.Changes {
		nums = append(nums, ch.Number)
	}
	if r.Plan.ID != "20261207-200000-backport" || r.Facts == nil || !r.Facts.Change(103).Synced {
		t.Errorf("the revert request lost the window: %s %+v", r.Plan.ID, r.Facts)
	}
	return nums
}

func TestRevertKeyPicksOneChange(t *testing.T) {
	m := threeSynced(t)
	pressR(t, m)
	_, reqs := m.Update(testkit.Key("2"))
	if got := revertOf(t, reqs); len(got) != 1 || got[0] != 103 {
		t.Fatalf("picked 2, reverting %v, want [103]", got)
	}
	if m.Picking() || len(m.plan.Changes) != 3 {
		t.Fatalf("after the answer: picking %v, window changes %d", m.Picking(), len(m.plan.Changes))
	}
}

func TestRevertKeyAllIsTheDefault(t *testing.T) {
	m := threeSynced(t)
	pressR(t, m)
	_, reqs := m.Update(testkit.Key("enter"))
	if got := revertOf(t, reqs); len(got) != 2 || got[0] != 101 || got[1] != 103 {
		t.Fatalf("enter reverts %v, want [101 103]", got)
	}
}

func TestRevertKeyEscRevertsNothing(t *testing.T) {
	m := threeSynced(t)
	pressR(t, m)
	_, reqs := m.Update(testkit.Key("esc"))
	if len(reqs) != 1 || m.Picking() {
		t.Fatalf("esc: %v, picking %v", reqs, m.Picking())
	}
	if st, ok := reqs[0].(StatusMsg); !ok || !strings.Contains(st.Text, "nothing was reverted") {
		t.Fatalf("esc says %#v", reqs[0])
	}
}

func TestRevertKeyOneSyncedChangeAsksNoChoice(t *testing.T) {
	m := threeSynced(t)
	m.facts.f.Change(101).Synced = false
	_, reqs := m.Update(testkit.Key("r"))
	if got := revertOf(t, reqs); len(got) != 3 || m.Picking() {
		// BuildRevertFrom keeps only the synced 103 of the whole window
		t.Fatalf("one synced change: %v, picking %v", got, m.Picking())
	}
}
