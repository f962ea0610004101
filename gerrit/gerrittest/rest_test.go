package gerrittest_test

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"porthole/gerrit/gerrittest"
)

func TestErrorAnswers(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	n := newChange(t, s, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	cid := s.Change(n).ChangeID
	s.AddUser(gerrittest.User{Username: "other"})
	newChange(t, s, gerrittest.ChangeSpec{Branch: "master", ChangeID: cid, CI: gerrittest.CIManual}) // a cherry-pick
	rev := s.Change(n).Revision
	tests := []struct {
		name, method, path, user, pass, body string
		status                               int
		text                                 string
	}{
		{"missing change", "GET", "changes/99999", "", "", "", 404, "Not found: 99999\n"},
		{"missing change, project form", "GET", "a/changes/mediawiki%2Fcore~99999/detail", "deployer", "", "", 404, "Not found: mediawiki/core~99999\n"},
		{"wrong project", "GET", fmt.Sprintf("changes/operations%%2Fmediawiki-config~%d", n), "", "", "", 404, fmt.Sprintf("Not found: operations/mediawiki-config~%d\n", n)},
		{"bare Change-Id on two branches", "GET", "changes/" + cid, "", "", "", 404, "Multiple changes found for " + cid + "\n"},
		{"missing revision", "GET", fmt.Sprintf("changes/%d/revisions/deadbeef/commit", n), "", "", "", 404, "Not found: deadbeef\n"},
		{"patch set that does not exist", "GET", fmt.Sprintf("changes/%d/revisions/7/commit", n), "", "", "", 404, "Not found: 7\n"},
		{"bad password", "GET", "a/accounts/self", "deployer", "nope", "", 401, "Unauthorized\n"},
		{"no credentials on /a/", "GET", "a/changes/?q=status:open", "", "", "", 401, "Unauthorized\n"},
		{"account without HTTP password", "GET", "a/accounts/self", "other", "x", "", 401, "Unauthorized\n"},
		{"anonymous write", "POST", fmt.Sprintf("changes/%d/revisions/current/review", n), "", "", `{"labels":{"Code-Review":2}}`, 403, "Authentication required\n"},
		{"anonymous self", "GET", "accounts/self", "", "", "", 403, "Authentication required\n"},
		{"submit blocked", "POST", fmt.Sprintf("a/changes/%d/submit", n), "deployer", "", "", 409,
			fmt.Sprintf("Change %d is not ready: submit requirements 'Code-Review', 'Verified' are unsatisfied.\n", n)},
		{"owner's +2", "POST", fmt.Sprintf("a/changes/%d/revisions/current/review", n), "jdoe", "jdoe-pw", `{"labels":{"Code-Review":2}}`, 403, "Applying label \"Code-Review\": 2 is restricted\n"},
		{"restricted label", "POST", fmt.Sprintf("a/changes/%d/revisions/current/review", n), "deployer", "", `{"labels":{"Verified":2}}`, 403, "Applying label \"Verified\": 2 is restricted\n"},
		{"bad JSON", "POST", fmt.Sprintf("a/changes/%d/revisions/current/review", n), "deployer", "", `{"labels":`, 400, "Invalid JSON in request: unexpected end of JSON input\n"},
		{"ready and wip", "POST", fmt.Sprintf("a/changes/%d/revisions/current/review", n), "deployer", "", `{"ready":true,"work_in_progress":true}`, 400, "work_in_progress and ready are mutually exclusive\n"},
		{"revert of an open change", "POST", fmt.Sprintf("a/changes/%d/revert", n), "deployer", "", "", 409, "change is new\n"},
		{"submit of an old revision", "POST", fmt.Sprintf("a/changes/%d/revisions/%s/submit", n, rev[:8]), "deployer", "", "", 409, ""},
		{"unknown option", "GET", fmt.Sprintf("changes/%d?o=BOGUS", n), "", "", "", 400, "\"BOGUS\" is not a valid value for \"-o\"\n"},
		{"unknown query operator", "GET", "changes/?q=frob:x", "", "", "", 400, "Unsupported operator frob:x\n"},
		{"wrong method", "DELETE", fmt.Sprintf("a/changes/%d/detail", n), "deployer", "", "", 405, "Method Not Allowed\n"},
		{"outside the base path", "GET", "../changes/1", "", "", "", 404, "Not Found\n"},
		{"unknown endpoint", "GET", fmt.Sprintf("changes/%d/frobnicate", n), "", "", "", 404, "Not Found\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "submit of an old revision" {
				must(t, s.NewPatchSet(n, map[string]string{"x": "y\n"}))
				tt.text = fmt.Sprintf("revision %s is not current revision\n", rev)
			}
			r := call(t, s, tt.method, tt.path, tt.user, tt.pass, tt.body)
			if r.Status != tt.status || r.Body != tt.text {
				t.Errorf("%s %s = %d %q, want %d %q", tt.method, tt.path, r.Status, r.Body, tt.status, tt.text)
			}
			if ct := r.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			if tt.status == 401 && r.Header.Get("WWW-Authenticate") != `Basic realm="Gerrit Code Review"` {
				t.Errorf("WWW-Authenticate = %q", r.Header.Get("WWW-Authenticate"))
			}
		})
	}
}

