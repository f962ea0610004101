package gerrit

import (
	"testing"
)

func TestSAL(t *testing.T) {
	a := &Change{Number: 445113, Subject: "rdbms: fix value of ChronologyProtector::POSITION_COOKIE_TTL", Bugs: []string{"T194403"}}
	b := &Change{Number: 445377, Subject: "Add event logging for WMDE fundraising banners", Bugs: []string{"T197571", "T1"}}
	c := &Change{Number: 42, Subject: "No task  here"}
	tests := []struct {
		changes []*Change
		format  string
		want    string
	}{
		{[]*Change{a}, "", "Backport: [[gerrit:445113|rdbms: fix value of ChronologyProtector::POSITION_COOKIE_TTL (T194403)]]"},
		{[]*Change{a, b}, "", "Backport: [[gerrit:445113|rdbms: fix value of ChronologyProtector::POSITION_COOKIE_TTL (T194403)]], [[gerrit:445377|Add event logging for WMDE fundraising banners (T197571 T1)]]"},
		{[]*Change{c}, "Backport for {links}", "Backport for [[gerrit:42|No task here]]"},
		{[]*Change{c}, "Config:", "Config: [[gerrit:42|No task here]]"},
		{[]*Change{{Number: 7, Subject: "Fix [[Special:Foo]] link"}}, "", "Backport: [[gerrit:7|Fix [[Special:Foo]&#93; link]]"},
		{nil, "", "Backport: "},
	}
	for _, tt := range tests {
		if got := SAL(tt.changes, tt.format); got != tt.want {
			t.Errorf("SAL(%q) = %q, want %q", tt.format, got, tt.want)
		}
	}
}

func TestRevertTopicAndCheckRevertPush(t *testing.T) {
	sha := "0123456789abcdef0123456789abcdef01234567"
	if got := RevertTopic(sha); got != "revert-"+sha {
		t.Errorf("RevertTopic = %q", got)
	}
	if err := CheckRevertPush("wmf/1.44.0-wmf.5", sha); err != nil {
		t.Errorf("CheckRevertPush of a good branch: %v", err)
	}
	for _, bad := range [][2]string{
		{"wmf/1.44; rm -rf /", sha}, {"../x", sha}, {"", sha}, {"master", "HEAD"}, {"master", "abc"}, {"master", sha + " --force"},
	} {
		if err := CheckRevertPush(bad[0], bad[1]); err == nil {
			t.Errorf("CheckRevertPush(%q, %q) accepted", bad[0], bad[1])
		}
	}
}
