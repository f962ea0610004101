// Package gitlog reads the lines of `git log` output that porthole
// recognises on their own. It imports nothing of porthole's, so the diff
// viewer can use it without the SSH and git machinery of package gitops.
package gitlog

import "bytes"

// The one reading of the lines of `git log` output that porthole recognises
// on their own: the "commit <sha>" line that starts each commit, and a
// Change-Id footer. The diff viewer, maintenance detection and the incoming
// check call these rather than keep rules of their own.

var commitPrefix = []byte("commit ")

// CommitHeader reads a "commit <sha>" line of `git log`: "commit ", a full
// SHA-1 (40) or SHA-256 (64) hash in lower-case hex, then the end of the line
// or a space (decorations, "(from …)"). A trailing "\r" is ignored. Indented
// lines (a message quoting a commit) and diff lines never match.
func CommitHeader(line []byte) (sha string, ok bool) {
	h := commitHash(line)
	if h == nil {
		return "", false
	}
	return string(h), true
}

// commitHash is CommitHeader's hash, without allocating; nil when line is
// not a "commit <sha>" line.
func commitHash(line []byte) []byte {
	if !bytes.HasPrefix(line, commitPrefix) {
		return nil
	}
	h := bytes.TrimSuffix(line[len(commitPrefix):], []byte("\r"))
	if i := bytes.IndexByte(h, ' '); i >= 0 {
		h = h[:i]
	}
	if (len(h) != 40 && len(h) != 64) || !isHex(h) {
		return nil
	}
	return h
}

// ChangeIDLine reads a "Change-Id: I<40 hex>" footer line, indented or not
// (Gerrit's "Update git submodules" commits quote them indented); the hex is
// lower-case, as Gerrit writes and accepts it.
func ChangeIDLine(line []byte) (id string, ok bool) {
	const p = "Change-Id:"
	t := bytes.TrimSpace(line)
	if !bytes.HasPrefix(t, []byte(p)) {
		return "", false
	}
	v := bytes.TrimSpace(t[len(p):])
	if len(v) != 41 || v[0] != 'I' || !isHex(v[1:]) {
		return "", false
	}
	return string(v), true
}

// SplitLog cuts a `git log` text at each "commit <sha>" line: pre is what
// comes before the first one (all of a plain diff), commits one part per
// commit, each starting with its commit line.
func SplitLog(b []byte) (pre []byte, commits [][]byte) {
	start := -1 // where the current commit began
	for pos := 0; pos < len(b); {
		next := len(b)
		if i := bytes.IndexByte(b[pos:], '\n'); i >= 0 {
			next = pos + i + 1
		}
		if b[pos] == 'c' && commitHash(bytes.TrimSuffix(b[pos:next], []byte("\n"))) != nil {
			if start < 0 {
				pre = b[:pos]
			} else {
				commits = append(commits, b[start:pos])
			}
			start = pos
		}
		pos = next
	}
	if start < 0 {
		return b, nil
	}
	return pre, append(commits, b[start:])
}

// isHex is true for a non-empty run of lower-case hex digits, as git prints
// hashes.
func isHex(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return len(b) > 0
}
