package maint

import (
	"regexp"
	"strings"
	"testing"

	"porthole/remote"
)

func exit(code int) remote.Result { return remote.Result{ExitCode: code} }

func TestInterpreters(t *testing.T) {
	cases := []struct {
		name    string
		in      Interpreter
		res     remote.Result
		out     string
		ok      bool
		nothing bool
		summary string
	}{
		{"nd good", interpretNamespaceDupes, exit(0),
			"id=1 ns=0 dbk=Portal:X -> Portal:X (no conflict) DRY RUN ONLY\n1 pages to fix, 1 were resolvable.\n\n1 links to fix, 1 were resolvable, 0 were deleted.\n\nLooks good!\n",
			true, false, "1 pages to fix, 1 were resolvable; 1 links to fix, 1 were resolvable, 0 were deleted — Looks good!"},
		{"nd nothing", interpretNamespaceDupes, exit(0),
			"0 pages to fix, 0 were resolvable.\n\n0 links to fix, 0 were resolvable, 0 were deleted.\n\nLooks good!\n", true, true, ""},
		{"nd oh noeees exit 0", interpretNamespaceDupes, exit(0),
			"id=1 ns=0 dbk=Portal:X *** dest title exists and --add-prefix not specified\n1 pages to fix, 0 were resolvable.\n\n0 links to fix, 0 were resolvable, 0 were deleted.\n\nOh noeees\n",
			false, false, "Oh noeees — 1 page(s) cannot be fixed automatically"},
		{"nd crash", interpretNamespaceDupes, exit(255), "PHP Fatal error:  Uncaught Exception: boom\n", false, false, "exit 255: PHP Fatal error:  Uncaught Exception: boom"},
		{"nd silent", interpretNamespaceDupes, exit(0), "something else\n", false, false, "neither Looks good! nor Oh noeees"},
		{"uc dry non-zero", interpretUpdateCollationDry, exit(1),
			"250 rows would be updated.\nSelecting next 100 rows... processing...100 rows would be updated so far.\n", true, false,
			"250 rows would be updated (dry run exited 1, as update scripts' dry runs may)"},
		{"uc dry up to date", interpretUpdateCollationDry, exit(0), "Collations up-to-date.\n", true, true, "Collations up-to-date."},
		{"uc dry fatal", interpretUpdateCollationDry, exit(1), "Wikimedia\\Rdbms\\DBQueryError: Error 1146: Table 'x' doesn't exist\n", false, false, "exit 1: Wikimedia"},
		{"uc run", interpretUpdateCollation, exit(0), "Fixing collation for 3 rows.\nSelecting next 100 rows... processing...3 done.\n3 rows processed\n", true, false,
			"Fixing collation for 3 rows. 3 rows processed"},
		{"uc run cut", interpretUpdateCollation, exit(0), "Fixing collation for 3 rows.\n", false, false, "did not finish"},
		{"uc mesh", interpretUpdateCollation, exit(42), "", false, false, "MESH_CHECK_SKIP=1"},
		{"purge", interpretPurgeList(2), exit(0), "Purging 2 urls\nDone!\n", true, false, "Purging 2 urls — Done!"},
		{"purge short", interpretPurgeList(2), exit(0), "(Invalid title 'x')\nPurging 1 urls\nDone!\n", false, false, "it purged 1 URLs, not the 2 given"},
		{"create ok", interpretCreateExtensionTables, exit(0), "Creating babel tables...done!\n", true, false, "Creating babel tables...done!"},
		{"create unknown exit 0", interpretCreateExtensionTables, exit(0), "This script is not configured to create tables for foo\n", false, false,
			"exit 0: This script is not configured to create tables for foo"},
		{"create unknown exit 1", interpretCreateExtensionTables, exit(1), "x\nThis script is not configured to create tables for foo\n", false, false,
			"exit 1: This script is not configured to create tables for foo"},
		{"pattern ok", patternInterpreter([]int{0, 1}, regexp.MustCompile(`would update \d+`), nil), exit(1), "would update 3 pages\n", true, false, "would update 3"},
		{"pattern missing", patternInterpreter([]int{0}, regexp.MustCompile(`Done`), nil), exit(0), "nothing\n", false, false, "success pattern Done not found"},
		{"pattern failure wins", patternInterpreter([]int{0}, regexp.MustCompile(`Done`), regexp.MustCompile(`(?i)error`)), exit(0), "Error: x\nDone\n", false, false, "matched failure pattern: Error"},
		{"pattern bad code", patternInterpreter([]int{0}, nil, nil), exit(2), "out\n", false, false, "exit 2: out"},
		{"killed", patternInterpreter([]int{0}, nil, nil), exit(137), "", false, false, "exit 137: killed by signal 9"},
		{"did not finish", patternInterpreter([]int{0}, nil, nil), exit(-1), "", false, false, "did not finish"},
	}
	for _, c := range cases {
		oc := c.in(c.res, c.out)
		if oc.OK != c.ok || oc.NothingToDo != c.nothing || !strings.Contains(oc.Summary, c.summary) {
			t.Errorf("%s: got %+v; want ok=%v nothing=%v summary containing %q", c.name, oc, c.ok, c.nothing, c.summary)
		}
	}
}

func TestOutputKeeperKeepsHeadAndTail(t *testing.T) {
	k := &outputKeeper{}
	k.add("Fixing collation for 9999999 rows.")
	for i := 0; i < 20000; i++ {
		k.add("Selecting next 100 rows... processing...100 done.")
	}
	k.add("9999999 rows processed")
	s := k.String()
	if !strings.HasPrefix(s, "Fixing collation") || !strings.HasSuffix(s, "9999999 rows processed\n") || !strings.Contains(s, "lines …]") {
		t.Fatalf("kept %d bytes: %.80q … %q", len(s), s, s[len(s)-40:])
	}
	if len(s) > keepHead+keepTail+200 {
		t.Fatalf("kept %d bytes", len(s))
	}
	if oc := interpretUpdateCollation(exit(0), s); !oc.OK || oc.Summary != "Fixing collation for 9999999 rows. 9999999 rows processed" {
		t.Fatalf("%+v", oc)
	}
}

func TestTally(t *testing.T) {
	got := tally(3, nil, []string{"cywiki"}, []string{"frwiki (exit 1)", "2 not run"})
	if got != "3 ok, 1 skipped (cywiki), 1 failed: frwiki (exit 1), 2 not run" {
		t.Fatalf("%q", got)
	}
}
