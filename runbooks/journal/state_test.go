package journal

import (
	"fmt"
	"testing"
	"time"
)

// A backport window left mid-way for a revert (the TUI's r: the revert is
// "from" it) is labelled reverted and is not unfinished; Deployed forgets
// the changes a revert took back, and keeps the others.
func TestRevertedWindowsAndDeployedChanges(t *testing.T) {
	state := t.TempDir()
	t0 := time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC)
	write := func(id, kind string, at time.Time, params map[string]string, facts *Facts, status string) {
		t.Helper()
		j, err := Open(state, Header{ID: id, Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		j.Append(Record{Type: RecWindowStart, At: at, Kind: kind, Title: id, Params: params, Steps: []StepSummary{{ID: "sync-1"}}}, true)
		j.Append(Record{Type: RecStepStart, At: at, Step: "sync-1", Attempt: 1}, true)
		j.Append(Record{Type: RecStepEnd, At: at.Add(time.Minute), Step: "sync-1", State: Done.String(), DurationMS: 60000}, true)
		j.Append(Record{Type: RecFacts, At: at.Add(time.Minute), Facts: facts}, true)
		if status != "" {
			j.Append(Record{Type: RecWindowEnd, At: at.Add(2 * time.Minute), Status: status}, true)
		}
	}
	synced := func(ns ...int) *Facts {
		f := &Facts{Synced: map[string]bool{"sync-1": true}}
		for _, n := range ns {
			f.Change(n).Synced = true
		}
		return f
	}
	write("20261207-140000-backport-1000", "backport", t0, map[string]string{"changes": "1000"}, synced(1000), StatusCancelled)
	write("20261207-141000-backport-1001", "backport", t0.Add(10*time.Minute), map[string]string{"changes": "1001"}, synced(1001), StatusOK)
	rf := &Facts{Synced: map[string]bool{"revert-sync-1": true}}
	rf.Change(1000).Reverted = "abc1234"
	write("20261207-142000-revert-1000", "revert", t0.Add(20*time.Minute), map[string]string{"changes": "1000", "from": "20261207-140000-backport-1000"}, rf, StatusOK)

	ws, err := ListWindows(state)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		switch w.ID {
		case "20261207-140000-backport-1000":
			if w.RevertedBy != "20261207-142000-revert-1000" || w.Resumable {
				t.Errorf("the reverted window: %+v", w)
			}
		case "20261207-141000-backport-1001":
			if w.RevertedBy != "" {
				t.Errorf("1001 was not reverted: %+v", w)
			}
		}
	}
	if un, _ := Unfinished(state); len(un) != 0 {
		t.Errorf("unfinished: %+v", un)
	}
	d := Deployed(state)
	if _, ok := d[1000]; ok || len(d) != 1 || d[1001].Window != "20261207-141000-backport-1001" || !d[1001].At.Equal(t0.Add(11*time.Minute)) {
		t.Errorf("deployed: %+v", d)
	}
}

// One rule for what a revert took back, per change: a revert that reached
// production takes the change back (Deployed forgets it); a revert stopped
// before its sync has reverted it on the deployment host only (RevertsSince
// says so; Deployed keeps it); a window is labelled reverted only when every
// change it synced was taken back, whichever revert windows did it.
func TestRevertsPerChange(t *testing.T) {
	state := t.TempDir()
	t0 := time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC)
	write := func(id, kind string, at time.Time, facts *Facts, syncDone bool) {
		t.Helper()
		j, err := Open(state, Header{ID: id, Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		j.Append(Record{Type: RecWindowStart, At: at, Kind: kind, Title: id, Steps: []StepSummary{{ID: "sync-1"}}}, true)
		if syncDone {
			j.Append(Record{Type: RecStepStart, At: at, Step: "sync-1", Attempt: 1}, true)
			j.Append(Record{Type: RecStepEnd, At: at.Add(time.Minute), Step: "sync-1", State: Done.String(), DurationMS: 60000}, true)
		}
		j.Append(Record{Type: RecFacts, At: at.Add(time.Minute), Facts: facts}, true)
		j.Append(Record{Type: RecWindowEnd, At: at.Add(2 * time.Minute), Status: StatusOK}, true)
	}
	revert := func(synced bool, ns ...int) *Facts {
		f := &Facts{}
		if synced {
			f.MarkSynced("sync-1")
		}
		for _, n := range ns {
			f.Change(n).Reverted = "abc1234"
			f.Change(n).Synced = synced
		}
		return f
	}
	const w = "20261207-140000-backport-1000"
	bf := &Facts{}
	bf.MarkSynced("sync-1")
	for _, n := range []int{1000, 1001, 1002} {
		bf.Change(n).Synced = true
	}
	write(w, "backport", t0, bf, true)
	write("20261207-141000-revert-1001", "revert", t0.Add(10*time.Minute), revert(true, 1001), true)
	write("20261207-142000-revert-1002", "revert", t0.Add(20*time.Minute), revert(false, 1002), false)

	check := func(wantLabel string, wantDeployed []int, wantReverts map[int]Revert) {
		t.Helper()
		ws, _ := ListWindows(state)
		for _, s := range ws {
			if s.ID == w && s.RevertedBy != wantLabel {
				t.Errorf("window %s labelled reverted by %q, want %q", w, s.RevertedBy, wantLabel)
			}
		}
		d := Deployed(state)
		var got []int
		for _, n := range []int{1000, 1001, 1002} {
			if _, ok := d[n]; ok {
				got = append(got, n)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(wantDeployed) {
			t.Errorf("deployed %v, want %v", got, wantDeployed)
		}
		if r := RevertsSince(w, ws); fmt.Sprint(r) != fmt.Sprint(wantReverts) {
			t.Errorf("reverts since %s: %v, want %v", w, r, wantReverts)
		}
	}
	check("", []int{1000, 1002}, map[int]Revert{
		1001: {"20261207-141000-revert-1001", true}, 1002: {"20261207-142000-revert-1002", false}})

	write("20261207-143000-revert-1000", "revert", t0.Add(30*time.Minute), revert(true, 1000, 1002), true)
	check("20261207-143000-revert-1000", nil, map[int]Revert{1000: {"20261207-143000-revert-1000", true},
		1001: {"20261207-141000-revert-1001", true}, 1002: {"20261207-143000-revert-1000", true}})
}
