package maint

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"porthole/runbooks"
)

// settingsBase is an InitialiseSettings.php shaped like production's (tabs,
// 'default'/dblist/dbname keys, '+' merge prefixes).
const settingsBase = `<?php
# WARNING: This file is publicly viewable on the web. Do not put private data here.
return [

'wgRCMaxAge' => [
	'default' => 90 * 86400, // 90 days
],

'wgCategoryCollation' => [
	'default' => 'uppercase',
	'cywiki' => 'uppercase', // T390102
	'dewiki' => 'uca-de-u-kn',
	'enwiki' => 'uca-default-u-kn',
	'frwiki' => 'uca-fr',
],

'wgExtraNamespaces' => [
	// @note Keep in alphabetical order
	'+dewiki' => [
		100 => 'Portal',
		101 => 'Portal_Diskussion',
	],
	'enwiki' => [
		100 => 'Portal',
		101 => 'Portal_talk',
		118 => 'Draft',
		119 => 'Draft_talk',
		126 => 'MOS',
		127 => 'MOS_talk',
		710 => 'TimedText',
		711 => 'TimedText_talk',
		828 => 'Module',
		829 => 'Module_talk',
	],
	'frwiki' => [
		100 => 'Portail',
		101 => 'Discussion_Portail',
	],
],

'wgNamespaceAliases' => [
	'enwiki' => [
		'WP' => NS_PROJECT,
		'WT' => NS_PROJECT_TALK,
	],
],

];
`

// gitRepo is a real git repository with wmf-config/InitialiseSettings.php.
type gitRepo struct {
	t   *testing.T
	dir string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	r := &gitRepo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "master")
	r.git("config", "user.name", "Test")
	r.git("config", "user.email", "test@example.org")
	r.write("wmf-config/InitialiseSettings.php", settingsBase)
	r.write("static/images/project-logos/enwiki.png", "\x89PNG\r\n\x1a\n\x00\x00binary")
	r.write("static/robots.txt", "User-agent: *\n")
	r.commit("Initial")
	return r
}

