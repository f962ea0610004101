package gitops

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// RepoStatus is a repository's state before a fetch: where HEAD is, how it
// relates to its upstream, the local commits on top (on the deployment host:
// security patches), and every entry `git status` reports.
type RepoStatus struct {
	Dir      string
	Head     string // commit HEAD points at; "" on an unborn branch
	Branch   string // checked-out branch; "" when HEAD is detached
	Upstream string // e.g. origin/wmf/1.44.0-wmf.5; "" when none is set
	Ahead    int    // commits in HEAD not in the upstream
	Behind   int    // commits in the upstream not in HEAD
	// LocalCommits are @{u}..HEAD, newest first: on the deployment host these
	// are the security patches, expected and shown as such.
	LocalCommits []Commit
	Entries      []Entry
	// Submodules holds a state for every submodule whose checked-out commit
	// differs from the one HEAD records.
	Submodules []SubmoduleState
}

// Entry is one line of `git status --porcelain=v2`.
type Entry struct {
	Kind     byte   // '1' changed, '2' renamed/copied, 'u' unmerged, '?' untracked, '!' ignored
	XY       string // index and worktree status, e.g. ".M"; "??" for untracked
	Path     string
	OrigPath string // for renames and copies
	// Submodule fields, from the <sub> field "S<c><m><u>".
	Submodule     bool
	CommitChanged bool // the submodule's checked-out commit differs from the index
	Modified      bool // the submodule has tracked changes
	Untracked     bool // the submodule has untracked files
	Recorded      string
}

// String renders the entry the way `git status --short` would, roughly.
func (e Entry) String() string {
	xy := strings.ReplaceAll(e.XY, ".", " ")
	if e.OrigPath != "" {
		return fmt.Sprintf("%s %s -> %s", xy, e.OrigPath, e.Path)
	}
	return fmt.Sprintf("%s %s", xy, e.Path)
}

// Relation says how a submodule's checked-out commit relates to the one its
// superproject records.
type Relation string

// Relations of a submodule's checkout to the recorded commit.
const (
	SubSame        Relation = "same"            // checked out == recorded
	SubAhead       Relation = "ahead"           // local commits on top of recorded (security patches)
	SubBehind      Relation = "behind"          // checked out is an ancestor: `git submodule update` was forgotten
	SubDiverged    Relation = "diverged"        // neither contains the other
	SubMissing     Relation = "recorded-absent" // the recorded commit is not in the submodule's objects yet
	SubUninitState Relation = "uninitialized"   // not checked out at all
)

// SubmoduleState is what a superproject records for a submodule and what is
// really checked out there.
type SubmoduleState struct {
	Path       string
	Recorded   string // the gitlink in HEAD
	CheckedOut string // the submodule's HEAD; "" when not initialised
	Relation   Relation
	// LocalCommits are recorded..checked-out when the checkout is ahead or
	// has diverged: commits only the checkout has (security patches, or a
	// patch made on an older recorded commit), newest first.
	LocalCommits []Commit
}

// Status reads the repository's state the way a careful deployer would before
// a fetch: `git status --porcelain=v2 --branch`, then `git log @{u}..HEAD` for
// local commits and, for each submodule whose commit moved, its relation to
// the recorded one.
func Status(ctx context.Context, run Run, dir string) (*RepoStatus, error) {
	o, err := out(ctx, run, dir, "status", "--porcelain=v2", "--branch")
	if err != nil {
		return nil, err
	}
	st, err := ParseStatus(o)
	if err != nil {
		return nil, fmt.Errorf("git status in %s: %w", dir, err)
	}
	st.Dir = dir
	if st.Upstream != "" && st.Ahead > 0 {
		st.LocalCommits, err = Log(ctx, run, dir, "@{u}..HEAD")
		if err != nil {
			return nil, err
		}
	}
	for _, e := range st.Entries {
		if !e.Submodule || !e.CommitChanged {
			continue
		}
		ss, err := subState(ctx, run, dir, e.Path, e.Recorded)
		if err != nil {
			return nil, err
		}
		st.Submodules = append(st.Submodules, *ss)
	}
	return st, nil
}

// ParseStatus parses `git status --porcelain=v2 --branch` output (without -z).
func ParseStatus(o string) (*RepoStatus, error) {
	st := &RepoStatus{}
	for _, line := range strings.Split(o, "\n") {
		if line == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "# "); ok {
			k, v, _ := strings.Cut(rest, " ")
			switch k {
			case "branch.oid":
				if v != "(initial)" {
					st.Head = v
				}
			case "branch.head":
				if v != "(detached)" {
					st.Branch = v
				}
			case "branch.upstream":
				st.Upstream = v
			case "branch.ab":
				if _, err := fmt.Sscanf(v, "+%d -%d", &st.Ahead, &st.Behind); err != nil {
					return nil, fmt.Errorf("bad branch.ab line %q", line)
				}
			}
			continue
		}
		e, err := parseEntry(line)
		if err != nil {
			return nil, err
		}
		st.Entries = append(st.Entries, e)
	}
	return st, nil
}

