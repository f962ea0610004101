package gerrittest_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	gg "github.com/andygrunwald/go-gerrit"

	"porthole/gerrit/gerrittest"
)

// Contract tests: the JSON examples quoted in reference/gerrit.md (Gerrit's
// REST documentation) must decode identically, into go-gerrit's structs and
// as plain JSON, from the documented text and from the emulator answering the
// same request about the same data.
//
// The documented examples are trimmed, so the emulator's answer is first cut
// down to the documented keys (array elements are paired by username,
// change_id, message or value; a map keyed by a SHA-1 is paired with the
// emulator's only entry). Then values that belong to one instance are
// blanked in both: timestamps, account ids, message ids and SHA-1s. A
// documented string ending in "..." is a prefix.

// contract compares one documented example with the emulator's answer.
func contract(t *testing.T, doc, emu string, into any, blank ...string) {
	t.Helper()
	var d, e any
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("documented example does not parse: %v", err)
	}
	if err := json.Unmarshal([]byte(emu), &e); err != nil {
		t.Fatalf("emulator answer does not parse: %v\n%s", err, emu)
	}
	var missing []string
	p := project(d, e, "", &missing)
	for _, m := range missing {
		t.Errorf("the emulator's answer lacks %s", m)
	}
	keys := map[string]bool{"created": true, "updated": true, "_account_id": true, "date": true, "submitted": true}
	for _, k := range blank {
		keys[k] = true
	}
	d, p = normalize(d, keys, ""), normalize(p, keys, "")
	if !reflect.DeepEqual(d, p) {
		db, _ := json.MarshalIndent(d, "", "  ")
		pb, _ := json.MarshalIndent(p, "", "  ")
		t.Errorf("as JSON, documented:\n%s\nemulator:\n%s", db, pb)
	}
	// And through go-gerrit's structs.
	db, _ := json.Marshal(d)
	pb, _ := json.Marshal(p)
	dv := reflect.New(reflect.TypeOf(into)).Interface()
	pv := reflect.New(reflect.TypeOf(into)).Interface()
	if err := json.Unmarshal(db, dv); err != nil {
		t.Fatalf("documented example does not decode into %T: %v", into, err)
	}
	if err := json.Unmarshal(pb, pv); err != nil {
		t.Fatalf("emulator answer does not decode into %T: %v", into, err)
	}
	if !reflect.DeepEqual(dv, pv) {
		t.Errorf("decoded into %T differently:\ndocumented %+v\nemulator   %+v", into, dv, pv)
	}
}

var matchKeys = []string{"username", "change_id", "message", "name", "value"}

// project cuts emu down to the keys of doc.
func project(doc, emu any, path string, missing *[]string) any {
	switch d := doc.(type) {
	case map[string]any:
		e, ok := emu.(map[string]any)
		if !ok {
			*missing = append(*missing, fmt.Sprintf("%s (an object, got %T)", path, emu))
			return nil
		}
		out := map[string]any{}
		for k, dv := range d {
			ev, ok := e[k]
			if !ok && len(d) == 1 && len(e) == 1 && shaRe.MatchString(k) {
				for _, only := range e {
					ev, ok = only, true
				}
			}
			if !ok {
				*missing = append(*missing, path+"/"+k)
				continue
			}
			out[k] = project(dv, ev, path+"/"+k, missing)
		}
		return out
	case []any:
		e, ok := emu.([]any)
		if !ok {
			*missing = append(*missing, fmt.Sprintf("%s (an array, got %T)", path, emu))
			return nil
		}
		var out []any
		for i, dv := range d {
			dm, isObj := dv.(map[string]any)
			if !isObj {
				if i < len(e) {
					out = append(out, e[i])
				} else {
					*missing = append(*missing, fmt.Sprintf("%s[%d]", path, i))
				}
				continue
			}
			match := findMatch(dm, e)
			if match == nil {
				*missing = append(*missing, fmt.Sprintf("%s[%d] (no element with the same %v)", path, i, matchKeys))
				continue
			}
			out = append(out, project(dv, match, fmt.Sprintf("%s[%d]", path, i), missing))
		}
		return out
	case string:
		if es, ok := emu.(string); ok && strings.HasSuffix(d, "...") && strings.HasPrefix(es, strings.TrimSuffix(d, "...")) {
			return d
		}
	}
	return emu
}

