package sandbox

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestReopenKeepsTheJournals: a sandbox started in a directory that holds
// one keeps its state/ (the journals, so its windows can be resumed) and
// builds the rest anew; a directory with other things in it is refused.
func TestReopenKeepsTheJournals(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sb")
	sb, err := Start(context.Background(), Options{Dir: dir, AppServers: 1})
	if err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(sb.Config.StateDir, "windows", "20260303-140000-backport-1000.jsonl")
	if err := os.MkdirAll(filepath.Dir(journal), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(journal, []byte(`{"seq":1,"type":"window-start"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(sb.HostDir(MaintHost), "left-over")
	if err := os.WriteFile(stale, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	if !Reopens(dir) || CheckDir(dir) != nil {
		t.Fatalf("a closed sandbox's directory: Reopens %v, CheckDir %v", Reopens(dir), CheckDir(dir))
	}
	sb, err = Start(context.Background(), Options{Dir: dir, AppServers: 1})
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	defer sb.Close()
	if _, err := os.Stat(journal); err != nil {
		t.Errorf("the journal did not survive the reopening: %v", err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the previous hosts' files were kept: %v", err)
	}
	cl := newClients(t, sb)
	if out := cl.ok(t, MaintHost, "hostname"); out != MaintHost+"\n" {
		t.Errorf("the reopened sandbox's host answers %q", out)
	}

	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "notes.txt"), nil, 0o644)
	if Reopens(other) || CheckDir(other) == nil {
		t.Error("a directory with other files in it would be reused (and cleared)")
	}
}
