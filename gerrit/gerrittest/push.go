package gerrittest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"porthole/internal/lazyre"
	"slices"
	"sort"
	"strings"
)

var revertsRe = lazyre.New(`(?m)^This reverts commit ([0-9a-f]{7,40})`)

// ProcessPushes emulates Gerrit's receive for pushes to refs/for/BRANCH
// (with %topic=…, wip, ready options) made with plain git to the bare
// repositories: each new commit becomes a change (or a new patch set of the
// open change with its Change-Id), at refs/changes/NN/N/P, and the
// refs/for/ ref is deleted. It runs before every REST request too. It
// returns the numbers of the changes created or updated.
func (s *Server) ProcessPushes() ([]int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.processPushesLocked()
}

func (s *Server) processPushesLocked() ([]int, error) {
	names := make([]string, 0, len(s.projects))
	for n := range s.projects {
		names = append(names, n)
	}
	sort.Strings(names)
	var nums []int
	var errs []error
	for _, name := range names {
		p := s.projects[name]
		if !hasPendingPushes(p.Dir) {
			continue
		}
		refs, err := refsUnder(p.Dir, spoolRefs, "refs/for/")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, r := range refs {
			ref, sha := r[0], r[1]
			n, err := s.receiveLocked(p, ref, sha)
			nums = append(nums, n...)
			if err != nil {
				errs = append(errs, fmt.Errorf("gerrittest: push of %s to %s %s: %w", sha[:12], p.Name, pushedRef(ref), err))
			}
			if err := deleteRef(p.Dir, ref); err != nil {
				errs = append(errs, err)
			}
		}
		removeEmptyDirs(filepath.Join(p.Dir, "refs", "for"))
		removeEmptyDirs(filepath.Join(p.Dir, filepath.FromSlash(spoolRefs)))
	}
	return nums, errors.Join(errs...)
}

// spoolRefs is where the post-receive hook moves pushes to refs/for/.
const spoolRefs = "refs/gerrittest/pushes/"

// hasPendingPushes is a cheap check (no git process) for pushed refs.
func hasPendingPushes(dir string) bool {
	if fileExists(filepath.Join(dir, "refs", "for")) || fileExists(filepath.Join(dir, filepath.FromSlash(spoolRefs))) {
		return true
	}
	b, err := os.ReadFile(filepath.Join(dir, "packed-refs"))
	return err == nil && (strings.Contains(string(b), " refs/for/") || strings.Contains(string(b), " "+spoolRefs))
}

// removeEmptyDirs removes dir and its subdirectories when they hold no files.
func removeEmptyDirs(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	empty := true
	for _, e := range ents {
		if !e.IsDir() || !removeEmptyDirs(filepath.Join(dir, e.Name())) {
			empty = false
		}
	}
	if empty {
		return os.Remove(dir) == nil
	}
	return false
}

// pushedRef is the refs/for/… name a spooled push was made to.
func pushedRef(ref string) string {
	if rest, ok := strings.CutPrefix(ref, spoolRefs); ok {
		_, spec, _ := strings.Cut(rest, "/") // drop the spool id
		return "refs/for/" + spec
	}
	return ref
}

// receiveLocked turns one spooled push (a plain git push to the
// repository path) into changes.
func (s *Server) receiveLocked(p *project, ref, sha string) ([]int, error) {
	res, err := s.receiveForLocked(p, strings.TrimPrefix(pushedRef(ref), "refs/for/"), sha, nil, 0)
	var nums []int
	for _, r := range res {
		nums = append(nums, r.Number)
	}
	return nums, err
}

// pushResult is one change a push to refs/for/ created or updated.
type pushResult struct {
	Number int
	New    bool
}