func findMatch(d map[string]any, list []any) any {
	for _, k := range matchKeys {
		dv, ok := d[k]
		if !ok {
			continue
		}
		for _, e := range list {
			if em, ok := e.(map[string]any); ok && reflect.DeepEqual(em[k], dv) {
				return e
			}
		}
		return nil
	}
	if len(list) > 0 {
		return list[0]
	}
	return nil
}

var (
	shaRe = regexp.MustCompile(`^[0-9a-f]{40}$`)
	tsRe  = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9}$`)
)

// normalize blanks instance-specific values (and SHA-1s everywhere).
func normalize(v any, keys map[string]bool, key string) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, vv := range x {
			nk := k
			if shaRe.MatchString(k) {
				nk = strings.Repeat("0", 40)
			}
			out[nk] = normalize(vv, keys, k)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, vv := range x {
			out[i] = normalize(vv, keys, key)
		}
		return out
	}
	// Blanks keep their JSON type so go-gerrit still decodes them.
	if keys[key] {
		switch x := v.(type) {
		case float64:
			return float64(0)
		case string:
			if tsRe.MatchString(x) {
				return "2000-01-01 00:00:00.000000000"
			}
			return "<" + key + ">"
		}
	}
	if s, ok := v.(string); ok && shaRe.MatchString(s) {
		return strings.Repeat("0", 40)
	}
	return v
}

// lines makes content of n lines and exactly size bytes.
func lines(n, size int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString("x\n")
	}
	extra := size - b.Len()
	s := b.String()
	return strings.Repeat("y", extra) + s
}

// Get Change Detail (the Verified label and some reviewers trimmed in the
// docs; the docs' missing comma after "all" is restored).
const docChangeDetail = `{"id":"myProject~master~I8473b95934b5732ac55d26311a706c9c2bde9940","project":"myProject","branch":"master",
 "change_id":"I8473b95934b5732ac55d26311a706c9c2bde9940","subject":"Implementing Feature X","status":"NEW",
 "created":"2013-02-01 09:59:32.126000000","updated":"2013-02-21 11:16:36.775000000","mergeable":true,
 "insertions":126,"deletions":11,"_number":3965,
 "owner":{"_account_id":1000096,"name":"John Doe","email":"john.doe@example.com","username":"jdoe"},
 "labels":{"Code-Review":{"disliked":{"_account_id":1000096,"name":"John Doe","email":"john.doe@example.com","username":"jdoe"},
   "all":[{"value":-1,"_account_id":1000096,"name":"John Doe","email":"john.doe@example.com","username":"jdoe"},
          {"value":1,"_account_id":1000097,"name":"Jane Roe","email":"jane.roe@example.com","username":"jroe"}],
   "values":{"-2":"This shall not be merged","-1":"I would prefer this is not merged as is"," 0":"No score",
             "+1":"Looks good to me, but someone else must approve","+2":"Looks good to me, approved"}}},
 "permitted_labels":{"Code-Review":["-2","-1"," 0","+1","+2"]},
 "removable_reviewers":[{"_account_id":1000096,"name":"John Doe","email":"john.doe@example.com","username":"jdoe"}],
 "reviewers":{"REVIEWER":[{"_account_id":1000096,"name":"John Doe","email":"john.doe@example.com","username":"jdoe"}]},
 "messages":[{"id":"YH-egE","author":{"_account_id":1000096,"name":"John Doe","email":"john.doe@example.com","username":"jdoe"},
   "date":"2013-03-23 21:34:02.419000000","message":"Patch Set 1:\n\nThis is the first message.","_revision_number":1}]}`

func TestContractChangeDetail(t *testing.T) {
	s, err := gerrittest.New(gerrittest.Options{RepoDir: t.TempDir(), FirstChange: 3965})
	must(t, err)
	defer s.Close()
	// The documented permitted_labels (-2..+2) say John Doe may approve.
	s.AddUser(gerrittest.User{Username: "jdoe", Name: "John Doe", Email: "john.doe@example.com", HTTPPassword: "jdoe-pw", Groups: []string{gerrittest.ApproverGroup}})
	s.AddUser(gerrittest.User{Username: "jroe", Name: "Jane Roe", Email: "jane.roe@example.com"})
	must(t, s.CreateProject("myProject", map[string]map[string]string{"master": {"feature.txt": strings.Repeat("old\n", 11)}}))
	n, err := s.CreateChange(gerrittest.ChangeSpec{Project: "myProject", Branch: "master", Subject: "Implementing Feature X",
		ChangeID: "I8473b95934b5732ac55d26311a706c9c2bde9940", Owner: "jdoe", CI: gerrittest.CIManual,
		Files: map[string]string{"feature.txt": strings.Repeat("new\n", 126)}})
	must(t, err)
	must(t, s.Vote(n, "jdoe", "Code-Review", -1))
	must(t, s.Vote(n, "jroe", "Code-Review", 1))
	jsonBody(t, call(t, s, "POST", fmt.Sprintf("a/changes/%d/revisions/current/review", n), "jdoe", "", `{"message":"This is the first message."}`), new(any))
	r := call(t, s, "GET", "a/changes/myProject~master~I8473b95934b5732ac55d26311a706c9c2bde9940/detail", "jdoe", "", "")
	jsonBody(t, r, new(any))
	// "id" is blanked (message ids are per instance), so check it here.
	contract(t, stockDoc(t, docChangeDetail, "myProject~3965"), r.Body[5:], gg.ChangeInfo{}, "id")
	var got map[string]any
	jsonBody(t, r, &got)
	if got["id"] != "myProject~3965" {
		t.Errorf("id = %v, want myProject~3965", got["id"])
	}
}

// stockDoc repairs a documented ChangeInfo example that predates the
// ChangeInfo table it sits under (rest-api-changes.txt, "ChangeInfo"): "id"
// is "'<project>~<_number>'" and the old form moves to "triplet_id"; and
// "mergeable" is "Only set for open changes if
// change.mergeabilityComputationBehavior is
// API_REF_UPDATED_AND_CHANGE_REINDEX", which is not the default.
func stockDoc(t *testing.T, doc, id string) string {
	t.Helper()
	var m map[string]any
	must(t, json.Unmarshal([]byte(doc), &m))
	m["triplet_id"] = m["id"]
	m["id"] = id
	if _, ok := m["mergeable"]; !ok {
		t.Fatal("the documented example has no mergeable: the repair is stale")
	}
	delete(m, "mergeable")
	b, err := json.Marshal(m)
	must(t, err)
	return string(b)
}

// Query with revision info (fetch commands and files trimmed in the docs).
const docRevisionInfo = `{"id":"gerrit~master~I7ea46d2e2ee5c64c0d807677859cfb7d90b8966a","project":"gerrit","branch":"master",
 "change_id":"I7ea46d2e2ee5c64c0d807677859cfb7d90b8966a","subject":"Use an EventBus to manage star icons","status":"NEW",
 "created":"2012-04-25 00:52:25.580000000","updated":"2012-04-25 00:52:25.586000000","mergeable":true,
 "insertions":16,"deletions":7,"_number":97,"owner":{"name":"Shawn Pearce"},
 "current_revision":"184ebe53805e102605d11f6b143486d15c23a09c",
 "revisions":{"184ebe53805e102605d11f6b143486d15c23a09c":{"kind":"REWORK","_number":1,"ref":"refs/changes/97/97/1",
   "fetch":{"http":{"url":"http://myuser@127.0.0.1:8080/gerrit","ref":"refs/changes/97/97/1",
     "commands":{"Checkout":"git fetch http://myuser@127.0.0.1:8080/gerrit refs/changes/97/97/1 \u0026\u0026 git checkout FETCH_HEAD"}}},
   "commit":{"parents":[{"commit":"1eee2c9d8f352483781e772f35dc586a69ff5646","subject":"Migrate contributor agreements to All-Projects."}],
     "author":{"name":"Shawn O. Pearce","email":"sop@google.com","date":"2012-04-24 18:08:08.000000000","tz":-420},
     "committer":{"name":"Shawn O. Pearce","email":"sop@google.com","date":"2012-04-24 18:08:08.000000000","tz":-420},
     "subject":"Use an EventBus to manage star icons","message":"Use an EventBus to manage star icons\n\nImage widgets that need to ..."},
   "files":{"gerrit-gwtui/src/main/java/com/google/gerrit/client/changes/StarredChanges.java":
     {"status":"A","lines_inserted":204,"size_delta":8345,"size":8345}}}}}`

func TestContractRevisionInfo(t *testing.T) {
	s, err := gerrittest.New(gerrittest.Options{RepoDir: t.TempDir(), FirstChange: 97})
	must(t, err)
	defer s.Close()
	s.AddUser(gerrittest.User{Username: "spearce", Name: "Shawn Pearce", Email: "sop@google.com"})
	must(t, s.CreateProject("gerrit", map[string]map[string]string{"master": {"README": "gerrit\n"}}))
	_, err = s.PushDirect("gerrit", "master", "Migrate contributor agreements to All-Projects.", map[string]string{"x": "1\n"})
	must(t, err)
	// The change arrives as Gerrit sees it: a git push to refs/for/master,
	// authored in -0700 (tz -420).
	wt := filepath.Join(t.TempDir(), "wt")
	gitOut(t, filepath.Dir(wt), "clone", "--quiet", s.RepoPath("gerrit"), wt)
	path := "gerrit-gwtui/src/main/java/com/google/gerrit/client/changes/StarredChanges.java"
	must(t, os.MkdirAll(filepath.Join(wt, filepath.Dir(path)), 0o755))
	must(t, os.WriteFile(filepath.Join(wt, path), []byte(lines(204, 8345)), 0o644))
	gitOut(t, wt, "add", ".")
	cmd := gitCmd(wt, "-c", "user.name=Shawn O. Pearce", "-c", "user.email=sop@google.com", "commit", "--quiet",
		"--date=1335290888 -0700", "-m", "Use an EventBus to manage star icons\n\nImage widgets that need to know whether a change is starred\nlisten on the bus.\n\nChange-Id: I7ea46d2e2ee5c64c0d807677859cfb7d90b8966a")
	cmd.Env = append(cmd.Env, "GIT_COMMITTER_DATE=1335290888 -0700")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("commit: %v %s", err, out)
	}
	gitOut(t, wt, "push", "--quiet", "origin", "HEAD:refs/for/master")
	r := call(t, s, "GET", "changes/?q=97&o=CURRENT_REVISION&o=CURRENT_COMMIT&o=CURRENT_FILES&o=DOWNLOAD_COMMANDS&o=DETAILED_ACCOUNTS", "", "", "")
	var list []json.RawMessage
	jsonBody(t, r, &list)
	if len(list) != 1 {
		t.Fatalf("query 97 = %d changes", len(list))
	}
	// Documented exceptions: the docs' insertions/deletions (16/7) do not
	// match their own trimmed file list (204 lines added); the fetch URL
	// names the docs' server (and their logged-in "myuser"), so it is
	// replaced by this server's in the commands.
	var m map[string]any
	must(t, json.Unmarshal(list[0], &m))
	delete(m, "insertions")
	delete(m, "deletions")
	var d map[string]any
	must(t, json.Unmarshal([]byte(strings.ReplaceAll(stockDoc(t, docRevisionInfo, "gerrit~97"), "http://myuser@127.0.0.1:8080/gerrit", s.URL()+"gerrit")), &d))
	delete(d, "insertions")
	delete(d, "deletions")
	db, _ := json.Marshal(d)
	mb, _ := json.Marshal(m)
	contract(t, string(db), string(mb), struct {
		gg.ChangeInfo
	}{})
	// And the documented command works against the emulator.
	for _, rv := range m["revisions"].(map[string]any) {
		cmd := rv.(map[string]any)["fetch"].(map[string]any)["http"].(map[string]any)["commands"].(map[string]any)["Checkout"].(string)
		f := strings.Fields(strings.Split(cmd, " && ")[0])
		gitOut(t, wt, f[1:]...)
		if got := gitOut(t, wt, "rev-parse", "FETCH_HEAD"); got != s.Change(97).Revision {
			t.Errorf("%s fetched %s", cmd, got)
		}
	}
}

// Label summary with LABELS (from the submitted_together example).
const docLabels = `{"labels":{"Code-Review":{"approved":{"_account_id":1000000},
  "all":[{"value":2,"date":"2015-05-20 19:25:21.592000000","_account_id":1000000}],
  "values":{"-2":"This shall not be merged"," 0":"No score","+2":"Looks good to me, approved"},"default_value":0}}}`

func TestContractLabels(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	n := newChange(t, s, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	must(t, s.Vote(n, "deployer", "Code-Review", 2))
	r := call(t, s, "GET", fmt.Sprintf("changes/%d?o=LABELS&o=DETAILED_LABELS", n), "", "", "")
	jsonBody(t, r, new(any))
	contract(t, docLabels, r.Body[5:], gg.ChangeInfo{})
	if strings.Contains(r.Body, `"username"`) {
		t.Error("accounts carry more than _account_id without DETAILED_ACCOUNTS")
	}
}

func TestContractReviewAndMergeable(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	n := newChange(t, s, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	r := call(t, s, "POST", fmt.Sprintf("a/changes/mediawiki%%2Fcore~%d/revisions/current/review", n), "deployer", "", `{"message": "Backport for train", "labels": {"Code-Review": 2}}`)
	jsonBody(t, r, new(any))
	contract(t, `{"labels": {"Code-Review": 2}}`, r.Body[5:], gg.ReviewResult{})
	r = call(t, s, "GET", fmt.Sprintf("changes/%d/revisions/current/mergeable", n), "", "", "")
	jsonBody(t, r, new(any))
	contract(t, `{"submit_type":"MERGE_IF_NECESSARY","strategy":"recursive","mergeable":true}`, r.Body[5:], gg.MergeableInfo{})
}

const docRelated = `{"changes":[{"project":"gerrit","change_id":"Ic62ae3103fca2214904dbf2faf4c861b5f0ae9b5",
 "commit":{"commit":"78847477532e386f5a2185a4e8c90b2509e354e3","parents":[{"commit":"bb499510bbcdbc9164d96b0dbabb4aa45f59a87e"}],
  "author":{"name":"David Ostrovsky","email":"david@ostrovsky.org","date":"2014-07-12 15:04:24.000000000","tz":120},"subject":"Remove Solr"},
 "_change_number":58478,"_revision_number":2,"_current_revision_number":2,"status":"NEW"}]}`

func TestContractRelated(t *testing.T) {
	s, err := gerrittest.New(gerrittest.Options{RepoDir: t.TempDir(), FirstChange: 58478})
	must(t, err)
	defer s.Close()
	s.AddUser(gerrittest.User{Username: "david", Name: "David Ostrovsky", Email: "david@ostrovsky.org"})
	must(t, s.CreateProject("gerrit", map[string]map[string]string{"master": {"solr.txt": "solr\n"}}))
	wt := filepath.Join(t.TempDir(), "wt")
	gitOut(t, filepath.Dir(wt), "clone", "--quiet", s.RepoPath("gerrit"), wt)
	commit := func(args ...string) {
		c := gitCmd(wt, append([]string{"-c", "user.name=David Ostrovsky", "-c", "user.email=david@ostrovsky.org", "commit", "--quiet", "--date=1405177464 +0200"}, args...)...)
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("commit: %v %s", err, out)
		}
	}
	gitOut(t, wt, "rm", "--quiet", "solr.txt")
	commit("-m", "Remove Solr\n\nChange-Id: Ic62ae3103fca2214904dbf2faf4c861b5f0ae9b5")
	gitOut(t, wt, "push", "--quiet", "origin", "HEAD:refs/for/master")
	must(t, os.WriteFile(filepath.Join(wt, "NOTES"), []byte("solr is gone\n"), 0o644))
	gitOut(t, wt, "add", "NOTES")
	commit("--amend", "--no-edit")
	gitOut(t, wt, "push", "--quiet", "origin", "HEAD:refs/for/master")
	must(t, os.WriteFile(filepath.Join(wt, "lucene.txt"), []byte("lucene\n"), 0o644))
	gitOut(t, wt, "add", "lucene.txt")
	commit("-m", "Use Lucene\n\nChange-Id: I0000000000000000000000000000000000000001")
	gitOut(t, wt, "push", "--quiet", "origin", "HEAD:refs/for/master")
	r := call(t, s, "GET", "changes/58478/revisions/current/related", "", "", "")
	jsonBody(t, r, new(any))
	contract(t, docRelated, r.Body[5:], gg.RelatedChangesInfo{})
	if !strings.Contains(r.Body, `"_change_number": 58479`) {
		t.Errorf("the descendant is not listed:\n%s", r.Body)
	}
}