func TestRoutingAndIdentifiers(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	n := newChange(t, s, gerrittest.ChangeSpec{})
	st := s.Change(n)
	ids := []string{
		fmt.Sprint(n),
		"mediawiki%2Fcore~" + fmt.Sprint(n),
		"mediawiki%2Fcore~wmf%2F1.44.0-wmf.5~" + st.ChangeID,
		"mediawiki%2Fcore~refs%2Fheads%2Fwmf%2F1.44.0-wmf.5~" + st.ChangeID,
		st.ChangeID,
	}
	for _, id := range ids {
		for _, prefix := range []string{"", "a/"} {
			var ci map[string]any
			jsonBody(t, call(t, s, "GET", prefix+"changes/"+id, map[string]string{"": "", "a/": "deployer"}[prefix], "", ""), &ci)
			if ci["_number"].(interface{ String() string }).String() != fmt.Sprint(n) {
				t.Errorf("%s%s gave %v", prefix, id, ci["_number"])
			}
			wantID, wantTriplet := "mediawiki%2Fcore~"+fmt.Sprint(n), "mediawiki%2Fcore~wmf%2F1.44.0-wmf.5~"+st.ChangeID
			if ci["id"] != wantID || ci["triplet_id"] != wantTriplet {
				t.Errorf("id, triplet_id = %v, %v; want %s, %s", ci["id"], ci["triplet_id"], wantID, wantTriplet)
			}
		}
	}
	for _, rev := range []string{"current", "1", st.Revision, st.Revision[:4], st.Revision[:12]} {
		var c map[string]any
		jsonBody(t, call(t, s, "GET", fmt.Sprintf("changes/%d/revisions/%s/commit", n, rev), "", "", ""), &c)
		if c["commit"] != st.Revision || c["subject"] != "Fix the frobnicator" {
			t.Errorf("revision %s: commit %v subject %v", rev, c["commit"], c["subject"])
		}
	}
	for _, p := range []string{"files", "files/"} {
		var f map[string]map[string]any
		jsonBody(t, call(t, s, "GET", fmt.Sprintf("changes/%d/revisions/current/%s", n, p), "", "", ""), &f)
		if _, ok := f["/COMMIT_MSG"]; !ok || f["includes/Foo.php"]["lines_inserted"] == nil {
			t.Errorf("%s: %v", p, f)
		}
		if _, ok := f["includes/Foo.php"]["status"]; ok {
			t.Errorf("a modified file has a status: %v", f["includes/Foo.php"])
		}
	}
	// Pretty by default, compact with pp=0 or Accept: application/json.
	pretty := call(t, s, "GET", fmt.Sprintf("changes/%d", n), "", "", "")
	compact := call(t, s, "GET", fmt.Sprintf("changes/%d?pp=0", n), "", "", "")
	accept := call(t, s, "GET", fmt.Sprintf("changes/%d", n), "", "", "", "Accept", "application/json")
	if !strings.Contains(pretty.Body, "\n  \"project\": \"mediawiki/core\"") || strings.Count(compact.Body, "\n") != 2 || accept.Body != compact.Body {
		t.Errorf("pretty/compact:\n%s\n%s\n%s", pretty.Body, compact.Body, accept.Body)
	}
	var self map[string]any
	jsonBody(t, call(t, s, "GET", "a/accounts/self", "deployer", "", ""), &self)
	if self["username"] != "deployer" || self["name"] != "Dee Ployer" || self["email"] != "deployer@example.org" {
		t.Errorf("self = %v", self)
	}
	var ver string
	jsonBody(t, call(t, s, "GET", "config/server/version", "", "", ""), &ver)
	if ver == "" {
		t.Error("no version")
	}
}

