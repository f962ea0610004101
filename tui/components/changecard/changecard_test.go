package changecard

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"porthole/gerrit"
	"porthole/runbooks"
	"porthole/tui/internal/testkit"
	"porthole/tui/styles"
)

func change() *gerrit.Change {
	no := false
	return &gerrit.Change{Number: 1004, Project: "mediawiki/core", Branch: "wmf/1.44.0-wmf.5",
		Subject: "recentchanges: Add rc_actor_timestamp index", Status: "NEW", PatchSet: 3,
		Owner: gerrit.Account{Name: "Chen Wei", Username: "cwei"},
		Labels: map[string][]gerrit.Vote{
			"Code-Review": {{Account: gerrit.Account{Name: "Dana", Username: "dana"}, Value: -1}, {Account: gerrit.Account{Name: "Eve", Username: "eve"}, Value: 2}},
			"Verified":    {{Account: gerrit.Account{Name: "jenkins-bot", Username: "jenkins-bot"}, Value: -1}},
		},
		Mergeable: &no, Bugs: []string{"T12345", "T67890"}, DependsOn: []string{"I0123456789abcdef0123456789abcdef01234567"},
		WebURL: "https://gerrit.wikimedia.org/r/c/mediawiki/core/+/1004",
		Files: []gerrit.File{{Path: "sql/mysql/patch-rc_actor_timestamp.sql", Status: "A", Inserted: 3},
			{Path: "sql/tables.json", Status: "M", Inserted: 12, Deleted: 1},
			{Path: "includes/Old.php", OldPath: "includes/Older.php", Status: "R"},
			{Path: "resources/logo.png", Status: "D", Binary: true}}}
}

var warnings = []runbooks.Warning{
	{Level: runbooks.Danger, Code: "schema", Change: 1004, Text: "change 1004 changes the database schema (sql/tables.json): schema changes never ride a backport window"},
	{Level: runbooks.Warn, Code: "weekend", Text: "it is Friday: deploying needs approval from RelEng and SRE"},
	{Level: runbooks.Info, Code: "other", Change: 7, Text: "about another change"},
}

func TestCardGolden(t *testing.T) {
	for _, w := range testkit.Widths {
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			v := View(styles.New(true), w, 0, Card{Change: change(), Warnings: ForChange(warnings, 1004), CIAccount: "jenkins-bot"})
			golden.RequireEqual(t, testkit.Size(t, v, w, 0))
		})
	}
}

func TestCardContent(t *testing.T) {
	raw := View(styles.New(false), 100, 0, Card{Change: change(), Warnings: ForChange(warnings, 1004), CIAccount: "jenkins-bot", Phabricator: "https://phab.example.org"})
	v := testkit.Plain(raw)
	for _, want := range []string{"1004 recentchanges: Add rc_actor_timestamp index", "project mediawiki/core  branch wmf/1.44.0-wmf.5",
		"owner   Chen Wei (cwei)  NEW · PS3", "+2 Eve, -1 Dana", "-1 jenkins-bot · NOT mergeable", "✖ DANGER: change 1004 changes the database schema",
		"⚠ warning: it is Friday", "A sql/mysql/patch-rc_actor_timestamp.sql +3 −0", "R includes/Older.php → includes/Old.php", "D resources/logo.png binary",
		"depends I0123456789abcdef"} {
		if !strings.Contains(v, want) {
			t.Errorf("missing %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "about another change") {
		t.Error("a warning about another change is shown")
	}
	// OSC 8 links to Gerrit and Phabricator.
	for _, url := range []string{"https://gerrit.wikimedia.org/r/c/mediawiki/core/+/1004", "https://phab.example.org/T12345", "https://phab.example.org/T67890"} {
		if !strings.Contains(raw, "\x1b]8;;"+url+"\x07") {
			t.Errorf("no hyperlink to %s", url)
		}
	}
}

func TestCardFitsItsHeight(t *testing.T) {
	v := testkit.Plain(View(styles.New(true), 80, 8, Card{Change: change(), Warnings: warnings}))
	if h := strings.Count(v, "\n") + 1; h != 8 {
		t.Fatalf("card is %d lines, want 8:\n%s", h, v)
	}
	if !strings.Contains(v, "more lines") {
		t.Fatalf("a cut card does not say so:\n%s", v)
	}
}

func TestCIWithoutVotes(t *testing.T) {
	ch := change()
	ch.Labels = nil
	ch.Mergeable = nil
	ch.Status = "MERGED"
	v := testkit.Plain(View(styles.New(true), 100, 0, Card{Change: ch, CIAccount: "jenkins-bot"}))
	if !strings.Contains(v, "no Verified vote from jenkins-bot yet · merged") || !strings.Contains(v, "review  no votes yet") {
		t.Fatalf("card:\n%s", v)
	}
}