func (r *gitRepo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+r.dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (r *gitRepo) write(rel, content string) {
	r.t.Helper()
	p := filepath.Join(r.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *gitRepo) edit(rel, old, new string) {
	r.t.Helper()
	b, err := os.ReadFile(filepath.Join(r.dir, rel))
	if err != nil {
		r.t.Fatal(err)
	}
	if strings.Count(string(b), old) != 1 {
		r.t.Fatalf("%q is not once in %s", old, rel)
	}
	r.write(rel, strings.Replace(string(b), old, new, 1))
}

func (r *gitRepo) commit(msg string) {
	r.t.Helper()
	r.git("add", "-A")
	r.git("commit", "-q", "-m", msg+"\n\nBug: T1\nChange-Id: I0123456789abcdef0123456789abcdef01234567")
}

// incoming is what the deployment host reviews: git log -p of the new commits.
func (r *gitRepo) incoming(n int) []byte {
	r.t.Helper()
	return []byte(r.git("log", "-p", fmt.Sprintf("HEAD~%d..HEAD", n)))
}

func suggestionsByKind(ss []runbooks.Suggestion) map[string][]runbooks.Suggestion {
	m := map[string][]runbooks.Suggestion{}
	for _, s := range ss {
		m[s.Runbook] = append(m[s.Runbook], s)
	}
	return m
}

func TestDetectNewNamespace(t *testing.T) {
	r := newGitRepo(t)
	r.edit("wmf-config/InitialiseSettings.php", "\t\t101 => 'Discussion_Portail',\n\t],\n],",
		"\t\t101 => 'Discussion_Portail',\n\t\t102 => 'Projet',\n\t\t103 => 'Discussion_Projet',\n\t],\n\t'+hewiki' => [\n\t\t100 => 'פורטל',\n\t\t101 => 'שיחת_פורטל',\n\t],\n],")
	r.commit("Add Projet namespace to frwiki, Portal to hewiki")
	got := DetectMaintenance(r.incoming(1), nil)
	if len(got) != 1 || got[0].Runbook != KindNamespaceDupes {
		t.Fatalf("suggestions %+v", got)
	}
	if !reflect.DeepEqual(got[0].Params, map[string]string{"wiki": "frwiki,hewiki"}) {
		t.Fatalf("params %v", got[0].Params)
	}
	for _, s := range []string{"wmf-config/InitialiseSettings.php", "frwiki: Projet (102), Discussion_Projet (103)", "hewiki: פורטל (100), שיחת_פורטל (101)"} {
		if !strings.Contains(got[0].Reason, s) {
			t.Errorf("reason %q lacks %q", got[0].Reason, s)
		}
	}
	// The suggestion builds as is.
	p, err := runbooks.Build(t.Context(), newDetectEnv(t), got[0].Runbook, got[0].Params)
	if err != nil || len(p.Steps) != 2 {
		t.Fatalf("build: %v", err)
	}
}

func TestDetectNamespaceWikiOutOfContext(t *testing.T) {
	r := newGitRepo(t)
	// enwiki's entry is long: the hunk does not reach its key.
	r.edit("wmf-config/InitialiseSettings.php", "\t\t711 => 'TimedText_talk',\n", "\t\t711 => 'TimedText_talk',\n\t\t2600 => 'Topic',\n")
	r.commit("Add Topic namespace")
	got := DetectMaintenance(r.incoming(1), nil)
	if len(got) != 1 || got[0].Runbook != KindNamespaceDupes || got[0].Params["wiki"] != "" {
		t.Fatalf("suggestions %+v", got)
	}
	if !strings.Contains(got[0].Reason, "Topic (2600)") || !strings.Contains(got[0].Reason, "fill in the wiki") {
		t.Fatalf("reason %q", got[0].Reason)
	}
}

func TestDetectNamespaceAliasAndRemoval(t *testing.T) {
	r := newGitRepo(t)
	r.edit("wmf-config/InitialiseSettings.php", "\t\t'WT' => NS_PROJECT_TALK,\n", "\t\t'WT' => NS_PROJECT_TALK,\n\t\t'MOS' => 126,\n")
	r.commit("Add MOS alias")
	got := DetectMaintenance(r.incoming(1), nil)
	if len(got) != 1 || got[0].Params["wiki"] != "enwiki" || !strings.Contains(got[0].Reason, "alias MOS") {
		t.Fatalf("alias: %+v", got)
	}
	// Removing a namespace needs no namespaceDupes.
	r.edit("wmf-config/InitialiseSettings.php", "\t\t100 => 'Portail',\n\t\t101 => 'Discussion_Portail',\n", "")
	r.commit("Remove Portail")
	if got := DetectMaintenance(r.incoming(1), nil); len(got) != 0 {
		t.Fatalf("removal: %+v", got)
	}
}

func TestDetectCollationChange(t *testing.T) {
	r := newGitRepo(t)
	r.edit("wmf-config/InitialiseSettings.php", "\t'cywiki' => 'uppercase', // T390102\n", "\t'cywiki' => 'uca-default', // T390102\n")
	r.commit("Switch cywiki to uca-default")
	got := DetectMaintenance(r.incoming(1), nil)
	if len(got) != 1 || got[0].Runbook != KindUpdateCollation {
		t.Fatalf("suggestions %+v", got)
	}
	if !reflect.DeepEqual(got[0].Params, map[string]string{"wiki": "cywiki", "previous_collation": "uppercase"}) {
		t.Fatalf("params %v", got[0].Params)
	}
	if !strings.Contains(got[0].Reason, "cywiki uppercase → uca-default") {
		t.Fatalf("reason %q", got[0].Reason)
	}
	p, err := runbooks.Build(t.Context(), newDetectEnv(t), got[0].Runbook, got[0].Params)
	if err != nil || !strings.Contains(p.Steps[len(p.Steps)-1].Command, "--wiki=cywiki --previous-collation=uppercase") {
		t.Fatalf("build: %v %+v", err, p)
	}
}

func TestDetectCollationNewAndRemovedEntries(t *testing.T) {
	r := newGitRepo(t)
	r.edit("wmf-config/InitialiseSettings.php", "\t'frwiki' => 'uca-fr',\n", "\t'frwiki' => 'uca-fr',\n\t'hewiki' => 'uca-he',\n\t'wiktionary' => 'uppercase-ab',\n")
	r.edit("wmf-config/InitialiseSettings.php", "\t'dewiki' => 'uca-de-u-kn',\n", "")
	r.commit("hewiki and wiktionary get their own collation; dewiki back to default")
	got := DetectMaintenance(r.incoming(1), nil)
	byKind := suggestionsByKind(got)
	uc := byKind[KindUpdateCollation]
	if len(uc) != 2 {
		t.Fatalf("suggestions %+v", got)
	}
	// dewiki had uca-de-u-kn (removed line); hewiki and wiktionary had the default.
	if !reflect.DeepEqual(uc[0].Params, map[string]string{"wiki": "dewiki", "previous_collation": "uca-de-u-kn"}) ||
		!reflect.DeepEqual(uc[1].Params, map[string]string{"wiki": "hewiki,wiktionary", "previous_collation": "uppercase"}) {
		t.Fatalf("params %v / %v", uc[0].Params, uc[1].Params)
	}
	if !strings.Contains(uc[0].Reason, "dewiki uca-de-u-kn → uppercase") {
		t.Fatalf("reason %q", uc[0].Reason)
	}
}

func TestDetectStaticFiles(t *testing.T) {
	r := newGitRepo(t)
	r.write("static/images/project-logos/enwiki.png", "\x89PNG\r\n\x1a\n\x00\x00other binary")
	r.write("static/robots.txt", "User-agent: *\nDisallow: /w/\n")
	r.commit("New logo and robots.txt")
	r.write("static/images/project-logos/hewiki-2x.png", "\x89PNG\r\n\x1a\n\x00\x00new")
	r.commit("Add hewiki HD logo")
	got := DetectMaintenance(r.incoming(2), nil)
	if len(got) != 1 || got[0].Runbook != KindPurgeList {
		t.Fatalf("suggestions %+v", got)
	}
	want := "https://en.wikipedia.org/static/images/project-logos/hewiki-2x.png https://en.wikipedia.org/static/images/project-logos/enwiki.png https://en.wikipedia.org/static/robots.txt"
	if got[0].Params["urls"] != want {
		t.Fatalf("urls %q", got[0].Params["urls"])
	}
	if _, err := runbooks.Build(t.Context(), newDetectEnv(t), got[0].Runbook, got[0].Params); err != nil {
		t.Fatal(err)
	}
}

func TestDetectAllKindsInOneLogAndNothingElse(t *testing.T) {
	r := newGitRepo(t)
	r.edit("wmf-config/InitialiseSettings.php", "\t'default' => 90 * 86400, // 90 days\n", "\t'default' => 30 * 86400, // 30 days\n")
	r.commit("Shorter RC age")
	if got := DetectMaintenance(r.incoming(1), nil); len(got) != 0 {
		t.Fatalf("unrelated change: %+v", got)
	}
	r.edit("wmf-config/InitialiseSettings.php", "\t'frwiki' => 'uca-fr',\n", "\t'frwiki' => 'uca-fr-u-kn',\n")
	r.commit("frwiki numeric sorting")
	r.edit("wmf-config/InitialiseSettings.php", "\t\t101 => 'Portal_Diskussion',\n", "\t\t101 => 'Portal_Diskussion',\n\t\t102 => 'Wikipedia_Projekt',\n")
	r.write("static/favicon/wikipedia.ico", "ico")
	r.commit("dewiki project namespace, favicon")
	got := suggestionsByKind(DetectMaintenance(r.incoming(3), nil))
	if len(got) != 3 {
		t.Fatalf("suggestions %+v", got)
	}
	if got[KindNamespaceDupes][0].Params["wiki"] != "dewiki" ||
		got[KindUpdateCollation][0].Params["previous_collation"] != "uca-fr" ||
		got[KindPurgeList][0].Params["urls"] != "https://en.wikipedia.org/static/favicon/wikipedia.ico" {
		t.Fatalf("suggestions %+v", got)
	}
	// Through the registry, as the backport runbook calls it.
	if s := runbooks.Suggest(r.incoming(3), nil); len(s) < 3 {
		t.Fatalf("Suggest: %+v", s)
	}
}

func TestDetectToleratesGarbage(t *testing.T) {
	for _, p := range []string{"", "not a diff", "commit abcdef1\n\ndiff --git a/x b/x\n@@ -1 +1 @@ broken", "\x00\x01"} {
		_ = DetectMaintenance([]byte(p), nil)
	}
}

func FuzzDetectMaintenance(f *testing.F) {
	f.Add([]byte("diff --git a/wmf-config/I.php b/wmf-config/I.php\n--- a/wmf-config/I.php\n+++ b/wmf-config/I.php\n@@ -1,2 +1,3 @@\n 'wgExtraNamespaces' => [\n+\t'x' => [ 1 => 'A' ],\n ],\n"))
	f.Add([]byte("commit 0123456\n\ndiff --git a/static/a b/static/a\nnew file mode 100644\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, s := range DetectMaintenance(b, nil) {
			if s.Runbook == "" || s.Reason == "" {
				t.Fatalf("empty suggestion %+v", s)
			}
		}
	})
}

// newDetectEnv is a maintenance fixture whose dblist knows the test's wikis.
func newDetectEnv(t *testing.T) *runbooks.Env {
	f := newMaintFixture(t)
	if err := os.WriteFile(filepath.Join(f.staging, "dblists", "all.dblist"),
		[]byte("cywiki\ndewiki\nenwiki\nfrwiki\nhewiki\nenwiktionary\nfrwiktionary\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.staging, "dblists", "wiktionary.dblist"), []byte("enwiktionary\nfrwiktionary\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return f.env
}