func TestOptionsControlFields(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	n := newChange(t, s, gerrittest.ChangeSpec{Body: "Bug: T1"})
	must(t, s.Vote(n, "deployer", "Code-Review", 1))
	get := func(query string) map[string]any {
		var ci map[string]any
		jsonBody(t, call(t, s, "GET", fmt.Sprintf("changes/%d%s", n, query), "", "", ""), &ci)
		return ci
	}
	plain := get("")
	for _, k := range []string{"labels", "revisions", "current_revision", "messages", "submittable", "reviewers"} {
		if _, ok := plain[k]; ok {
			t.Errorf("%s present without its option", k)
		}
	}
	if m, ok := plain["mergeable"]; ok {
		t.Errorf("mergeable = %v, want it left out as stock Gerrit does", m)
	}
	if owner := plain["owner"].(map[string]any); len(owner) != 1 || owner["_account_id"] == nil {
		t.Errorf("owner without DETAILED_ACCOUNTS = %v", owner)
	}
	if _, ok := get("?o=SKIP_MERGEABLE")["mergeable"]; ok {
		t.Error("mergeable with SKIP_MERGEABLE")
	}
	labels := get("?o=LABELS")["labels"].(map[string]any)
	cr := labels["Code-Review"].(map[string]any)
	if cr["recommended"] == nil || cr["all"] != nil || cr["values"] != nil {
		t.Errorf("LABELS only: %v", cr)
	}
	cr = get("?o=DETAILED_LABELS&o=DETAILED_ACCOUNTS")["labels"].(map[string]any)["Code-Review"].(map[string]any)
	all := cr["all"].([]any)
	found := false
	for _, a := range all {
		a := a.(map[string]any)
		if a["username"] == "deployer" && fmt.Sprint(a["value"]) == "1" && a["date"] != nil {
			found = true
		}
	}
	if !found || cr["values"].(map[string]any)["+2"] != "Looks good to me, approved" {
		t.Errorf("DETAILED_LABELS: %v", cr)
	}
	r := get("?o=CURRENT_REVISION")
	revs := r["revisions"].(map[string]any)
	cur := revs[r["current_revision"].(string)].(map[string]any)
	if cur["commit"] != nil || cur["files"] != nil || cur["ref"] != fmt.Sprintf("refs/changes/%02d/%d/1", n%100, n) {
		t.Errorf("CURRENT_REVISION alone: %v", cur)
	}
	r = get("?o=CURRENT_REVISION&o=CURRENT_COMMIT&o=CURRENT_FILES&o=SUBMITTABLE&o=MESSAGES")
	cur = r["revisions"].(map[string]any)[r["current_revision"].(string)].(map[string]any)
	commit := cur["commit"].(map[string]any)
	if _, has := commit["commit"]; has || !strings.Contains(commit["message"].(string), "Bug: T1\nChange-Id: ") || cur["files"] == nil {
		t.Errorf("CURRENT_COMMIT/FILES: %v", cur)
	}
	if r["submittable"] != false || len(r["messages"].([]any)) < 2 {
		t.Errorf("SUBMITTABLE/MESSAGES: %v %v", r["submittable"], r["messages"])
	}
	must(t, s.NewPatchSet(n, map[string]string{"b": "c\n"}))
	r = get("?o=ALL_REVISIONS")
	if len(r["revisions"].(map[string]any)) != 2 {
		t.Errorf("ALL_REVISIONS: %v", r["revisions"])
	}
	// detail implies labels, accounts and messages.
	d := get("/detail")
	if d["labels"] == nil || d["messages"] == nil || d["owner"].(map[string]any)["username"] != "jdoe" {
		t.Errorf("detail: %v", d)
	}
}