func parseEntry(line string) (Entry, error) {
	bad := fmt.Errorf("unexpected git status line %q", line)
	if len(line) < 3 {
		return Entry{}, bad
	}
	e := Entry{Kind: line[0]}
	var f []string
	var p string
	switch line[0] {
	case '?', '!':
		e.XY = string([]byte{line[0], line[0]})
		p = line[2:]
	case '1':
		f = strings.SplitN(line, " ", 9)
		if len(f) != 9 {
			return e, bad
		}
		p = f[8]
	case '2':
		f = strings.SplitN(line, " ", 10)
		if len(f) != 10 {
			return e, bad
		}
		paths := f[9]
		np, op, ok := splitRename(paths)
		if !ok {
			return e, bad
		}
		p = np
		orig, err := unquotePath(op)
		if err != nil {
			return e, bad
		}
		e.OrigPath = orig
	case 'u':
		f = strings.SplitN(line, " ", 11)
		if len(f) != 11 {
			return e, bad
		}
		p = f[10]
	default:
		return e, bad
	}
	if f != nil {
		e.XY = f[1]
		sub := f[2]
		if len(sub) == 4 && sub[0] == 'S' {
			e.Submodule = true
			e.CommitChanged = sub[1] == 'C'
			e.Modified = sub[2] == 'M'
			e.Untracked = sub[3] == 'U'
			if line[0] == '1' || line[0] == '2' {
				e.Recorded = f[6] // hH: the object (commit, for a gitlink) in HEAD
			}
		}
	}
	path, err := unquotePath(p)
	if err != nil {
		return e, bad
	}
	e.Path = path
	return e, nil
}

// splitRename splits "<path>\t<origPath>" (porcelain v2 without -z).
func splitRename(s string) (string, string, bool) {
	if strings.HasPrefix(s, `"`) {
		// the new path is quoted: find its closing quote
		for i := 1; i < len(s); i++ {
			if s[i] == '\\' {
				i++
				continue
			}
			if s[i] == '"' {
				if i+1 < len(s) && s[i+1] == '\t' {
					return s[:i+1], s[i+2:], true
				}
				return "", "", false
			}
		}
		return "", "", false
	}
	a, b, ok := strings.Cut(s, "\t")
	return a, b, ok
}

// unquotePath undoes git's C-style quoting of unusual path names.
func unquotePath(p string) (string, error) {
	if !strings.HasPrefix(p, `"`) {
		return p, nil
	}
	return strconv.Unquote(p)
}

// subState relates a submodule's checkout to the commit recorded for it.
func subState(ctx context.Context, run Run, dir, sub, recorded string) (*SubmoduleState, error) {
	ss := &SubmoduleState{Path: sub, Recorded: recorded}
	sdir := path.Join(dir, sub)
	head, err := out(ctx, run, sdir, "rev-parse", "--verify", "-q", "HEAD")
	if err != nil {
		var ge *Error
		if errors.As(err, &ge) {
			ss.Relation = SubUninitState
			return ss, nil
		}
		return nil, err
	}
	ss.CheckedOut = head
	switch {
	case head == recorded:
		ss.Relation = SubSame
		return ss, nil
	}
	if ok, err := hasCommit(ctx, run, sdir, recorded); err != nil {
		return nil, err
	} else if !ok {
		ss.Relation = SubMissing
		return ss, nil
	}
	if ok, err := IsAncestor(ctx, run, sdir, recorded, head); err != nil {
		return nil, err
	} else if ok {
		ss.Relation = SubAhead
		ss.LocalCommits, err = Log(ctx, run, sdir, recorded+".."+head)
		if err != nil {
			return nil, err
		}
		return ss, nil
	}
	if ok, err := IsAncestor(ctx, run, sdir, head, recorded); err != nil {
		return nil, err
	} else if ok {
		ss.Relation = SubBehind
		return ss, nil
	}
	ss.Relation = SubDiverged
	ss.LocalCommits, err = Log(ctx, run, sdir, recorded+".."+head)
	if err != nil {
		return nil, err
	}
	return ss, nil
}

// hasCommit is true when sha names a commit present in the repository.
func hasCommit(ctx context.Context, run Run, dir, sha string) (bool, error) {
	_, err := git(ctx, run, dir, "cat-file", "-e", sha+"^{commit}")
	if err != nil {
		var ge *Error
		if errors.As(err, &ge) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// IsAncestor runs `git merge-base --is-ancestor a b`: true when a is b or one
// of its ancestors.
func IsAncestor(ctx context.Context, run Run, dir, a, b string) (bool, error) {
	_, err := git(ctx, run, dir, "merge-base", "--is-ancestor", "--end-of-options", a, b)
	if err == nil {
		return true, nil
	}
	if saidNo(err) {
		return false, nil
	}
	return false, err
}
