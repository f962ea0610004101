package gerrit

import (
	"strings"
	"testing"
)

const cid = "I8473b95934b5732ac55d26311a706c9c2bde9940"

func TestParseRef(t *testing.T) {
	tests := []struct {
		in   string
		want Ref
		id   string // REST id
	}{
		{"12345", Ref{Number: 12345}, "12345"},
		{"  12345\n", Ref{Number: 12345}, "12345"},
		{"12345,3", Ref{Number: 12345, PatchSet: 3}, "12345"},
		{"gerrit:12345", Ref{Number: 12345}, "12345"},
		{"[[gerrit:12345|Fix the thing (T1)]]", Ref{Number: 12345}, "12345"},
		{"https://gerrit.wikimedia.org/r/c/mediawiki/core/+/12345", Ref{Host: "gerrit.wikimedia.org", Project: "mediawiki/core", Number: 12345}, "mediawiki%2Fcore~12345"},
		{"https://gerrit.wikimedia.org/r/c/mediawiki/core/+/12345/", Ref{Host: "gerrit.wikimedia.org", Project: "mediawiki/core", Number: 12345}, "mediawiki%2Fcore~12345"},
		{"https://gerrit.wikimedia.org/r/c/mediawiki/core/+/12345/3", Ref{Host: "gerrit.wikimedia.org", Project: "mediawiki/core", Number: 12345, PatchSet: 3}, "mediawiki%2Fcore~12345"},
		{"https://gerrit.wikimedia.org/r/c/mediawiki/core/+/12345/1..3", Ref{Host: "gerrit.wikimedia.org", Project: "mediawiki/core", Number: 12345, PatchSet: 3}, "mediawiki%2Fcore~12345"},
		{"https://gerrit.wikimedia.org/r/c/mediawiki/core/+/12345/3/includes/Foo.php", Ref{Host: "gerrit.wikimedia.org", Project: "mediawiki/core", Number: 12345, PatchSet: 3}, "mediawiki%2Fcore~12345"},
		{"https://gerrit.wikimedia.org/r/c/mediawiki/core/+/12345?tab=comments", Ref{Host: "gerrit.wikimedia.org", Project: "mediawiki/core", Number: 12345}, "mediawiki%2Fcore~12345"},
		{"https://gerrit.wikimedia.org/r/c/mediawiki/core/+/12345#message-abc", Ref{Host: "gerrit.wikimedia.org", Project: "mediawiki/core", Number: 12345}, "mediawiki%2Fcore~12345"},
		{"https://gerrit.wikimedia.org/r/c/mediawiki/extensions/Echo/+/998877", Ref{Host: "gerrit.wikimedia.org", Project: "mediawiki/extensions/Echo", Number: 998877}, "mediawiki%2Fextensions%2FEcho~998877"},
		{"https://gerrit.wikimedia.org/r/c/operations/mediawiki-config/+/444901", Ref{Host: "gerrit.wikimedia.org", Project: "operations/mediawiki-config", Number: 444901}, "operations%2Fmediawiki-config~444901"},
		{"gerrit.wikimedia.org/r/c/mediawiki/core/+/12345", Ref{Host: "gerrit.wikimedia.org", Project: "mediawiki/core", Number: 12345}, "mediawiki%2Fcore~12345"},
		{"<https://gerrit.wikimedia.org/r/c/mediawiki/core/+/12345>", Ref{Host: "gerrit.wikimedia.org", Project: "mediawiki/core", Number: 12345}, "mediawiki%2Fcore~12345"},
		{"https://gerrit.wikimedia.org/r/12345", Ref{Host: "gerrit.wikimedia.org", Number: 12345}, "12345"},
		{"https://gerrit.wikimedia.org/r/12345/", Ref{Host: "gerrit.wikimedia.org", Number: 12345}, "12345"},
		{"gerrit.wikimedia.org/r/12345", Ref{Host: "gerrit.wikimedia.org", Number: 12345}, "12345"},
		{"https://gerrit-review.example.org/12345", Ref{Host: "gerrit-review.example.org", Number: 12345}, "12345"},
		{"/c/12345/3", Ref{Number: 12345, PatchSet: 3}, "12345"},
		{"/c/12345", Ref{Number: 12345}, "12345"},
		{"https://gerrit.wikimedia.org/r/c/12345/3", Ref{Host: "gerrit.wikimedia.org", Number: 12345, PatchSet: 3}, "12345"},
		{"https://gerrit.wikimedia.org/r/#/c/12345/", Ref{Host: "gerrit.wikimedia.org", Number: 12345}, "12345"},
		{"https://gerrit.wikimedia.org/r/#/c/12345/2", Ref{Host: "gerrit.wikimedia.org", Number: 12345, PatchSet: 2}, "12345"},
		{"http://gerrithost/#/c/RecipeBook/+/702", Ref{Host: "gerrithost", Project: "RecipeBook", Number: 702}, "RecipeBook~702"},
		{"#/c/12345/", Ref{Number: 12345}, "12345"},
		{"http://127.0.0.1:8080/r/c/mediawiki/core/+/1001", Ref{Host: "127.0.0.1", Project: "mediawiki/core", Number: 1001}, "mediawiki%2Fcore~1001"},
		{cid, Ref{ChangeID: cid}, cid},
		{"mediawiki/core~12345", Ref{Project: "mediawiki/core", Number: 12345}, "mediawiki%2Fcore~12345"},
		{"mediawiki%2Fcore~12345", Ref{Project: "mediawiki/core", Number: 12345}, "mediawiki%2Fcore~12345"},
		{"mediawiki/core~wmf/1.44.0-wmf.5~" + cid, Ref{Project: "mediawiki/core", Branch: "wmf/1.44.0-wmf.5", ChangeID: cid}, "mediawiki%2Fcore~wmf%2F1.44.0-wmf.5~" + cid},
		{"mediawiki%2Fcore~wmf%2F1.44.0-wmf.5~" + cid, Ref{Project: "mediawiki/core", Branch: "wmf/1.44.0-wmf.5", ChangeID: cid}, "mediawiki%2Fcore~wmf%2F1.44.0-wmf.5~" + cid},
		{"myProject~refs/heads/master~" + cid, Ref{Project: "myProject", Branch: "master", ChangeID: cid}, "myProject~master~" + cid},
		{"refs/changes/45/12345/3", Ref{Number: 12345, PatchSet: 3}, "12345"},
		{"refs/changes/45/12345/meta", Ref{Number: 12345}, "12345"},
		{"refs/changes/05/5/1", Ref{Number: 5, PatchSet: 1}, "5"},
	}
	for _, tt := range tests {
		got, err := ParseRef(tt.in)
		if err != nil {
			t.Errorf("ParseRef(%q): %v", tt.in, err)
			continue
		}
		got.Input = ""
		if got != tt.want {
			t.Errorf("ParseRef(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if id := got.ID(); id != tt.id {
			t.Errorf("ParseRef(%q).ID() = %q, want %q", tt.in, id, tt.id)
		}
	}
}

func TestParseRefRejects(t *testing.T) {
	tests := []struct{ in, why string }{
		{"", "empty"},
		{"   ", "empty"},
		{"abc", "not a number, URL or Change-Id"},
		{"0", "positive"},
		{"-12", "positive"},
		{"12345abc", "not a number"},
		{"I8473b959", "40 hex digits, this one has 8"},
		{"I8473b95934b5732ac55d26311a706c9c2bde99401", "this one has 41"},
		{"12345 12346", "spaces"},
		{"https://gerrit.wikimedia.org/", "names no change"},
		{"https://gerrit.wikimedia.org/r/", "not a change page"},
		{"https://gerrit.wikimedia.org/r/c/mediawiki/core/+/abc", "not a change page"},
		{"https://gerrit.wikimedia.org/r/q/status:open", "not a change page"},
		{"https://phabricator.wikimedia.org/T12345", "not a change page"},
		{"mediawiki/core~abc", "needs a change number"},
		{"~12345", "project is empty"},
		{"mediawiki/core~master~I123", "needs a Change-Id"},
		{"a~b~c~d", "expected project~number"},
		{"refs/changes/99/12345/1", "shard 99 does not match"},
		{"12345,x", "not a number"},
	}
	for _, tt := range tests {
		_, err := ParseRef(tt.in)
		if err == nil {
			t.Errorf("ParseRef(%q) succeeded, want an error about %q", tt.in, tt.why)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.why) {
			t.Errorf("ParseRef(%q) = %q, want it to mention %q", tt.in, msg, tt.why)
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("ParseRef(%q) error is not one line: %q", tt.in, msg)
		}
		if tt.in != "" && strings.TrimSpace(tt.in) != "" && !strings.Contains(msg, "paste") {
			t.Errorf("ParseRef(%q) = %q, want it to say what to paste instead", tt.in, msg)
		}
	}
}

func TestRefString(t *testing.T) {
	for in, want := range map[string]string{
		"12345":                          "12345",
		"mediawiki/core~12345":           "mediawiki/core 12345",
		cid:                              cid,
		"mediawiki/core~wmf/1.44~" + cid: "mediawiki/core wmf/1.44 " + cid,
	} {
		r, err := ParseRef(in)
		if err != nil {
			t.Fatal(err)
		}
		if r.String() != want {
			t.Errorf("ParseRef(%q).String() = %q, want %q", in, r.String(), want)
		}
	}
}