func TestQuery(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	a := newChange(t, s, gerrittest.ChangeSpec{Subject: "First", Topic: "t1"})
	b := newChange(t, s, gerrittest.ChangeSpec{Subject: "Second", Branch: "master", CI: gerrittest.CIManual})
	c := newChange(t, s, gerrittest.ChangeSpec{Subject: "Third", Owner: "deployer", CI: gerrittest.CIManual})
	must(t, s.Submit(a))
	must(t, s.Abandon(b))
	numbers := func(q string) string {
		var list []map[string]any
		jsonBody(t, call(t, s, "GET", "changes/?"+q, "deployer", "", ""), &list)
		var out []string
		for _, ci := range list {
			n := fmt.Sprint(ci["_number"])
			if ci["_more_changes"] == true {
				n += "+"
			}
			out = append(out, n)
		}
		return strings.Join(out, ",")
	}
	esc := url.QueryEscape
	tests := []struct{ q, want string }{
		{"q=status:open", fmt.Sprint(c)},
		{"q=status:merged", fmt.Sprint(a)},
		{"q=is:closed", fmt.Sprintf("%d,%d", b, a)},
		// Newest updated first: b was abandoned last, a submitted before.
		{"q=" + esc("project:mediawiki/core branch:"+branch), fmt.Sprintf("%d,%d", a, c)},
		{"q=" + esc("branch:^wmf/1\\.44.*"), fmt.Sprintf("%d,%d", a, c)},
		{"q=" + esc("-is:open"), fmt.Sprintf("%d,%d", b, a)},
		{"q=" + esc("(status:merged OR status:abandoned) -topic:t1"), fmt.Sprint(b)},
		{"q=owner:deployer", fmt.Sprint(c)},
		{"q=topic:t1", fmt.Sprint(a)},
		{"q=" + esc("message:second"), fmt.Sprint(b)},
		{"q=change:" + s.Change(a).ChangeID, fmt.Sprint(a)},
		{"q=" + fmt.Sprint(b), fmt.Sprint(b)},
		{"q=project:mediawiki/core&n=2", fmt.Sprintf("%d,%d+", b, a)},
		{"q=project:mediawiki/core&n=2&S=2", fmt.Sprint(c)},
		{"q=project:nowhere", ""},
	}
	for _, tt := range tests {
		if got := numbers(tt.q); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.q, got, tt.want)
		}
	}
	var pages [][]map[string]any
	jsonBody(t, call(t, s, "GET", "changes/?q=status:open&q=status:merged", "", "", ""), &pages)
	if len(pages) != 2 || len(pages[0]) != 1 || len(pages[1]) != 1 {
		t.Errorf("two q = %v", pages)
	}
}

func TestPatchEndpoint(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	n := newChange(t, s, gerrittest.ChangeSpec{Subject: "Add x", Body: "Why.\n\nBug: T7"})
	r := call(t, s, "GET", fmt.Sprintf("changes/%d/revisions/current/patch", n), "", "", "")
	if r.Status != 200 || r.Header.Get("Content-Type") != "text/plain; charset=ISO-8859-1" ||
		r.Header.Get("X-FYI-Content-Encoding") != "base64" || r.Header.Get("X-FYI-Content-Type") != "application/mbox" {
		t.Fatalf("patch answer: %d %v", r.Status, r.Header)
	}
	if strings.HasPrefix(r.Body, ")]}'") {
		t.Fatal("patch has the XSSI prefix")
	}
	raw, err := base64.StdEncoding.DecodeString(r.Body)
	must(t, err)
	p := string(raw)
	st := s.Change(n)
	want := fmt.Sprintf("From %s Mon Sep 17 00:00:00 2001\nFrom: Jane Doe <jane@example.org>\nDate: ", st.Revision)
	if !strings.HasPrefix(p, want) || !strings.Contains(p, "\nSubject: [PATCH] Add x\n\nWhy.\n\nBug: T7\nChange-Id: "+st.ChangeID+"\n---\n\ndiff --git a/includes/Foo.php b/includes/Foo.php\n") {
		t.Errorf("patch:\n%s", p)
	}
}

