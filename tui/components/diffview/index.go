package diffview

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"porthole/gitops/gitlog"
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

// scanState carries the scanner's position and mode from one chunk to the next.
type scanState struct {
	Offset  int64 // where the next chunk starts (always a line start)
	Line    int   // number of the next line
	Mode    mode
	Commit  int  // index of the current commit, -1 before the first
	Subject bool // the current commit's subject has been seen
	Done    bool
}

type mode uint8

const (
	modeNone mode = iota
	modeCommitHeader
	modeMessage
	modeFileHeader
	modeHunk
)

// chunk is the result of scanning one piece of the file; it is computed off
// the UI goroutine and applied with Doc.apply.
type chunk struct {
	offsets  []int64
	kinds    []Kind
	commits  []Commit
	files    []File
	subjects map[int]string   // commit index → subject found in this chunk
	ids      map[int][]string // commit index → Change-Ids found in this chunk
	merges   map[int]bool     // commit index → is a merge
	st       scanState
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

// scan indexes up to limit bytes from st.Offset. It only reads d's file and
// returns what it found, so it can run off the UI goroutine.
func scan(r io.ReaderAt, size int64, st scanState, limit int64) chunk {
	c := chunk{st: st}
	if st.Done || st.Offset >= size {
		c.st.Done = true
		return c
	}
	n := min(limit, size-st.Offset)
	buf := make([]byte, n)
	got, err := r.ReadAt(buf, st.Offset)
	buf = buf[:got]
	eof := st.Offset+int64(got) >= size || (err != nil && got == 0)
	pos := 0
	for pos < len(buf) {
		nl := bytes.IndexByte(buf[pos:], '\n')
		var line []byte
		next := 0
		if nl < 0 {
			if !eof {
				break // an incomplete line: the next chunk starts with it
			}
			line, next = buf[pos:], len(buf)
		} else {
			line, next = buf[pos:pos+nl], pos+nl+1
		}
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		c.offsets = append(c.offsets, st.Offset+int64(pos))
		c.kinds = append(c.kinds, c.classify(line))
		c.st.Line++
		pos = next
	}
	if pos == 0 && !eof && len(buf) > 0 {
		// One line longer than the chunk: take it whole, as one line.
		return scan(r, size, st, limit*2)
	}
	c.st.Offset = st.Offset + int64(pos)
	c.st.Done = c.st.Offset >= size || (eof && pos >= len(buf))
	return c
}

// classify decides the kind of one line and advances the scanner's mode.
func (c *chunk) classify(line []byte) Kind {
	st := &c.st
	switch {
	case c.commit(line):
		return KindCommit
	case bytes.HasPrefix(line, []byte("diff --git ")), bytes.HasPrefix(line, []byte("diff --cc ")),
		bytes.HasPrefix(line, []byte("diff --combined ")):
		st.Mode = modeFileHeader
		c.files = append(c.files, File{Line: st.Line, Commit: st.Commit, Path: diffPath(line)})
		return KindFileHeader
	case st.Mode != modeHunk && bytes.HasPrefix(line, []byte("Submodule ")):
		c.files = append(c.files, File{Line: st.Line, Commit: st.Commit, Path: submodulePath(line)})
		st.Mode = modeNone
		return KindFileHeader
	}
	switch st.Mode {
	case modeCommitHeader:
		if len(line) == 0 {
			st.Mode = modeMessage
			return KindMessage
		}
		if bytes.HasPrefix(line, []byte("Merge:")) && st.Commit >= 0 {
			if c.merges == nil {
				c.merges = map[int]bool{}
			}
			c.merges[st.Commit] = true
		}
		return KindCommitMeta
	case modeMessage:
		c.message(line)
		return KindMessage
	case modeFileHeader:
		if bytes.HasPrefix(line, []byte("@@")) {
			st.Mode = modeHunk
			return KindHunk
		}
		if bytes.HasPrefix(line, []byte("+++ ")) {
			if p := metaPath(line[4:]); p != "" && len(c.files) > 0 {
				c.files[len(c.files)-1].Path = p
			}
		}
		return KindFileMeta
	case modeHunk:
		if len(line) == 0 {
			return KindContext
		}
		switch line[0] {
		case '+':
			return KindAdd
		case '-':
			return KindDel
		case ' ':
			return KindContext
		case '\\':
			return KindNoNewline
		case '@':
			if bytes.HasPrefix(line, []byte("@@")) {
				return KindHunk
			}
		}
		st.Mode = modeNone
		return KindOther
	}
	return KindOther
}

// commit starts a new commit when line is a "commit <sha>" line.
func (c *chunk) commit(line []byte) bool {
	sha, ok := gitlog.CommitHeader(line)
	if !ok {
		return false
	}
	st := &c.st
	st.Mode, st.Subject = modeCommitHeader, false
	st.Commit++
	c.commits = append(c.commits, Commit{Line: st.Line, SHA: sha})
	return true
}

// message records the subject and Change-Ids of the current commit.
func (c *chunk) message(line []byte) {
	st := &c.st
	t := bytes.TrimSpace(line)
	if len(t) == 0 || st.Commit < 0 {
		return
	}
	if !st.Subject {
		st.Subject = true
		if c.subjects == nil {
			c.subjects = map[int]string{}
		}
		c.subjects[st.Commit] = string(t)
	}
	if id, ok := gitlog.ChangeIDLine(t); ok {
		if c.ids == nil {
			c.ids = map[int][]string{}
		}
		c.ids[st.Commit] = append(c.ids[st.Commit], id)
	}
}

// diffPath reads the path of a "diff --git a/X b/X" line (the b side).
func diffPath(line []byte) string {
	s := string(line)
	for _, p := range []string{"diff --git ", "diff --cc ", "diff --combined "} {
		s = strings.TrimPrefix(s, p)
	}
	if i := strings.LastIndex(s, " b/"); i >= 0 && strings.HasPrefix(s, "a/") {
		return s[i+3:]
	}
	if strings.HasPrefix(s, `"`) {
		return strings.Trim(s[strings.LastIndex(s, " ")+1:], `"`)
	}
	return s
}

// metaPath reads a "+++ b/X" path; "" for /dev/null.
func metaPath(p []byte) string {
	s := strings.TrimSpace(string(p))
	if s == "/dev/null" {
		return ""
	}
	s = strings.Trim(s, `"`)
	if i := strings.IndexByte(s, '\t'); i >= 0 {
		s = s[:i]
	}
	if strings.HasPrefix(s, "b/") {
		return s[2:]
	}
	return s
}

// submodulePath reads "Submodule extensions/Echo 1a2b..3c4d:".
func submodulePath(line []byte) string {
	f := strings.Fields(string(line))
	if len(f) >= 2 {
		return f[1]
	}
	return ""
}
