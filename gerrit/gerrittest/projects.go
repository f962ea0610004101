package gerrittest

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// CreateProject creates (or adopts) the bare repository RepoDir/<name>.git
// and, for each branch missing from it, an initial commit holding files.
// Branches that already exist are left alone.
func (s *Server) CreateProject(name string, branches map[string]map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := checkProjectName(name); err != nil {
		return err
	}
	p, err := s.ensureProject(name)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(branches))
	for b := range branches {
		names = append(names, b)
	}
	sort.Strings(names)
	for _, b := range names {
		b = strings.TrimPrefix(b, "refs/heads/")
		if revParse(p.Dir, "refs/heads/"+b) != "" {
			continue
		}
		tree, err := writeTree(p.Dir, "", treeEdit{Files: branches[b]})
		if err != nil {
			return err
		}
		g := s.gerritIdent()
		sha, err := commitTree(p.Dir, tree, nil, "Initial empty repository\n", g, g)
		if err != nil {
			return err
		}
		if err := updateRef(p.Dir, "refs/heads/"+b, sha, ""); err != nil {
			return err
		}
	}
	// HEAD names master when there is one, else the first branch.
	head := ""
	if revParse(p.Dir, "refs/heads/master") != "" {
		head = "master"
	} else if len(names) > 0 {
		head = names[0]
	}
	if head != "" {
		if err := setHEAD(p.Dir, head); err != nil {
			return err
		}
	}
	return nil
}

func checkProjectName(name string) error {
	if name == "" || strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") || strings.Contains(name, "..") ||
		strings.HasSuffix(name, ".git") || strings.ContainsAny(name, " ~\t\n\\") {
		return fmt.Errorf("gerrittest: bad project name %q: use a path like mediawiki/core", name)
	}
	return nil
}

// ensureProject registers a project, creating its bare repository if needed.
func (s *Server) ensureProject(name string) (*project, error) {
	if p := s.projects[name]; p != nil {
		return p, nil
	}
	dir := s.RepoPath(name)
	if err := initBare(dir); err != nil {
		return nil, err
	}
	if !hasReceiveHooks(dir) {
		if err := installReceiveHook(dir); err != nil {
			return nil, err
		}
	}
	p := &project{Name: name, Dir: dir}
	s.projects[name] = p
	return p, nil
}

// project returns a registered project, adopting a repository the caller
// created on disk under RepoDir.
func (s *Server) project(name string) (*project, error) {
	if p := s.projects[name]; p != nil {
		return p, nil
	}
	if checkProjectName(name) == nil && fileExists(filepath.Join(s.RepoPath(name), "HEAD")) {
		return s.ensureProject(name)
	}
	return nil, fmt.Errorf("gerrittest: no project %q: CreateProject it first", name)
}

// PushDirect lands a commit on a branch without review, as a direct push
// would (the "extra commit" a deployer must notice). Superprojects
// subscribed to the branch are bumped.
func (s *Server) PushDirect(projectName, branch, subject string, files map[string]string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.project(projectName)
	if err != nil {
		return "", err
	}
	ref := "refs/heads/" + strings.TrimPrefix(branch, "refs/heads/")
	tip := revParse(p.Dir, ref)
	if tip == "" {
		return "", fmt.Errorf("gerrittest: project %s has no branch %s", projectName, branch)
	}
	tree, err := writeTree(p.Dir, tip, treeEdit{Files: files})
	if err != nil {
		return "", err
	}
	s.commitSeq++
	msg := subject + "\n\nChange-Id: " + newChangeID("direct", projectName, branch, subject, itoa(s.commitSeq)) + "\n"
	who := ident{Name: "Direct Pusher", Email: "pusher@example.org", When: s.commitClock()}
	sha, err := commitTree(p.Dir, tree, []string{tip}, msg, who, who)
	if err != nil {
		return "", err
	}
	if err := updateRef(p.Dir, ref, sha, tip); err != nil {
		return "", err
	}
	s.emitRefUpdated(projectName, ref, tip, sha, 0)
	if err := s.bumpSuperprojects(projectName, strings.TrimPrefix(ref, "refs/heads/"), tip, sha); err != nil {
		return sha, err
	}
	return sha, nil
}

// SubscribeSubmodule makes superProject follow subProject at path: every
// update of a subProject branch moves the gitlink on the superproject's
// branch of the same name, as Gerrit's superproject subscriptions do.
func (s *Server) SubscribeSubmodule(superProject, path, subProject string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sub := range s.subs {
		if sub == (subscription{superProject, path, subProject}) {
			return
		}
	}
	s.subs = append(s.subs, subscription{Super: superProject, Path: path, Sub: subProject})
}

// bumpSuperprojects writes, on each subscribed superproject's branch, the
// commit Gerrit makes: "Update git submodules" moving the gitlink to newTip.
func (s *Server) bumpSuperprojects(sub, branch, oldTip, newTip string) error {
	sp, err := s.project(sub)
	if err != nil {
		return err
	}
	for _, subn := range s.subs {
		if subn.Sub != sub {
			continue
		}
		sup, err := s.project(subn.Super)
		if err != nil {
			return err
		}
		ref := "refs/heads/" + branch
		supTip := revParse(sup.Dir, ref)
		if supTip == "" {
			continue // the superproject does not have this branch
		}
		old := gitlinkAt(sup.Dir, supTip, subn.Path)
		if old == newTip {
			continue
		}
		from := old
		if from == "" || !isAncestor(sp.Dir, from, newTip) {
			from = oldTip
		}
		msg, err := submoduleMessage(sp.Dir, subn.Path, branch, from, newTip)
		if err != nil {
			return err
		}
		tree, err := writeTree(sup.Dir, supTip, treeEdit{Gitlinks: map[string]string{subn.Path: newTip}})
		if err != nil {
			return err
		}
		g := s.gerritIdent()
		sha, err := commitTree(sup.Dir, tree, []string{supTip}, msg, g, g)
		if err != nil {
			return err
		}
		if err := updateRef(sup.Dir, ref, sha, supTip); err != nil {
			return err
		}
		s.emitRefUpdated(subn.Super, ref, supTip, sha, 0)
		if err := s.bumpSuperprojects(subn.Super, branch, supTip, sha); err != nil {
			return err
		}
	}
	return nil
}

// submoduleMessage is Gerrit's superproject commit message:
//
//	Update git submodules
//
//	* Update PATH from branch 'BRANCH'
//	  to SHA
//	  - SUBJECT
//
//	    Change-Id: I…
func submoduleMessage(subDir, path, branch, from, to string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "Update git submodules\n\n* Update %s from branch '%s'\n  to %s\n", path, branch, to)
	revs := []string{to}
	if from != "" {
		var err error
		if revs, err = revList(subDir, to, from); err != nil {
			return "", err
		}
	}
	for i, r := range revs {
		c, err := readCommit(subDir, r)
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteString("\n")
		}
		subject, body, _ := strings.Cut(strings.TrimRight(c.Message, "\n"), "\n")
		b.WriteString("  - " + subject + "\n")
		if body = strings.Trim(body, "\n"); body != "" {
			b.WriteString("\n")
			for _, line := range strings.Split(body, "\n") {
				if line == "" {
					b.WriteString("\n")
				} else {
					b.WriteString("    " + line + "\n")
				}
			}
		}
	}
	return b.String(), nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
