package gerrittest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

var revertsRe = regexp.MustCompile(`(?m)^This reverts commit ([0-9a-f]{7,40})`)

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
		out, err := git1(p.Dir, "for-each-ref", "--sort=refname", "--format=%(objectname) %(refname)", spoolRefs, "refs/for/")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, line := range strings.Split(out, "\n") {
			sha, ref, ok := strings.Cut(line, " ")
			if !ok {
				continue
			}
			n, err := s.receiveLocked(p, ref, sha)
			nums = append(nums, n...)
			if err != nil {
				errs = append(errs, fmt.Errorf("gerrittest: push of %s to %s %s: %w", sha[:12], p.Name, pushedRef(ref), err))
			}
			if _, err := git(p.Dir, nil, "", "update-ref", "-d", ref); err != nil {
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

// receiveLocked turns one pushed ref into changes.
func (s *Server) receiveLocked(p *project, ref, sha string) ([]int, error) {
	spec := strings.TrimPrefix(pushedRef(ref), "refs/for/")
	branch, opts, _ := strings.Cut(spec, "%")
	branch = strings.TrimPrefix(branch, "refs/heads/")
	topic, wip := "", false
	for _, o := range strings.Split(opts, ",") {
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
	out, err := git1(p.Dir, "rev-list", "--reverse", "--topo-order", tip+".."+sha)
	if err != nil {
		return nil, err
	}
	commits := strings.Fields(out)
	if len(commits) == 0 {
		return nil, fmt.Errorf("no new changes")
	}
	var nums []int
	for _, rev := range commits {
		if s.changeWithRevision(p.Name, rev) != nil {
			continue // already a patch set
		}
		cm, err := readCommit(p.Dir, rev)
		if err != nil {
			return nums, err
		}
		uploader := s.accountFor(cm.Committer)
		cid := footerValue(cm.Message, "Change-Id")
		if !changeIDRe.MatchString(cid) { // the pre-receive hook refuses these; a repository without it lands here
			return nums, fmt.Errorf("commit %s: missing Change-Id in message footer", rev[:7])
		}
		if c := s.openChange(p.Name, branch, cid); c != nil {
			if err := s.uploadPatchSetLocked(c, rev, uploader); err != nil {
				return nums, err
			}
			if topic != "" {
				c.Topic = topic
			}
			nums = append(nums, c.Number)
			continue
		}
		n, err := s.newChangeLocked(p, branch, rev, cid, uploader, CIPass, wip, topic)
		if err != nil {
			return nums, err
		}
		if m := revertsRe.FindStringSubmatch(cm.Message); m != nil {
			if orig := s.mergedChangeWithCommit(p.Name, m[1]); orig != nil {
				s.changes[n].RevertOf = orig.Number
			}
		}
		nums = append(nums, n)
	}
	return nums, nil
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
