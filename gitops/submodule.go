package gitops

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"
)

// Submodule is one entry of a superproject's .gitmodules.
type Submodule struct {
	Name string
	Path string
	URL  string
}

// Project guesses the Gerrit project name from the URL: the URL's path with
// any .git suffix and Gerrit's /r/ base removed (e.g.
// https://gerrit.wikimedia.org/r/mediawiki/extensions/Echo → mediawiki/extensions/Echo).
func (s Submodule) Project() string {
	u := strings.TrimSuffix(strings.TrimRight(s.URL, "/"), ".git")
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		if j := strings.IndexByte(u, '/'); j >= 0 {
			u = u[j+1:]
		} else {
			u = ""
		}
	}
	u = strings.TrimPrefix(u, "r/")
	return strings.TrimPrefix(u, "/")
}

// Matches is true when the submodule is the given Gerrit project: its URL
// ends in the project name, or (for relative or unusual URLs) its path is the
// project's last two components (mediawiki/extensions/Echo ↔ extensions/Echo).
func (s Submodule) Matches(project string) bool {
	u := strings.TrimSuffix(strings.TrimRight(s.URL, "/"), ".git")
	if u == project || strings.HasSuffix(u, "/"+project) {
		return true
	}
	parts := strings.Split(project, "/")
	if len(parts) >= 2 {
		return s.Path == strings.Join(parts[len(parts)-2:], "/")
	}
	return false
}

// Submodules lists the submodules declared in dir's .gitmodules, by path
// (`git config -f .gitmodules --get-regexp`). A repository without
// .gitmodules has none.
func Submodules(ctx context.Context, run Run, dir string) ([]Submodule, error) {
	res, err := git(ctx, run, dir, "config", "-f", ".gitmodules", "--get-regexp", `^submodule\..*\.(path|url)$`)
	if err != nil {
		// exit 1: no matching key (or no .gitmodules file at all)
		if saidNo(err) {
			return nil, nil
		}
		return nil, err
	}
	return ParseGitmodules(string(res.Stdout)), nil
}

// ParseGitmodules reads `git config --get-regexp` lines of .gitmodules.
func ParseGitmodules(o string) []Submodule {
	byName := map[string]*Submodule{}
	var names []string
	for _, line := range strings.Split(o, "\n") {
		key, val, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		rest, ok := strings.CutPrefix(key, "submodule.")
		if !ok {
			continue
		}
		var name, field string
		switch {
		case strings.HasSuffix(rest, ".path"):
			name, field = strings.TrimSuffix(rest, ".path"), "path"
		case strings.HasSuffix(rest, ".url"):
			name, field = strings.TrimSuffix(rest, ".url"), "url"
		default:
			continue
		}
		s := byName[name]
		if s == nil {
			s = &Submodule{Name: name}
			byName[name] = s
			names = append(names, name)
		}
		if field == "path" {
			s.Path = val
		} else {
			s.URL = val
		}
	}
	var out []Submodule
	for _, n := range names {
		out = append(out, *byName[n])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// FindSubmodule returns the submodule for a Gerrit project, or an error that
// says the project is not a submodule of the superproject.
func FindSubmodule(subs []Submodule, project, superDir string) (Submodule, error) {
	for _, s := range subs {
		if s.Matches(project) {
			return s, nil
		}
	}
	return Submodule{}, fmt.Errorf("%s is not a submodule of %s (not in its .gitmodules): only mediawiki/core and its submodules deploy from there", project, superDir)
}

// SubmoduleUpdate runs `git submodule update PATH` in the superproject.
func SubmoduleUpdate(ctx context.Context, run Run, dir, subPath string) error {
	_, err := git(ctx, run, dir, "submodule", "update", subPath)
	return err
}

// SubmoduleUpdateCommand is the exact command SubmoduleUpdate runs.
func SubmoduleUpdateCommand(subPath string) string { return Cmd("submodule", "update", subPath) }

// SubmoduleCheckout runs `git submodule update --checkout PATH`: the
// submodule ends detached at the commit the superproject records, whatever
// submodule.NAME.update says. With update=rebase a plain update of a
// submodule whose HEAD descends from that commit is `git rebase RECORDED`,
// which leaves it where it is: undoing a bump that way keeps the new commit.
// Only for a submodule with no local commits to keep.
func SubmoduleCheckout(ctx context.Context, run Run, dir, subPath string) error {
	_, err := git(ctx, run, dir, "submodule", "update", "--checkout", subPath)
	return err
}

// SubmoduleCheckoutCommand is the exact command SubmoduleCheckout runs.
func SubmoduleCheckoutCommand(subPath string) string {
	return Cmd("submodule", "update", "--checkout", subPath)
}

// SubmoduleCommit tells what the superproject's HEAD records for a submodule
// and what is checked out there, and how the two relate.
func SubmoduleCommit(ctx context.Context, run Run, dir, subPath string) (*SubmoduleState, error) {
	recorded, err := Gitlink(ctx, run, dir, "HEAD", subPath)
	if err != nil {
		// Only git's quiet "no" (exit 1: HEAD has nothing at that path) says
		// so; a missing directory, another git failure (not a repository) or a
		// lost connection is reported as itself.
		if saidNo(err) {
			return nil, fmt.Errorf("%s records no submodule at %s: %w", dir, subPath, err)
		}
		return nil, err
	}
	// `git submodule status` tells an uninitialised submodule (leading "-")
	// from a checked-out one without falling through to the superproject.
	o, err := out(ctx, run, dir, "submodule", "status", "--", subPath)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(o, "-") {
		return &SubmoduleState{Path: subPath, Recorded: recorded, Relation: SubUninitState}, nil
	}
	return subState(ctx, run, dir, subPath, recorded)
}

// Gitlink is the submodule commit rev records at subPath (`git rev-parse
// --verify -q REV:PATH`); rev is checked with CheckRev.
func Gitlink(ctx context.Context, run Run, dir, rev, subPath string) (string, error) {
	if err := CheckRev(rev); err != nil {
		return "", err
	}
	return out(ctx, run, dir, "rev-parse", "--verify", "-q", rev+":"+subPath)
}

// ChangedSubmodules lists the submodule paths whose gitlinks differ between
// two revisions (`git diff --raw FROM TO`, mode 160000 entries).
func ChangedSubmodules(ctx context.Context, run Run, dir, from, to string) ([]string, error) {
	o, err := out(ctx, run, dir, "diff", "--raw", "--no-abbrev", "--no-color", "--end-of-options", from, to, "--")
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, line := range strings.Split(o, "\n") {
		// :160000 160000 <old> <new> M\t<path>
		meta, p, ok := strings.Cut(line, "\t")
		if !ok || !strings.HasPrefix(meta, ":") {
			continue
		}
		f := strings.Fields(meta)
		if len(f) < 2 || (f[0] != ":160000" && f[1] != "160000") {
			continue
		}
		p, err := unquotePath(p)
		if err != nil {
			continue
		}
		paths = append(paths, path.Clean(p))
	}
	return paths, nil
}

// SubmoduleUpdateMode is the submodule's configured update strategy
// (`git config submodule.NAME.update`): "checkout" when unset. With checkout,
// `git submodule update` drops local commits (security patches) in the
// submodule; rebase and merge keep them.
func SubmoduleUpdateMode(ctx context.Context, run Run, dir, name string) (string, error) {
	res, err := git(ctx, run, dir, "config", "--get", "submodule."+name+".update")
	if err != nil {
		if saidNo(err) {
			return "checkout", nil
		}
		return "", err
	}
	return strings.TrimSpace(string(res.Stdout)), nil
}