// receiveForLocked turns a push of sha to refs/for/SPEC (BRANCH with
// %topic=…,wip,ready options; pushOpts are the same given with git push -o)
// into changes as Gerrit's receive does: every new commit must carry a
// Change-Id (else nothing happens and the error is Gerrit's text); each
// becomes a change, or a new patch set of the open change with its
// Change-Id. pusher 0 means the account of each commit's committer.
func (s *Server) receiveForLocked(p *project, spec, sha string, pushOpts []string, pusher int) ([]pushResult, error) {
	branch, opts, _ := strings.Cut(spec, "%")
	branch = strings.TrimPrefix(branch, "refs/heads/")
	topic, wip := "", false
	for _, o := range append(strings.Split(opts, ","), pushOpts...) {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "topic", "t":
			topic = v
		case "wip", "work-in-progress":
			wip = true
		case "ready":
			wip = false
		}
	}
	tip := revParse(p.Dir, "refs/heads/"+branch)
	if tip == "" {
		return nil, fmt.Errorf("branch %s not found", branch)
	}
	revs, err := revList(p.Dir, sha, tip)
	if err != nil {
		return nil, err
	}
	slices.Reverse(revs) // parents first
	var commits []*commitData
	for _, rev := range revs {
		if s.changeWithRevision(p.Name, rev) != nil {
			continue // already a patch set
		}
		cm, err := readCommit(p.Dir, rev)
		if err != nil {
			return nil, err
		}
		if cid := footerValue(cm.Message, "Change-Id"); !changeIDRe.MatchString(cid) {
			return nil, fmt.Errorf("commit %s: missing Change-Id in message footer", rev[:7])
		}
		commits = append(commits, cm)
	}
	if len(commits) == 0 {
		return nil, fmt.Errorf("no new changes")
	}
	var res []pushResult
	for _, cm := range commits {
		uploader := pusher
		if uploader == 0 {
			uploader = s.accountFor(cm.Committer)
		}
		cid := footerValue(cm.Message, "Change-Id")
		if c := s.openChange(p.Name, branch, cid); c != nil {
			if err := s.uploadPatchSetLocked(c, cm.SHA, uploader); err != nil {
				return res, err
			}
			if topic != "" {
				c.Topic = topic
			}
			res = append(res, pushResult{c.Number, false})
			continue
		}
		n, err := s.newChangeLocked(p, branch, cm.SHA, cid, uploader, CIPass, wip, topic)
		if err != nil {
			return res, err
		}
		if m := revertsRe.FindStringSubmatch(cm.Message); m != nil {
			if orig := s.mergedChangeWithCommit(p.Name, m[1]); orig != nil {
				s.changes[n].RevertOf = orig.Number
			}
		}
		res = append(res, pushResult{n, true})
	}
	return res, nil
}

// accountFor finds the account of a git identity by email, then name,
// creating one when nobody matches (Gerrit would know the pusher).
func (s *Server) accountFor(id ident) int {
	for _, a := range s.users {
		if id.Email != "" && strings.EqualFold(a.Email, id.Email) {
			return a.ID
		}
	}
	for _, a := range s.users {
		if a.Name == id.Name && id.Name != "" {
			return a.ID
		}
	}
	user, _, _ := strings.Cut(id.Email, "@")
	if user == "" {
		user = "pusher"
	}
	return s.addUserLocked(User{Username: user, Name: id.Name, Email: id.Email})
}

func (s *Server) changeWithRevision(project, rev string) *change {
	for _, c := range s.changes {
		if c.Project != project {
			continue
		}
		for _, ps := range c.PatchSets {
			if ps.Rev == rev {
				return c
			}
		}
	}
	return nil
}

func (s *Server) openChange(project, branch, cid string) *change {
	for _, c := range s.changes {
		if c.open() && c.Project == project && c.Branch == branch && c.ChangeID == cid {
			return c
		}
	}
	return nil
}

// mergedChangeWithCommit finds the merged change a (possibly abbreviated)
// commit id belongs to: one of its patch sets or the commit it merged as.
func (s *Server) mergedChangeWithCommit(project, sha string) *change {
	for _, c := range s.changes {
		if c.Status != "MERGED" || c.Project != project {
			continue
		}
		if strings.HasPrefix(c.MergedAs, sha) {
			return c
		}
		for _, ps := range c.PatchSets {
			if strings.HasPrefix(ps.Rev, sha) {
				return c
			}
		}
	}
	return nil
}
