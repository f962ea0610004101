package sandbox

import (
	"context"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReopenKeepsTheWorld: a sandbox started in a directory that holds one
// comes back as it was left: Gerrit's changes (a merged one stays merged,
// numbers and Change-Ids unchanged), the hosts' files (the staging
// checkout's fetched commits, files on the app servers), the journals.
// Gerrit's old port is taken meanwhile, so it comes back on another one and
// the checkouts' origins follow it (a fetch over SSH works).
func TestReopenKeepsTheWorld(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sb")
	sb, err := Start(context.Background(), Options{Dir: dir, AppServers: 1})
	if err != nil {
		t.Fatal(err)
	}
	n := sb.Changes["core"]
	if err := sb.Gerrit.Vote(n, sb.User, "Code-Review", 2); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the core change to merge", func() bool { return sb.Gerrit.Change(n).Status == "MERGED" })
	php := q(repoOf(sb, ProjectCore))
	cl := newClients(t, sb)
	fetched := cl.ok(t, DeployHost, "cd "+php+" && git fetch -q && git rev-parse @{u}")
	journal := filepath.Join(sb.Config.StateDir, "windows", "20260303-140000-backport-1000.jsonl")
	must(t, os.MkdirAll(filepath.Dir(journal), 0o755))
	must(t, os.WriteFile(journal, []byte(`{"seq":1,"type":"window-start"}`+"\n"), 0o644))
	synced := filepath.Join(sb.AppServerDir("mw1001"), "synced-before")
	must(t, os.WriteFile(synced, []byte("x"), 0o644))
	changeID, oldURL := sb.Gerrit.Change(n).ChangeID, sb.Gerrit.URL()
	must(t, sb.Close())

	u, _ := url.Parse(oldURL)
	squat, err := net.Listen("tcp", u.Host) // Gerrit's old port, taken meanwhile
	if err != nil {
		t.Fatalf("take Gerrit's old port %s: %v", u.Host, err)
	}
	defer squat.Close()
	if !Reopens(dir) || !KeepsWorld(dir) || CheckDir(dir) != nil {
		t.Fatalf("a closed sandbox's directory: Reopens %v, KeepsWorld %v, CheckDir %v", Reopens(dir), KeepsWorld(dir), CheckDir(dir))
	}
	sb, err = Start(context.Background(), Options{Dir: dir, AppServers: 1})
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	defer sb.Close()
	if st := sb.Gerrit.Change(n); st.Status != "MERGED" || st.ChangeID != changeID || sb.Changes["core"] != n {
		t.Errorf("change %d after reopening: %s %s (core is %d)", n, st.Status, st.ChangeID, sb.Changes["core"])
	}
	if st := sb.Gerrit.Change(sb.Changes["extension"]); st.Status != "NEW" {
		t.Errorf("the extension change after reopening: %s", st.Status)
	}
	for _, p := range []string{journal, synced} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("not kept: %v", err)
		}
	}
	if sb.Gerrit.URL() == oldURL {
		t.Fatalf("Gerrit came back on its old port %s although it was taken", oldURL)
	}
	cl = newClients(t, sb)
	if got := cl.ok(t, DeployHost, "cd "+php+" && git rev-parse @{u} && git fetch -q && git remote get-url origin"); !strings.HasPrefix(got, fetched) || !strings.Contains(got, sb.Gerrit.URL()) {
		t.Errorf("the staging checkout after reopening: %q (before: %q; Gerrit now at %s)", got, fetched, sb.Gerrit.URL())
	}
	if out := cl.ok(t, MaintHost, "hostname"); out != MaintHost+"\n" {
		t.Errorf("the reopened sandbox's host answers %q", out)
	}
}

// TestReopenPartialKeepsTheJournals: a sandbox directory without its whole
// world (killed while starting, or made by an older porthole) keeps its
// journals and builds the rest anew; a directory with other things in it
// is refused.
func TestReopenPartialKeepsTheJournals(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sb")
	sb, err := Start(context.Background(), Options{Dir: dir, AppServers: 1})
	if err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(sb.Config.StateDir, "windows", "20260303-140000-backport-1000.jsonl")
	must(t, os.MkdirAll(filepath.Dir(journal), 0o755))
	must(t, os.WriteFile(journal, []byte(`{"seq":1,"type":"window-start"}`+"\n"), 0o644))
	stale := filepath.Join(sb.HostDir(MaintHost), "left-over")
	must(t, os.WriteFile(stale, nil, 0o644))
	must(t, sb.Close())
	must(t, os.Remove(keptPath(dir)))
	if !Reopens(dir) || KeepsWorld(dir) {
		t.Fatalf("a partial sandbox's directory: Reopens %v, KeepsWorld %v", Reopens(dir), KeepsWorld(dir))
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

	other := t.TempDir()
	must(t, os.WriteFile(filepath.Join(other, "notes.txt"), nil, 0o644))
	if Reopens(other) || CheckDir(other) == nil {
		t.Error("a directory with other files in it would be reused (and cleared)")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
