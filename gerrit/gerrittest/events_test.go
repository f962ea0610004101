package gerrittest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"porthole/gerrit"
	"porthole/gerrit/gerrittest"
)

// TestEventStreamShapes reads the raw stream: change-merged in the object
// shapes a 3.x server sends, the others in the string shapes.
func TestEventStreamShapes(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rc, err := s.OpenStream(ctx)
	must(t, err)
	defer rc.Close()
	n := newChange(t, s, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	must(t, s.Vote(n, "deployer", "Code-Review", 2))
	must(t, s.Submit(n))
	st := s.Change(n)

	sc := bufio.NewScanner(rc)
	sc.Buffer(nil, 1<<20)
	var types []string
	raw := map[string]map[string]any{}
	for len(types) < 4 && sc.Scan() {
		var m map[string]any
		must(t, json.Unmarshal(sc.Bytes(), &m))
		typ := m["type"].(string)
		types = append(types, typ)
		raw[typ] = m
		ev, err := gerrit.ParseStreamEvent(sc.Bytes())
		must(t, err)
		if typ != "ref-updated" && (ev.Number != n || ev.ChangeID != st.ChangeID || ev.Project != "mediawiki/core" || ev.Branch != branch) {
			t.Errorf("%s decoded as %+v", typ, ev)
		}
		if typ == "change-merged" && ev.NewRev != st.MergedAs {
			t.Errorf("change-merged newRev = %s, want %s", ev.NewRev, st.MergedAs)
		}
		if typ == "ref-updated" && (ev.Project != "mediawiki/core" || ev.Branch != branch || ev.NewRev != st.MergedAs) {
			t.Errorf("ref-updated decoded as %+v", ev)
		}
	}
	if strings.Join(types, ",") != "patchset-created,comment-added,change-merged,ref-updated" {
		t.Fatalf("events = %v", types)
	}
	if raw["patchset-created"]["project"] != "mediawiki/core" || fmt.Sprint(raw["patchset-created"]["changeKey"]) != "map[id:"+st.ChangeID+"]" {
		t.Errorf("patchset-created shapes: %v %v", raw["patchset-created"]["project"], raw["patchset-created"]["changeKey"])
	}
	cm := raw["change-merged"]
	if cm["project"] != "mediawiki/core" || fmt.Sprint(cm["changeKey"]) != "map[id:"+st.ChangeID+"]" {
		t.Errorf("change-merged shapes: %v %v", cm["project"], cm["changeKey"])
	}
	ca := raw["comment-added"]
	apps := ca["approvals"].([]any)
	a := apps[0].(map[string]any)
	if a["type"] != "Code-Review" || a["value"] != "2" || a["oldValue"] != "0" || ca["comment"] != "Patch Set 1: Code-Review+2" {
		t.Errorf("comment-added = %v", ca)
	}
	ch := cm["change"].(map[string]any)
	if ch["url"] != s.WebURL("mediawiki/core", n) || ch["status"] != "MERGED" || !strings.Contains(ch["commitMessage"].(string), "Change-Id: "+st.ChangeID) {
		t.Errorf("change attribute = %v", ch)
	}
}

func TestEventsSourceAndClose(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	done := make(chan struct{})
	evs, err := s.Events().Subscribe(done)
	must(t, err)
	n := newChange(t, s, gerrittest.ChangeSpec{})
	ev := <-evs
	if ev.Type != "patchset-created" || ev.Number != n || ev.PatchSet != 1 {
		t.Errorf("first event = %+v", ev)
	}
	ev = <-evs // CI's Verified +1
	if ev.Type != "comment-added" {
		t.Errorf("second event = %+v", ev)
	}
	close(done)
	for range evs { // closes after done
	}
	s.Close()
	if _, err := s.Events().Subscribe(make(chan struct{})); err == nil {
		t.Error("Subscribe on a closed server succeeded")
	}
}

// TestCIDelay: with a delay, the +2 is answered at once and Zuul votes and
// submits later; the merge is observed through the event stream.
func TestCIDelay(t *testing.T) {
	s := newServer(t, gerrittest.Options{CIDelay: 20 * time.Millisecond})
	n := newChange(t, s, gerrittest.ChangeSpec{})
	done := make(chan struct{})
	defer close(done)
	evs, err := s.Events().Subscribe(done)
	must(t, err)
	must(t, s.Vote(n, "deployer", "Code-Review", 2))
	if st := s.Change(n); st.Status != "NEW" {
		t.Fatalf("merged before the CI delay: %+v", st)
	}
	deadline := time.After(30 * time.Second)
	for {
		select {
		case ev := <-evs:
			if ev.Type != "change-merged" {
				continue
			}
			st := s.Change(n)
			if st.Status != "MERGED" || st.Votes["Verified"][gerrittest.JenkinsBot] != 2 || st.Submitter != gerrittest.JenkinsBot {
				t.Errorf("after the gate: %+v", st)
			}
			return
		case <-deadline:
			t.Fatal("the gate never merged the change")
		}
	}
}

// TestCIGateStaleApproval: a new patch set before the gate reports means
// the gate does nothing for the old one.
func TestCIGateStaleApproval(t *testing.T) {
	s := newServer(t, gerrittest.Options{CIDelay: time.Hour})
	n := newChange(t, s, gerrittest.ChangeSpec{})
	must(t, s.Vote(n, "deployer", "Code-Review", 2))
	must(t, s.NewPatchSet(n, map[string]string{"a": "b\n"}))
	st := s.Change(n)
	if st.Status != "NEW" || st.PatchSet != 2 || st.Votes["Code-Review"]["deployer"] != 0 || st.Votes["Verified"][gerrittest.JenkinsBot] != 1 {
		t.Errorf("after a new patch set: %+v", st)
	}
}

func TestCIMergeFailure(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	n := newChange(t, s, gerrittest.ChangeSpec{})
	s.SetMergeable(n, false)
	must(t, s.Vote(n, "deployer", "Code-Review", 2))
	st := s.Change(n)
	if st.Status != "NEW" || st.Votes["Verified"][gerrittest.JenkinsBot] != -1 || !strings.HasPrefix(st.Messages[len(st.Messages)-1], "Patch Set 1: Verified-1\n\nMerge Failed.") {
		t.Errorf("Zuul on a change that cannot merge: %+v", st)
	}
}

func TestTestAPIErrors(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	n := newChange(t, s, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	for name, err := range map[string]error{
		"unknown project": func() error {
			_, err := s.CreateChange(gerrittest.ChangeSpec{Project: "nope", Branch: "master", Subject: "x", Owner: "jdoe"})
			return err
		}(),
		"unknown branch": func() error {
			_, err := s.CreateChange(gerrittest.ChangeSpec{Project: "mediawiki/core", Branch: "nope", Subject: "x", Owner: "jdoe"})
			return err
		}(),
		"unknown owner": func() error {
			_, err := s.CreateChange(gerrittest.ChangeSpec{Project: "mediawiki/core", Branch: branch, Subject: "x", Owner: "nobody"})
			return err
		}(),
		"empty subject": func() error {
			_, err := s.CreateChange(gerrittest.ChangeSpec{Project: "mediawiki/core", Branch: branch, Owner: "jdoe"})
			return err
		}(),
		"bad Change-Id": func() error {
			_, err := s.CreateChange(gerrittest.ChangeSpec{Project: "mediawiki/core", Branch: branch, Subject: "x", Owner: "jdoe", ChangeID: "Ixyz"})
			return err
		}(),
		"bad path": func() error {
			_, err := s.CreateChange(gerrittest.ChangeSpec{Project: "mediawiki/core", Branch: branch, Subject: "x", Owner: "jdoe", Files: map[string]string{"../etc/passwd": "x"}})
			return err
		}(),
		"bad project name":  s.CreateProject("../evil", nil),
		"unknown change":    s.Vote(99999, "jdoe", "Code-Review", 1),
		"unknown voter":     s.Vote(n, "nobody", "Code-Review", 1),
		"bad label":         s.Vote(n, "jdoe", "Nope", 1),
		"bad vote":          s.Vote(n, "jdoe", "Code-Review", 5),
		"push to no branch": func() error { _, err := s.PushDirect("mediawiki/core", "nope", "x", nil); return err }(),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error spans lines: %q", name, err)
		}
	}
	must(t, s.Abandon(n))
	if err := s.Abandon(n); err == nil {
		t.Error("abandoning twice succeeded")
	}
	if err := s.NewPatchSet(n, nil); err == nil || !strings.Contains(err.Error(), "abandoned") {
		t.Errorf("new patch set on an abandoned change = %v", err)
	}
	if err := s.Submit(n); err == nil {
		t.Error("submitting an abandoned change succeeded")
	}
	if st := s.Change(424242); st.Number != 0 {
		t.Errorf("Change(missing) = %+v", st)
	}
}

func TestReproducibleCommits(t *testing.T) {
	shas := func() (string, string) {
		s := newServer(t, gerrittest.Options{})
		n := newChange(t, s, gerrittest.ChangeSpec{Subject: "Same", Body: "Bug: T1"})
		st := s.Change(n)
		return st.ChangeID, st.Revision
	}
	c1, r1 := shas()
	c2, r2 := shas()
	if c1 != c2 || r1 != r2 {
		t.Errorf("two identical servers made %s/%s and %s/%s", c1, r1, c2, r2)
	}
}

// TestCloseWithAStalledSubscriber: a subscriber that stopped reading must
// not keep Close from returning.
func TestCloseWithAStalledSubscriber(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	if _, err := s.Events().Subscribe(make(chan struct{})); err != nil { // never read, never closed
		t.Fatal(err)
	}
	for i := 0; i < 40; i++ { // 80 events: more than the subscriber's buffer
		newChange(t, s, gerrittest.ChangeSpec{Subject: fmt.Sprintf("Change %d", i), Files: map[string]string{fmt.Sprintf("f%d", i): "x\n"}})
	}
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Fatal("Close hangs on a subscriber that stopped reading")
	}
}