func TestReviewSubmitRevertAbandonSideEffects(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	n := newChange(t, s, gerrittest.ChangeSpec{CI: gerrittest.CIManual, Subject: "Make it so"})
	var rr map[string]any
	jsonBody(t, call(t, s, "POST", fmt.Sprintf("a/changes/%d/revisions/current/review", n), "deployer", "", `{"message":"Backport","labels":{"Code-Review":2}}`), &rr)
	if fmt.Sprint(rr["labels"]) != "map[Code-Review:2]" {
		t.Errorf("review result = %v", rr)
	}
	must(t, s.Vote(n, gerrittest.JenkinsBot, "Verified", 2))
	var ci map[string]any
	jsonBody(t, call(t, s, "POST", fmt.Sprintf("a/changes/%d/submit", n), "deployer", "", ""), &ci)
	st := s.Change(n)
	if ci["status"] != "MERGED" || ci["submitted"] == nil || st.Status != "MERGED" || st.Submitter != "deployer" || st.MergedAs != st.Revision {
		t.Fatalf("after submit: %v / %+v", ci, st)
	}
	if last := st.Messages[len(st.Messages)-1]; last != "Change has been successfully merged by Dee Ployer" {
		t.Errorf("last message = %q", last)
	}
	var rv map[string]any
	jsonBody(t, call(t, s, "POST", fmt.Sprintf("a/changes/%d/revert", n), "deployer", "", `{"message":"Broke the site"}`), &rv)
	rn := int(mustInt(t, rv["_number"]))
	rs := s.Change(rn)
	if rv["subject"] != `Revert "Make it so"` || fmt.Sprint(rv["revert_of"]) != fmt.Sprint(n) || rs.RevertOf != n || rs.Status != "NEW" || rs.Owner != "deployer" {
		t.Errorf("revert = %v / %+v", rv, rs)
	}
	core := s.RepoPath("mediawiki/core")
	if msg := gitOut(t, core, "log", "-1", "--format=%B", rs.Revision); !strings.Contains(msg, "This reverts commit "+st.Revision+".\n\nReason for revert: Broke the site\n\nChange-Id: "+rs.ChangeID) {
		t.Errorf("revert message:\n%s", msg)
	}
	if gitOut(t, core, "rev-parse", rs.Revision+"^{tree}") != gitOut(t, core, "rev-parse", st.Revision+"^^{tree}") || gitOut(t, core, "rev-parse", rs.Revision+"^") != st.Revision {
		t.Error("the revert commit does not undo the change on top of it")
	}
	orig := s.Change(n).Messages
	if !strings.HasPrefix(orig[len(orig)-1], "Created a revert of this change as "+rs.ChangeID) {
		t.Errorf("original's last message = %q", orig[len(orig)-1])
	}
	var ab map[string]any
	jsonBody(t, call(t, s, "POST", fmt.Sprintf("a/changes/%d/abandon", rn), "deployer", "", `{"message":"not needed"}`), &ab)
	if ab["status"] != "ABANDONED" || s.Change(rn).Status != "ABANDONED" {
		t.Errorf("abandon = %v", ab)
	}
	var ws []string
	for _, w := range s.Writes() {
		ws = append(ws, fmt.Sprintf("%s %s %s %d", w.Method, w.Path, w.User, w.Status))
	}
	want := []string{
		fmt.Sprintf("POST changes/%d/revisions/current/review deployer 200", n),
		fmt.Sprintf("POST changes/%d/submit deployer 200", n),
		fmt.Sprintf("POST changes/%d/revert deployer 200", n),
		fmt.Sprintf("POST changes/%d/abandon deployer 200", rn),
	}
	if strings.Join(ws, "\n") != strings.Join(want, "\n") {
		t.Errorf("writes:\n%s\nwant\n%s", strings.Join(ws, "\n"), strings.Join(want, "\n"))
	}
}

func TestRelated(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	a := newChange(t, s, gerrittest.ChangeSpec{Subject: "Base", CI: gerrittest.CIManual})
	b := newChange(t, s, gerrittest.ChangeSpec{Subject: "On top", Parent: a, Files: map[string]string{"y": "1\n"}, CI: gerrittest.CIManual})
	alone := newChange(t, s, gerrittest.ChangeSpec{Subject: "Alone", Files: map[string]string{"z": "1\n"}})
	var rel struct {
		Changes []struct {
			ChangeNumber int `json:"_change_number"`
			Commit       struct {
				Commit  string
				Subject string
			}
		}
	}
	jsonBody(t, call(t, s, "GET", fmt.Sprintf("changes/%d/revisions/current/related", a), "", "", ""), &rel)
	if len(rel.Changes) != 2 || rel.Changes[0].ChangeNumber != b || rel.Changes[1].ChangeNumber != a || rel.Changes[1].Commit.Subject != "Base" {
		t.Errorf("related of the base = %+v", rel)
	}
	jsonBody(t, call(t, s, "GET", fmt.Sprintf("changes/%d/revisions/current/related", alone), "", "", ""), &rel)
	if len(rel.Changes) != 0 {
		t.Errorf("related of a lone change = %+v", rel)
	}
}

func mustInt(t *testing.T, v any) int64 {
	t.Helper()
	n, ok := v.(interface{ Int64() (int64, error) })
	if !ok {
		t.Fatalf("not a number: %v", v)
	}
	i, err := n.Int64()
	must(t, err)
	return i
}
