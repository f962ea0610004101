package diffview

import (
	"strings"
	"testing"

	"porthole/tui/internal/testgit"
)

const (
	changeID = "I0123456789abcdef0123456789abcdef01234567"
	otherID  = "Ifedcba9876543210fedcba9876543210fedcba98"
)

// fixture is a wmf branch with a base commit, the deployed change (two
// commits' worth of files) and an unrelated commit pushed on top.
type fixture struct {
	repo             *testgit.Repo
	base, own, extra string
	patch            []byte
	path             string
}

const fooBase = `<?php
namespace MediaWiki\Collation;

class Foo {
	public function getCollation( $name ) {
		$collation = 'uppercase';
		return $collation;
	}
}
`

const fooNew = `<?php
namespace MediaWiki\Collation;

class Foo {
	public function getCollation( $name ) {
		$collation = 'uca-default';
		// T12345: follow the wiki's setting
		return $collation;
	}
}
`

func newFixture(t *testing.T) *fixture {
	t.Helper()
	r := testgit.New(t)
	f := &fixture{repo: r}
	f.base = r.Commit("Initial import", map[string]string{
		"includes/Foo.php": fooBase,
		"extension.json":   "{\n\t\"name\": \"Foo\",\n\t\"version\": \"1.0.0\"\n}\n",
		"README":           "Foo\n",
	})
	f.own = r.Commit("Use uca-default collation\n\nBug: T12345\nChange-Id: "+changeID, map[string]string{
		"includes/Foo.php": fooNew,
		"extension.json":   "{\n\t\"name\": \"Foo\",\n\t\"version\": \"1.0.1\"\n}\n",
	})
	f.extra = r.Commit("Unrelated direct push\n\nChange-Id: "+otherID, map[string]string{
		"README":      "Foo, the collation helper\n",
		"docs/esc.md": "bell \x07 and escape \x1b[31mred\x1b[0m\ttab\n",
	})
	rng := f.base + "..HEAD"
	f.patch = r.LogPatch(rng)
	f.path = r.SavePatch(rng)
	return f
}

// lineOf finds the first line of the patch that starts with prefix.
func lineOf(t *testing.T, patch []byte, prefix string) int {
	t.Helper()
	for i, l := range strings.Split(string(patch), "\n") {
		if strings.HasPrefix(l, prefix) {
			return i
		}
	}
	t.Fatalf("no line starts with %q", prefix)
	return -1
}
