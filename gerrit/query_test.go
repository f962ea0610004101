package gerrit_test

import (
	"testing"

	"porthole/gerrit/gerrittest"
)

// TestQueryListsWhatIsWaiting: Query runs the configured search (Home's
// "waiting for a window") against the emulator: open changes only, sorted.
func TestQueryListsWhatIsWaiting(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	a := e.change(t, gerrittest.ChangeSpec{Subject: "First"})
	b := e.change(t, gerrittest.ChangeSpec{Subject: "Second"})
	gone := e.change(t, gerrittest.ChangeSpec{Subject: "Abandoned"})
	must(t, e.srv.Abandon(gone))
	chs, err := e.c.Query(ctx, "status:open")
	if err != nil {
		t.Fatal(err)
	}
	if len(chs) != 2 || chs[0].Number != a || chs[1].Number != b || chs[0].Subject != "First" || chs[0].Project != "mediawiki/core" {
		t.Fatalf("Query(status:open) = %+v", chs)
	}
	if _, err := e.c.Query(ctx, "status:open ("); err == nil {
		t.Fatal("a bad query gave no error")
	}
}
