package journal

import (
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
