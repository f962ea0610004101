package gerrit

import (
	"strings"
	"testing"
	"time"
)

// The change-merged line quoted in reference/gerrit.md (a 3.x server,
// third-party fixture): object-shaped project and changeKey {"key":…}.
const realChangeMerged = `{"submitter":{"name":"Jade Lovelace","email":"jade@lix.systems","username":"jade"},"newRev":"be68d899017ff0d79aa7bc9167381dba131342e0","patchSet":{"number":2,"revision":"be68d899017ff0d79aa7bc9167381dba131342e0","parents":["afec95e269e2d59e10fb205eb793d7261b638dc2"],"ref":"refs/changes/05/30605/2","uploader":{"name":"Jade Lovelace","email":"jade@lix.systems","username":"jade"},"createdOn":1753734843,"author":{"name":"Jade Lovelace","email":"jade@lix.systems","username":"jade"},"kind":"NO_CODE_CHANGE","sizeInsertions":26,"sizeDeletions":1},"change":{"project":"snix","branch":"canon","id":"I65b14839a62c4e779136c1c34750d15cedaaddc8","number":30605,"subject":"fix(ops/gerrit): send mail with the triggering user\u0027s name on it","owner":{"name":"Jade Lovelace","email":"jade@lix.systems","username":"jade"},"url":"https://cl.snix.dev/c/snix/+/30605","commitMessage":"fix(ops/gerrit): …\n\nChange-Id: I65b14839a62c4e779136c1c34750d15cedaaddc8\nReviewed-on: https://cl.snix.dev/c/snix/+/30605\n","createdOn":1753663580,"status":"MERGED"},"project":{"name":"snix"},"refName":"refs/heads/canon","changeKey":{"key":"I65b14839a62c4e779136c1c34750d15cedaaddc8"},"type":"change-merged","eventCreatedOn":1753734843}`

func TestParseStreamEventShapes(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Event
	}{
		{"change-merged, object shapes (real line)", realChangeMerged, Event{
			Type: "change-merged", Project: "snix", Branch: "canon", ChangeID: "I65b14839a62c4e779136c1c34750d15cedaaddc8",
			Number: 30605, NewRev: "be68d899017ff0d79aa7bc9167381dba131342e0", PatchSet: 2, Created: time.Unix(1753734843, 0).UTC()}},
		{"patchset-created, string shapes (3.2 EventGsonProvider)",
			`{"uploader":{"name":"A","username":"a"},"patchSet":{"number":1,"revision":"f1e2d3c4b5a6978812345678901234567890abcd","ref":"refs/changes/23/30623/1"},"change":{"project":"snix","branch":"canon","id":"If9e2aa9d2a2f8d2f7a3c7ffb4f0e1d2c3b4a5968","number":30623,"status":"NEW"},"project":"snix","refName":"refs/heads/canon","changeKey":{"id":"If9e2aa9d2a2f8d2f7a3c7ffb4f0e1d2c3b4a5968"},"type":"patchset-created","eventCreatedOn":1753700000}`,
			Event{Type: "patchset-created", Project: "snix", Branch: "canon", ChangeID: "If9e2aa9d2a2f8d2f7a3c7ffb4f0e1d2c3b4a5968", Number: 30623, PatchSet: 1, NewRev: "f1e2d3c4b5a6978812345678901234567890abcd", Created: time.Unix(1753700000, 0).UTC()}},
		{"comment-added with a +2 (webhooks sample shape)",
			`{"type":"comment-added","author":{"name":"Deployer","username":"dep"},"approvals":[{"type":"Code-Review","description":"Code-Review","value":"2","oldValue":"1"}],"comment":"Patch Set 2: Code-Review+2","patchSet":{"number":"2","revision":"abc"},"change":{"project":"mediawiki/core","branch":"wmf/1.44.0-wmf.5","id":"I0123456789abcdef0123456789abcdef01234567","number":"1001"},"project":{"name":"mediawiki/core"},"changeKey":{"id":"I0123456789abcdef0123456789abcdef01234567"},"eventCreatedOn":1}`,
			Event{Type: "comment-added", Project: "mediawiki/core", Branch: "wmf/1.44.0-wmf.5", ChangeID: "I0123456789abcdef0123456789abcdef01234567", Number: 1001, PatchSet: 2, NewRev: "abc", Created: time.Unix(1, 0).UTC()}},
		{"ref-updated has no change",
			`{"type":"ref-updated","submitter":{"name":"x"},"refUpdate":{"oldRev":"aaa","newRev":"bbb","refName":"refs/heads/wmf/1.44.0-wmf.5","project":"mediawiki/core"},"eventCreatedOn":2}`,
			Event{Type: "ref-updated", Project: "mediawiki/core", Branch: "wmf/1.44.0-wmf.5", NewRev: "bbb", Created: time.Unix(2, 0).UTC()}},
		{"changeKey as a bare string", `{"type":"wip-state-changed","project":"p","changeKey":"I1111111111111111111111111111111111111111"}`,
			Event{Type: "wip-state-changed", Project: "p", ChangeID: "I1111111111111111111111111111111111111111"}},
		{"stats line from gerrit query", `{"type":"stats","rowCount":1,"runTimeMilliseconds":5,"moreChanges":false}`, Event{Type: "stats"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStreamEvent([]byte(tt.line + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseStreamEventRejects(t *testing.T) {
	for _, line := range []string{"", "not json", `{"project":"x"}`, `[1,2]`, `{"type":"change-merged","change":{"number":"abc"}}`} {
		_, err := ParseStreamEvent([]byte(line))
		if err == nil {
			t.Errorf("ParseStreamEvent(%q) succeeded", line)
			continue
		}
		if !strings.HasPrefix(err.Error(), "stream-events:") || strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseStreamEvent(%q) error %q is not one clear line", line, err)
		}
	}
}
