package diffview

import (
	"bytes"
	"io"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// matcher finds a literal query, case-insensitively unless the query has an
// upper-case letter (smart case, like less -i / vim smartcase).
type matcher struct {
	query string
	re    *regexp.Regexp
}

func newMatcher(q string) *matcher {
	if q == "" {
		return nil
	}
	pat := regexp.QuoteMeta(q)
	if !strings.ContainsFunc(q, unicode.IsUpper) {
		pat = "(?i)" + pat
	}
	return &matcher{query: q, re: regexp.MustCompile(pat)}
}

// spans returns the matches in one line of display text.
func (m *matcher) spans(text string) []span {
	if m == nil || text == "" {
		return nil
	}
	var out []span
	for _, loc := range m.re.FindAllStringIndex(text, -1) {
		if loc[1] > loc[0] {
			out = append(out, span{start: int32(loc[0]), end: int32(loc[1])})
		}
	}
	return out
}

// searchChunk is how much of the file one read of a search covers.
const searchChunk = 1 << 20

// searchResult is where a search landed.
type searchResult struct {
	line    int
	found   bool
	wrapped bool
}

// search looks for the next (or previous) line matching re, starting at line
// from (forward: from itself included; backward: lines before from), and
// wraps around once. offsets is a read-only snapshot of the index and end the
// byte where indexed lines stop. It reads the file in chunks and touches
// nothing else, so it runs as a command.
func search(r io.ReaderAt, offsets []int64, end int64, from int, forward bool, re *regexp.Regexp) searchResult {
	if len(offsets) == 0 {
		return searchResult{}
	}
	from = max(0, min(from, len(offsets)))
	pivot := end
	if from < len(offsets) {
		pivot = offsets[from]
	}
	lineOf := func(off int64) int {
		return sort.Search(len(offsets), func(i int) bool { return offsets[i] > off }) - 1
	}
	if forward {
		if off, ok := scanForward(r, pivot, end, re); ok {
			return searchResult{line: lineOf(off), found: true}
		}
		if off, ok := scanForward(r, 0, pivot, re); ok {
			return searchResult{line: lineOf(off), found: true, wrapped: true}
		}
		return searchResult{}
	}
	if off, ok := scanBackward(r, 0, pivot, re); ok {
		return searchResult{line: lineOf(off), found: true}
	}
	if off, ok := scanBackward(r, pivot, end, re); ok {
		return searchResult{line: lineOf(off), found: true, wrapped: true}
	}
	return searchResult{}
}

// readLinesAt reads [a, b) and trims it back to the last newline unless it
// reaches b, so that no line (and no match) is cut in two.
func readLinesAt(r io.ReaderAt, a, b int64) ([]byte, int64) {
	n := min(int64(searchChunk), b-a)
	buf := make([]byte, n)
	got, _ := r.ReadAt(buf, a)
	buf = buf[:got]
	if a+int64(got) < b {
		if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
			buf = buf[:i+1]
		}
	}
	return buf, a + int64(len(buf))
}

func scanForward(r io.ReaderAt, a, b int64, re *regexp.Regexp) (int64, bool) {
	for a < b {
		buf, next := readLinesAt(r, a, b)
		if len(buf) == 0 {
			return 0, false
		}
		if loc := re.FindIndex(buf); loc != nil {
			return a + int64(loc[0]), true
		}
		a = next
	}
	return 0, false
}

func scanBackward(r io.ReaderAt, a, b int64, re *regexp.Regexp) (int64, bool) {
	for b > a {
		start := max(a, b-searchChunk)
		buf := make([]byte, b-start)
		got, _ := r.ReadAt(buf, start)
		buf = buf[:got]
		if start > a { // begin at a line start so no match is cut
			if i := bytes.IndexByte(buf, '\n'); i >= 0 && i+1 < len(buf) {
				buf = buf[i+1:]
				start += int64(i + 1)
			}
		}
		if locs := re.FindAllIndex(buf, -1); len(locs) > 0 {
			return start + int64(locs[len(locs)-1][0]), true
		}
		b = start
	}
	return 0, false
}
