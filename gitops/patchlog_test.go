package gitops_test

import (
	"context"
	"strings"
	"testing"

	"porthole/gitops"
	"porthole/gitops/gitopstest"
)

func TestParsePatchLogFromRealLog(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	ctx := context.Background()
	id1, id2 := gitopstest.ChangeID(20), gitopstest.ChangeID(21)
	s.Land(gitopstest.ConfigProject, "master", gitopstest.Message("Logo for enwiki", id1, "T10", "T11"),
		map[string]string{"static/images/project-logos/en.png": "new logo\n", "static/images/project-logos/en-2x.png": "bigger\n"})
	s.Land(gitopstest.ConfigProject, "master", gitopstest.Message("Drop dblist\n\nA second paragraph\nwith commit line:\ncommit 0123456789012345678901234567890123456789", id2),
		map[string]string{"dblists/all.dblist": gitopstest.Delete})
	if err := gitops.Fetch(ctx, local(s), s.Dir); err != nil {
		t.Fatal(err)
	}
	raw, err := gitops.LogPatch(ctx, local(s), s.Dir, false)
	if err != nil {
		t.Fatal(err)
	}
	pcs, err := gitops.ParsePatchLog(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(pcs) != 2 {
		t.Fatalf("%d commits:\n%s", len(pcs), raw)
	}
	// newest first
	if pcs[0].Title != "Drop dblist" || len(pcs[0].ChangeIDs) != 1 || pcs[0].ChangeIDs[0] != id2 {
		t.Fatalf("first %+v", pcs[0])
	}
	if len(pcs[0].Files) != 1 || !pcs[0].Files[0].IsDelete || pcs[0].Files[0].OldName != "dblists/all.dblist" {
		t.Fatalf("deletion %+v", pcs[0].Files)
	}
	if !strings.Contains(pcs[0].Message, "commit 0123456789012345678901234567890123456789") {
		t.Fatalf("an indented commit line inside a message must stay in it: %q", pcs[0].Message)
	}
	if got := strings.Join(commitPaths(pcs[1]), ","); got != "static/images/project-logos/en-2x.png,static/images/project-logos/en.png" {
		t.Fatalf("paths %s", got)
	}
	if pcs[1].Author != "Deployer <deployer@example.org>" {
		t.Fatalf("author %q", pcs[1].Author)
	}
}

func TestParsePatchLogMergeAndGarbage(t *testing.T) {
	log := "commit 1111111111111111111111111111111111111111\n" +
		"Merge: 2222222 3333333\n" +
		"Author: Gerrit <gerrit@wikimedia.org>\n" +
		"Date:   Mon Nov 23 10:00:00 2026 +0000\n\n" +
		"    Merge \"Fix\" into wmf/1.44.0-wmf.5\n\n" +
		"commit 3333333333333333333333333333333333333333\n" +
		"Author: Dev <dev@example.org>\n" +
		"Date:   Mon Nov 23 09:00:00 2026 +0000\n\n" +
		"    Fix\n\n    Change-Id: I" + strings.Repeat("a", 40) + "\n\n" +
		"diff --git a/includes/A.php b/includes/B.php\n" +
		"similarity index 90%\nrename from includes/A.php\nrename to includes/B.php\n" +
		"index 1234567..89abcde 100644\n--- a/includes/A.php\n+++ b/includes/B.php\n" +
		"@@ -1,2 +1,2 @@\n <?php\n-old\n+new\n"
	pcs, err := gitops.ParsePatchLog([]byte(log))
	if err != nil {
		t.Fatal(err)
	}
	if len(pcs) != 2 || !pcs[0].Merge || len(pcs[0].Files) != 0 || pcs[1].Merge {
		t.Fatalf("%+v", pcs)
	}
	if f := pcs[1].Files[0]; !f.IsRename || f.OldName != "includes/A.php" || f.NewName != "includes/B.php" {
		t.Fatalf("rename %+v", f)
	}
	if got := commitPaths(pcs[1]); len(got) != 2 {
		t.Fatalf("rename paths %v", got)
	}
	if _, err := gitops.ParsePatchLog([]byte("hello\n")); err == nil {
		t.Fatal("garbage must be an error")
	}
	if pcs, err := gitops.ParsePatchLog(nil); err != nil || len(pcs) != 0 {
		t.Fatal("an empty log is no commits", err)
	}
}

func TestChangeIDs(t *testing.T) {
	a, b := "I"+strings.Repeat("1", 40), "I"+strings.Repeat("2", 40)
	msg := "Update git submodules\n\n* Update extensions/Echo from branch 'wmf/1.44.0-wmf.5'\n  to abc\n  - Fix\n\n    Change-Id: " + a +
		"\n\n* Update skins/Vector\n  - Other\n\n    Change-Id: " + b + "\n\nChange-Id: " + a + "\n"
	ids := gitops.ChangeIDs(msg)
	if len(ids) != 2 || ids[0] != a || ids[1] != b {
		t.Fatalf("%v", ids)
	}
	if ids := gitops.ChangeIDs("Mentions Change-Id: " + a + " inline\nChange-Id: Ishort\n"); len(ids) != 0 {
		t.Fatalf("inline or malformed ids must not count: %v", ids)
	}
}

// commitPaths lists the paths a commit touches (new names, and old names of
// renames and deletions), without repeats.
func commitPaths(c gitops.PatchCommit) []string {
	var ps []string
	seen := map[string]bool{}
	add := func(p string) {
		if p != "" && !seen[p] {
			seen[p] = true
			ps = append(ps, p)
		}
	}
	for _, f := range c.Files {
		add(f.NewName)
		add(f.OldName)
	}
	return ps
}
