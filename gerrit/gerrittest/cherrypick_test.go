package gerrittest_test

import (
	"fmt"
	"strings"
	"testing"

	"porthole/gerrit/gerrittest"
)

// TestCherryPick: a master change picked to the wmf branch keeps its
// Change-Id and author, lands on the branch tip with the same edit, and
// carries cherry_pick_of_*; a conflicting pick is Gerrit's 409.
func TestCherryPick(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	_, err := s.PushDirect("mediawiki/core", branch, "Branch-only edit", map[string]string{"README.md": "MediaWiki (wmf)\n"})
	must(t, err)
	n := newChange(t, s, gerrittest.ChangeSpec{Branch: "master", CI: gerrittest.CIManual})
	r := call(t, s, "POST", fmt.Sprintf("a/changes/%d/revisions/current/cherrypick", n), "deployer", "", `{"destination":"`+branch+`"}`)
	var ci map[string]any
	jsonBody(t, r, &ci)
	num := ci["_number"].(interface{ String() string }).String()
	var pick gerrittest.ChangeState
	fmt.Sscan(num, &pick.Number)
	pick = s.Change(pick.Number)
	orig := s.Change(n)
	if pick.Branch != branch || pick.ChangeID != orig.ChangeID || fmt.Sprint(ci["cherry_pick_of_change"]) != fmt.Sprint(n) || fmt.Sprint(ci["cherry_pick_of_patch_set"]) != "1" {
		t.Fatalf("cherry-pick = %+v / %v", pick, ci)
	}
	var commit map[string]any
	jsonBody(t, call(t, s, "GET", fmt.Sprintf("changes/%d/revisions/current/commit", pick.Number), "", "", ""), &commit)
	if commit["author"].(map[string]any)["name"] != "Jane Doe" || commit["parents"].([]any)[0].(map[string]any)["subject"] != "Branch-only edit" {
		t.Errorf("picked commit = %v", commit)
	}
	var files map[string]any
	jsonBody(t, call(t, s, "GET", fmt.Sprintf("changes/%d/revisions/current/files", pick.Number), "", "", ""), &files)
	if _, ok := files["includes/Foo.php"]; !ok || len(files) != 2 {
		t.Errorf("picked files = %v", files)
	}
	if msgs := orig.Messages; !strings.Contains(msgs[len(msgs)-1], "cherry picked to branch "+branch+" as commit "+pick.Revision) {
		t.Errorf("source's last message = %q", msgs[len(msgs)-1])
	}

	m := newChange(t, s, gerrittest.ChangeSpec{Branch: "master", CI: gerrittest.CIManual, Subject: "Touch README", Files: map[string]string{"README.md": "MediaWiki (master)\n"}})
	r = call(t, s, "POST", fmt.Sprintf("a/changes/%d/revisions/current/cherrypick", m), "deployer", "", `{"destination":"`+branch+`"}`)
	if r.Status != 409 || r.Body != "Cherry pick failed: merge conflict\n" {
		t.Errorf("conflicting cherry-pick = %d %q", r.Status, r.Body)
	}
}
