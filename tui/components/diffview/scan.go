package diffview

import (
	"bytes"
	"io"
	"strings"

	"porthole/gitops/gitlog"
)

// scanState carries the scanner's position and mode from one chunk to the next.
type scanState struct {
	Offset  int64 // where the next chunk starts (always a line start)
	Line    int   // number of the next line
	Mode    mode
	Commit  int  // index of the current commit, -1 before the first
	Subject bool // the current commit's subject has been seen
	Done    bool
}

// mode is the part of a commit the scanner is in.
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
