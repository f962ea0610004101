package diffview

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// fromBytes makes a Doc over an in-memory patch.
func fromBytes(name string, b []byte) *Doc {
	d := newDoc(name, bytes.NewReader(b), int64(len(b)))
	for !d.st.Done {
		_ = d.apply(scan(d.r, d.size, d.st, chunkSize))
	}
	return d
}

func TestIndexFindsCommitsFilesAndKinds(t *testing.T) {
	f := newFixture(t)
	d, err := Open(f.path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for !d.Done() {
		if err := d.apply(scan(d.r, d.size, d.st, chunkSize)); err != nil {
			t.Fatal(err)
		}
	}
	want := strings.Count(string(f.patch), "\n")
	if d.Lines() != want {
		t.Fatalf("indexed %d lines, the patch has %d", d.Lines(), want)
	}
	// git log prints newest first.
	cs := d.Commits()
	if len(cs) != 2 || cs[0].SHA != f.extra || cs[1].SHA != f.own {
		t.Fatalf("commits = %+v, want %s then %s", cs, f.extra, f.own)
	}
	if cs[1].Subject != "Use uca-default collation" || !reflect.DeepEqual(cs[1].ChangeIDs, []string{changeID}) {
		t.Errorf("own commit = %+v", cs[1])
	}
	if !reflect.DeepEqual(cs[0].ChangeIDs, []string{otherID}) {
		t.Errorf("extra commit Change-Ids = %v", cs[0].ChangeIDs)
	}
	var paths []string
	for _, fl := range d.Files() {
		paths = append(paths, fl.Path)
	}
	if want := []string{"README", "docs/esc.md", "extension.json", "includes/Foo.php"}; !reflect.DeepEqual(paths, want) {
		t.Errorf("files = %v, want %v", paths, want)
	}
	checks := map[string]Kind{
		"commit " + f.own:                           KindCommit,
		"Author: ":                                  KindCommitMeta,
		"    Use uca-default":                       KindMessage,
		"diff --git a/includes/Foo.php":             KindFileHeader,
		"index ":                                    KindFileMeta,
		"--- a/includes/Foo.php":                    KindFileMeta,
		"+++ b/includes/Foo.php":                    KindFileMeta,
		"@@ ":                                       KindHunk,
		"-\t\t$collation = 'uppercase';":            KindDel,
		"+\t\t$collation = 'uca-default';":          KindAdd,
		"+\t\t// T12345: follow the wiki's setting": KindAdd,
		" \t\treturn $collation;":                   KindContext,
	}
	for prefix, k := range checks {
		if n := lineOf(t, f.patch, prefix); d.Kind(n) != k {
			t.Errorf("line %d %q: kind %d, want %d", n, prefix, d.Kind(n), k)
		}
	}
	foo := lineOf(t, f.patch, "+\t\t$collation")
	if fi := d.FileAt(foo); fi < 0 || d.Files()[fi].Path != "includes/Foo.php" {
		t.Errorf("FileAt(%d) = %d", foo, fi)
	}
	if c := d.CommitAt(foo); c != 1 {
		t.Errorf("CommitAt(%d) = %d, want 1", foo, c)
	}
	if fi := d.FileAt(lineOf(t, f.patch, "    Use uca-default")); fi != -1 {
		t.Errorf("a commit message line is in file %d", fi)
	}
}

// Indexing in tiny chunks must find exactly what one pass finds: lines cut
// at chunk boundaries, messages spanning chunks, everything.
func TestIndexChunkBoundaries(t *testing.T) {
	f := newFixture(t)
	whole := fromBytes("p", f.patch)
	for _, size := range []int64{1, 7, 37, 128, 1000} {
		d := newDoc("p", bytes.NewReader(f.patch), int64(len(f.patch)))
		for i := 0; !d.Done(); i++ {
			if i > len(f.patch)*2 {
				t.Fatalf("chunk %d: indexing does not end", size)
			}
			_ = d.apply(scan(d.r, d.size, d.st, size))
		}
		if !reflect.DeepEqual(d.offsets, whole.offsets) || !reflect.DeepEqual(d.kinds, whole.kinds) {
			t.Fatalf("chunk %d: offsets/kinds differ from a single pass", size)
		}
		if !reflect.DeepEqual(d.commits, whole.commits) || !reflect.DeepEqual(d.files, whole.files) {
			t.Fatalf("chunk %d: commits/files differ:\n%+v\n%+v", size, d.commits, whole.commits)
		}
	}
}

func TestReadLines(t *testing.T) {
	d := fromBytes("p", []byte("a\r\nbb\n\nlast without newline"))
	got, err := d.ReadLines(0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "bb", "", "last without newline"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("ReadLines = %q, want %q", got, want)
	}
	if got, _ := d.ReadLines(1, 2); !reflect.DeepEqual(got, []string{"bb"}) {
		t.Fatalf("ReadLines(1,2) = %q", got)
	}
}

func TestOpenRefusesWhatIsNotAFile(t *testing.T) {
	if _, err := Open(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("Open(dir) = %v", err)
	}
	if _, err := Open("/nonexistent/incoming.patch"); err == nil || !strings.Contains(err.Error(), "cannot open the patch") {
		t.Fatalf("Open(missing) = %v", err)
	}
}

func TestMergeAndSubmoduleLines(t *testing.T) {
	patch := "commit " + strings.Repeat("a", 40) + "\n" +
		"Merge: 1234567 89abcde\n" +
		"Author: A <a@example.org>\n\n    Merge branch 'x'\n\n" +
		"commit " + strings.Repeat("b", 40) + "\n" +
		"Author: A <a@example.org>\n\n    Update git submodules\n\n    * Update extensions/Echo from branch 'wmf/1.44.0-wmf.5'\n      to 0123\n\n      - Fix\n\n        Change-Id: " + changeID + "\n\n" +
		"Submodule extensions/Echo 1111111..2222222:\n  > Fix\n" +
		"diff --git a/extensions/Echo b/extensions/Echo\nindex 1111111..2222222 160000\n--- a/extensions/Echo\n+++ b/extensions/Echo\n@@ -1 +1 @@\n-Subproject commit 1111111\n+Subproject commit 2222222\n"
	d := fromBytes("p", []byte(patch))
	cs := d.Commits()
	if len(cs) != 2 || !cs[0].Merge || cs[1].Merge {
		t.Fatalf("commits = %+v", cs)
	}
	if !reflect.DeepEqual(cs[1].ChangeIDs, []string{changeID}) {
		t.Errorf("submodule bump Change-Ids = %v (the indented footer must count)", cs[1].ChangeIDs)
	}
	if len(d.Files()) != 2 || d.Files()[0].Path != "extensions/Echo" {
		t.Errorf("files = %+v", d.Files())
	}
}
