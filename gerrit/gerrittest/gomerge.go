package gerrittest

import (
	"io"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/go-git/go-git/v5/utils/diff"
	"github.com/sergi/go-diff/diffmatchpatch"
)

// mergeTree merges two commits without a work tree, as Gerrit's merge
// strategy does for a submit: paths changed on one side take that side;
// a file changed on both merges line by line when the changes do not touch
// (changes to the same or adjacent lines conflict, as in git). ok is false
// on conflict. Renames are not followed (a rename against a modification
// is a conflict here, where git's ort strategy could merge it).
func mergeTree(dir, ours, theirs string) (tree string, ok bool, err error) {
	st := openDir(dir)
	co, err := object.GetCommit(st, plumbing.NewHash(ours))
	if err != nil {
		return "", false, err
	}
	ct, err := object.GetCommit(st, plumbing.NewHash(theirs))
	if err != nil {
		return "", false, err
	}
	bases, err := co.MergeBase(ct)
	if err != nil {
		return "", false, err
	}
	base := ""
	if len(bases) > 0 {
		base = bases[0].Hash.String()
	}
	return mergeTrees(st, base, ours, theirs)
}

// mergeTrees merges the trees of commits ours and theirs from base ("" for
// none); a cherry-pick gives the picked commit's parent as base.
func mergeTrees(st *filesystem.Storage, base, ours, theirs string) (tree string, ok bool, err error) {
	fb, err := flatTree(st, base)
	if err != nil {
		return "", false, err
	}
	fo, err := flatTree(st, ours)
	if err != nil {
		return "", false, err
	}
	ft, err := flatTree(st, theirs)
	if err != nil {
		return "", false, err
	}
	out := map[string]treeEntry{}
	paths := map[string]bool{}
	for _, m := range []map[string]treeEntry{fb, fo, ft} {
		for p := range m {
			paths[p] = true
		}
	}
	for p := range paths {
		e, keep, clean, err := mergePath(st, fb[p], fo[p], ft[p])
		if err != nil || !clean {
			return "", false, err
		}
		if keep {
			out[p] = e
		}
	}
	if fileDirClash(out) {
		return "", false, nil
	}
	h, err := storeTree(st, out, "")
	return h.String(), err == nil, err
}

// mergePath merges one path; absent entries have a zero hash. keep is
// false when the merged result has no file there.
func mergePath(st *filesystem.Storage, b, o, t treeEntry) (e treeEntry, keep, clean bool, err error) {
	switch {
	case o == t:
		return o, !o.Hash.IsZero(), true, nil
	case o == b:
		return t, !t.Hash.IsZero(), true, nil
	case t == b:
		return o, !o.Hash.IsZero(), true, nil
	}
	if b.Hash.IsZero() || o.Hash.IsZero() || t.Hash.IsZero() || !isFile(b.Mode) || !isFile(o.Mode) || !isFile(t.Mode) {
		return treeEntry{}, false, false, nil // added twice, deleted against modified, gitlinks
	}
	mode := o.Mode
	if o.Mode == b.Mode {
		mode = t.Mode
	}
	if o.Mode != b.Mode && t.Mode != b.Mode && o.Mode != t.Mode {
		return treeEntry{}, false, false, nil
	}
	texts := make([]string, 3)
	for i, h := range []plumbing.Hash{b.Hash, o.Hash, t.Hash} {
		blob, err := object.GetBlob(st, h)
		if err != nil {
			return treeEntry{}, false, false, err
		}
		if texts[i], err = blobText(blob); err != nil {
			return treeEntry{}, false, false, err
		}
		if strings.IndexByte(texts[i], 0) >= 0 {
			return treeEntry{}, false, false, nil // binary
		}
	}
	merged, ok := merge3(texts[0], texts[1], texts[2])
	if !ok {
		return treeEntry{}, false, false, nil
	}
	h, err := writeBlob(st, merged)
	return treeEntry{mode, h}, true, true, err
}

func isFile(m filemode.FileMode) bool { return m == filemode.Regular || m == filemode.Executable }

func blobText(b *object.Blob) (string, error) {
	r, err := b.Reader()
	if err != nil {
		return "", err
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	return string(data), err
}

// fileDirClash is true when a path is both a file and a directory.
func fileDirClash(files map[string]treeEntry) bool {
	for p := range files {
		for i := strings.IndexByte(p, '/'); i >= 0; i = nextSlash(p, i) {
			if _, ok := files[p[:i]]; ok {
				return true
			}
		}
	}
	return false
}

func nextSlash(p string, i int) int {
	j := strings.IndexByte(p[i+1:], '/')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// hunk replaces base lines [start, end) with lines.
type hunk struct {
	start, end int
	lines      []string
}

// hunks are the changes from base to text, in base line numbers.
func hunks(base, text string) []hunk {
	var out []hunk
	line := 0
	var cur *hunk
	for _, d := range diff.Do(base, text) {
		ls := splitKeep(d.Text)
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			if cur != nil {
				out = append(out, *cur)
				cur = nil
			}
			line += len(ls)
		case diffmatchpatch.DiffDelete:
			if cur == nil {
				cur = &hunk{start: line, end: line}
			}
			line += len(ls)
			cur.end = line
		case diffmatchpatch.DiffInsert:
			if cur == nil {
				cur = &hunk{start: line, end: line}
			}
			cur.lines = append(cur.lines, ls...)
		}
	}
	if cur != nil {
		out = append(out, *cur)
	}
	return out
}

// splitKeep splits text into lines, each with its newline.
func splitKeep(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

// merge3 merges ours and theirs, both edits of base; ok is false when
// their changes touch the same or adjacent base lines (and differ).
func merge3(base, ours, theirs string) (string, bool) {
	type side struct {
		h    hunk
		ours bool
	}
	var all []side
	for _, h := range hunks(base, ours) {
		all = append(all, side{h, true})
	}
	for _, h := range hunks(base, theirs) {
		all = append(all, side{h, false})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].h.start < all[j].h.start })
	var kept []hunk
	for i, s := range all {
		if i > 0 {
			prev := all[i-1]
			if prev.ours != s.ours && s.h.start <= prev.h.end {
				if prev.h.start == s.h.start && prev.h.end == s.h.end && strings.Join(prev.h.lines, "") == strings.Join(s.h.lines, "") {
					continue // the same change on both sides
				}
				return "", false
			}
		}
		kept = append(kept, s.h)
	}
	bl := splitKeep(base)
	var b strings.Builder
	at := 0
	for _, h := range kept {
		for ; at < h.start; at++ {
			b.WriteString(bl[at])
		}
		for _, l := range h.lines {
			b.WriteString(l)
		}
		at = h.end
	}
	for ; at < len(bl); at++ {
		b.WriteString(bl[at])
	}
	return b.String(), true
}
