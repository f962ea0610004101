package gerrittest

import (
	"context"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	fdiff "github.com/go-git/go-git/v5/plumbing/format/diff"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Diffs between commits with go-git, as Gerrit's FileInfo and patch report
// them: renames detected, lines counted as git's numstat does.

// commitTrees are the trees of parent ("" for none: the empty tree) and commit.
func commitTrees(st *filesystem.Storage, parent, commit string) (*object.Tree, *object.Tree, error) {
	tree := func(sha string) (*object.Tree, error) {
		if sha == "" {
			return &object.Tree{}, nil
		}
		c, err := object.GetCommit(st, plumbing.NewHash(sha))
		if err != nil {
			return nil, err
		}
		return c.Tree()
	}
	a, err := tree(parent)
	if err != nil {
		return nil, nil, err
	}
	b, err := tree(commit)
	return a, b, err
}

// treeChanges are the changes from parent to commit, renames detected.
func treeChanges(st *filesystem.Storage, parent, commit string) (object.Changes, error) {
	a, b, err := commitTrees(st, parent, commit)
	if err != nil {
		return nil, err
	}
	return object.DiffTreeWithOptions(context.Background(), a, b, object.DefaultDiffTreeOptions)
}

// diffFiles lists what commit changes against parent ("" for a root commit).
func diffFiles(dir, parent, commit string) ([]fileStat, error) {
	st := openDir(dir)
	changes, err := treeChanges(st, parent, commit)
	if err != nil {
		return nil, err
	}
	var files []fileStat
	for _, ch := range changes {
		fs := fileStat{Path: ch.To.Name, Status: "M"}
		switch {
		case ch.From.Name == "":
			fs.Status = "A"
		case ch.To.Name == "":
			fs.Status, fs.Path = "D", ch.From.Name
		case ch.From.Name != ch.To.Name:
			fs.Status, fs.OldPath = "R", ch.From.Name
		}
		p, err := ch.Patch()
		if err != nil {
			return nil, err
		}
		for _, fp := range p.FilePatches() {
			if fp.IsBinary() {
				fs.Binary = true
				continue
			}
			for _, c := range fp.Chunks() {
				switch c.Type() {
				case fdiff.Add:
					fs.Inserted += countLines(c.Content())
				case fdiff.Delete:
					fs.Deleted += countLines(c.Content())
				}
			}
		}
		newSize, oldSize := blobSize(st, ch.To.TreeEntry), blobSize(st, ch.From.TreeEntry)
		fs.Size, fs.SizeDelta = newSize, newSize-oldSize
		files = append(files, fs)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

// countLines counts lines as git does: a last line without newline counts.
func countLines(s string) int {
	n := strings.Count(s, "\n")
	if s != "" && !strings.HasSuffix(s, "\n") {
		n++
	}
	return n
}

// blobSize is a blob's size; 0 for no entry or a gitlink.
func blobSize(st *filesystem.Storage, e object.TreeEntry) int64 {
	if e.Hash.IsZero() || e.Mode == filemode.Submodule {
		return 0
	}
	n, err := st.EncodedObjectSize(e.Hash)
	if err != nil {
		return 0
	}
	return n
}

// diffPatch is the unified diff of commit against parent, full object ids
// in the index lines as git diff-tree -p --binary writes them.
func diffPatch(dir, parent, commit string) (string, error) {
	st := openDir(dir)
	changes, err := treeChanges(st, parent, commit)
	if err != nil {
		return "", err
	}
	p, err := changes.Patch()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := fdiff.NewUnifiedEncoder(&b, fdiff.DefaultContextLines).Encode(p); err != nil {
		return "", err
	}
	return b.String(), nil
}
