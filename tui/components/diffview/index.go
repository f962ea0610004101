package diffview

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Kind classifies one line of `git log -p` output.
type Kind uint8

// Line kinds, from the structure of `git log -p`.
const (
	KindOther      Kind = iota
	KindCommit          // commit <sha>
	KindCommitMeta      // Author:, Date:, Merge:
	KindMessage         // the indented commit message and the blank lines around it
	KindFileHeader      // diff --git a/X b/X (or a "Submodule X a..b:" summary)
	KindFileMeta        // index, ---, +++, new file mode, rename, Binary files …
	KindHunk            // @@ -a,b +c,d @@
	KindAdd             // +line
	KindDel             // -line
	KindContext         // ␠line
	KindNoNewline       // \ No newline at end of file
)

// Commit is one commit of the log, found while indexing.
type Commit struct {
	Line      int      // line number of its "commit" line
	SHA       string   // full hash
	Subject   string   // first message line
	ChangeIDs []string // every Change-Id footer, including the indented ones of submodule bumps
	Merge     bool     // a merge commit (it has a "Merge:" line)
}

// File is one file section of a commit.
type File struct {
	Line   int    // line number of its "diff --git" line
	Commit int    // index into Commits; -1 before the first commit
	Path   string // the new path ("b/" side), or the old one for a deletion
}

// chunkSize is how much of the file one indexing step scans.
const chunkSize = 4 << 20

// firstChunk is what Open scans before the first screen is shown: a few
// tall screens of lines (the rest is indexed in the background after the first
// frame; scanning 256 KiB here cost 0.5 ms of the cold start).
const firstChunk = 32 << 10

// Doc is a `git log -p` file indexed lazily: line offsets, line kinds, and
// commit and file boundaries are found chunk by chunk as the scan goes.
// Lines are read from the file only when they are about to be shown.
type Doc struct {
	Path    string
	size    int64
	r       io.ReaderAt
	closer  io.Closer
	offsets []int64 // start of each indexed line
	kinds   []Kind
	commits []Commit
	files   []File
	st      scanState
}

// Open opens a `git log -p` file and indexes its first chunk.
func Open(path string) (*Doc, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot open the patch: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot read the patch: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	d := newDoc(path, f, fi.Size())
	d.closer = f
	if err := d.apply(scan(d.r, d.size, d.st, firstChunk)); err != nil {
		f.Close()
		return nil, err
	}
	return d, nil
}

// newDoc is a Doc of r, nothing indexed yet.
func newDoc(path string, r io.ReaderAt, size int64) *Doc {
	return &Doc{Path: path, r: r, size: size, st: scanState{Commit: -1, Done: size == 0}}
}

// Close releases the file.
func (d *Doc) Close() error {
	if d.closer != nil {
		return d.closer.Close()
	}
	return nil
}

// Lines is how many lines are indexed so far.
func (d *Doc) Lines() int { return len(d.offsets) }

// Size is the file's size in bytes.
func (d *Doc) Size() int64 { return d.size }

// Indexed is how many bytes have been scanned.
func (d *Doc) Indexed() int64 { return d.st.Offset }

// Done is true once the whole file is indexed.
func (d *Doc) Done() bool { return d.st.Done }

// Kind is the kind of line n.
func (d *Doc) Kind(n int) Kind { return d.kinds[n] }

// Commits are the commits indexed so far.
func (d *Doc) Commits() []Commit { return d.commits }

// Files are the file sections indexed so far.
func (d *Doc) Files() []File { return d.files }

// CommitAt is the index of the commit line n belongs to, or -1.
func (d *Doc) CommitAt(n int) int {
	i := sort.Search(len(d.commits), func(i int) bool { return d.commits[i].Line > n })
	return i - 1
}

// FileAt is the index of the file section line n belongs to, or -1 when the
// line is outside any file (commit header, message).
func (d *Doc) FileAt(n int) int {
	i := sort.Search(len(d.files), func(i int) bool { return d.files[i].Line > n }) - 1
	if i < 0 {
		return -1
	}
	if c := d.CommitAt(n); c >= 0 && d.commits[c].Line > d.files[i].Line {
		return -1 // a new commit started after that file
	}
	return i
}

// ReadLines reads lines [from, to) from the file. Only indexed lines can be read.
func (d *Doc) ReadLines(from, to int) ([]string, error) {
	if from < 0 {
		from = 0
	}
	if to > len(d.offsets) {
		to = len(d.offsets)
	}
	if from >= to {
		return nil, nil
	}
	start := d.offsets[from]
	end := d.st.Offset
	if to < len(d.offsets) {
		end = d.offsets[to]
	}
	buf := make([]byte, end-start)
	n, err := d.r.ReadAt(buf, start)
	if err != nil && !(errors.Is(err, io.EOF) && int64(n) == end-start) {
		return nil, fmt.Errorf("reading %s: %w (was the file changed while open?)", d.Path, err)
	}
	out := make([]string, 0, to-from)
	s := string(buf)
	for i := from; i < to; i++ {
		var ln string
		if i+1 < to {
			l := int(d.offsets[i+1] - d.offsets[i])
			ln, s = s[:l], s[l:]
		} else {
			ln = s
		}
		ln = strings.TrimSuffix(ln, "\n")
		ln = strings.TrimSuffix(ln, "\r")
		out = append(out, ln)
	}
	return out, nil
}

// apply appends a scanned chunk to the index.
func (d *Doc) apply(c chunk) error {
	if c.st.Offset < d.st.Offset {
		return fmt.Errorf("indexing %s went backwards", d.Path)
	}
	d.offsets = append(d.offsets, c.offsets...)
	d.kinds = append(d.kinds, c.kinds...)
	d.commits = append(d.commits, c.commits...)
	d.files = append(d.files, c.files...)
	for i, s := range c.subjects {
		if i < len(d.commits) {
			d.commits[i].Subject = s
		}
	}
	for i := range c.merges {
		if i < len(d.commits) {
			d.commits[i].Merge = true
		}
	}
	for i, ids := range c.ids {
		if i < len(d.commits) {
			d.commits[i].ChangeIDs = append(d.commits[i].ChangeIDs, ids...)
		}
	}
	d.st = c.st
	return nil
}
