package journal

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// newJournal opens a journal for h in a temp state dir.
func newJournal(t *testing.T, h Header) *Journal {
	t.Helper()
	j, err := Open(filepath.Join(t.TempDir(), "state"), h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// countRecords reads a journal's lines strictly (each one JSON record, seq
// counting from 1) and returns how many there are.
func countRecords(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("journal line %q is not JSON: %v", sc.Text(), err)
		}
		n++
		if r.Seq != int64(n) {
			t.Fatalf("record %d has seq %d", n, r.Seq)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOpenRejectsPathlikeIDs(t *testing.T) {
	for _, id := range []string{"../x", "a/b", ".hidden", ".."} {
		if _, err := Open(t.TempDir(), Header{ID: id}); err == nil {
			t.Errorf("window id %q accepted", id)
		}
	}
	j, err := Open(t.TempDir(), Header{Kind: "backport"})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if !strings.HasSuffix(j.ID(), "-backport") || filepath.Base(j.Path()) != j.ID()+".jsonl" {
		t.Fatalf("generated id %q, path %s", j.ID(), j.Path())
	}
}

func TestJournalAppendIsSafeConcurrently(t *testing.T) {
	j := newJournal(t, Header{ID: "conc", Kind: "test"})
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func(g int) {
			for i := 0; i < 200; i++ {
				j.Append(Record{Type: RecOutput, Text: strings.Repeat("x", g*10+i%7)}, i%50 == 0)
			}
			done <- struct{}{}
		}(g)
	}
	for g := 0; g < 4; g++ {
		<-done
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if n := countRecords(t, j.Path()); n != 800 {
		t.Fatalf("%d records, want 800", n)
	}
	if err := j.Append(Record{Type: RecNote}, true); err == nil {
		t.Fatal("append after close succeeded")
	}
}

func TestGeneratedWindowIDsDoNotCollide(t *testing.T) {
	dir := t.TempDir()
	var ids []string
	for i := 0; i < 3; i++ {
		j, err := Open(dir, Header{Kind: "revert"})
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		ids = append(ids, j.ID())
	}
	if ids[0] == ids[1] || ids[1] == ids[2] || ids[0] == ids[2] {
		t.Fatalf("ids %v collide", ids)
	}
}

func TestDurableRecordsAreSyncedBeforeAppendReturns(t *testing.T) {
	j := newJournal(t, Header{ID: "sync", Kind: "test"})
	for i := 0; i < 5; i++ {
		if err := j.Append(Record{Type: RecOutput, Text: "line"}, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Append(Record{Type: RecStepEnd, Step: "a", State: "done"}, true); err != nil {
		t.Fatal(err)
	}
	j.mu.Lock()
	written, synced := j.written, j.synced
	j.mu.Unlock()
	if written != 6 || synced != 6 {
		t.Fatalf("after a durable append: written %d, synced %d (the output before it must be synced too)", written, synced)
	}
}

// TestWindowOpen: a window is open while a journal holds it, not once it is
// closed; a window with no journal here is not open here (and no lock file
// is made for it).
func TestWindowOpen(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	j, err := Open(state, Header{ID: "20260102-030405-backport-1", Kind: "backport"})
	if err != nil {
		t.Fatal(err)
	}
	if !WindowOpen(state, j.ID()) {
		t.Error("an open window is not open")
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if WindowOpen(state, j.ID()) {
		t.Error("a closed window is open")
	}
	if WindowOpen(state, "20260102-030405-backport-2") {
		t.Error("a window without a journal is open")
	}
	if _, err := os.Stat(filepath.Join(WindowsDir(state), ".20260102-030405-backport-2.lock")); err == nil {
		t.Error("a lock file was made for a window without a journal")
	}
}
