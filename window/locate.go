package window

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	"porthole/config"
	"porthole/gerrit"
	"porthole/gitops"
	"porthole/internal/lazyre"
	"porthole/runbooks"
)

// RepoKind says which kind of checkout a change lands in.
type RepoKind int

// Kinds of repository a change deploys from.
const (
	KindConfig    RepoKind = iota // operations/mediawiki-config → the staging directory
	KindCore                      // mediawiki/core wmf/X → php-X
	KindSubmodule                 // an extension, skin or vendor on wmf/X → php-X plus its submodule path
)

// Location is where a change lands on the deployment host.
type Location struct {
	Kind    RepoKind
	Repo    string // short name used in step ids and vars: "mediawiki-config" or "php-1.44.0-wmf.5"
	Dir     string // the checkout that is fetched and rebased: staging, or staging/php-X
	Version string // 1.44.0-wmf.5 for wmf branches
	SubPath string // extensions/Echo for a submodule change
	SubName string // the submodule's name in .gitmodules
	// RevertDir is where a revert of the change is made: Dir, or for a
	// submodule the extension's own checkout (as the deployers' procedure says).
	RevertDir string
	// Prefix is the change's files' prefix relative to staging, for sync
	// paths: "", "php-X" or "php-X/extensions/Echo".
	Prefix string
	Live   bool // the version is in wikiversions.json (config: always)
}

// ConfigRepo is the Repo name of the staging checkout.
const ConfigRepo = "mediawiki-config"

var wmfBranchRe = lazyre.New(`^wmf/(\d+\.\d+\.\d+-wmf\.\d+|[0-9][0-9A-Za-z.\-]*)$`)

// locator reads what it needs from the deployment host once per build,
// with read-only commands only.
type locator struct {
	env     *runbooks.Env
	run     gitops.Run
	staging string
	live    map[string]bool // php-X → in wikiversions.json
	liveErr error
	readWV  bool
	subs    map[string][]gitops.Submodule // php dir → .gitmodules
	exists  map[string]bool
}

func newLocator(env *runbooks.Env) (*locator, error) {
	cfg := env.Config
	if cfg == nil || cfg.StagingDir == "" {
		return nil, fmt.Errorf("no staging_dir in the configuration: set staging_dir (e.g. /srv/mediawiki-staging)")
	}
	ex, err := env.Hosts.One(config.RoleDeploy)
	if err != nil {
		return nil, fmt.Errorf("the deployment host: %w", err)
	}
	return &locator{env: env, run: gitops.FromExecutor(ex), staging: cfg.StagingDir,
		subs: map[string][]gitops.Submodule{}, exists: map[string]bool{}}, nil
}

// liveVersions reads wikiversions.json (the map of wiki → php-X) once.
func (l *locator) liveVersions(ctx context.Context) (map[string]bool, error) {
	if l.readWV {
		return l.live, l.liveErr
	}
	l.readWV = true
	b, err := gitops.ReadFile(ctx, l.run, l.staging, "wikiversions.json")
	if err != nil {
		l.liveErr = fmt.Errorf("cannot read wikiversions.json on the deployment host: %w", err)
		return nil, l.liveErr
	}
	l.live, l.liveErr = ParseWikiversions(b)
	return l.live, l.liveErr
}

// ParseWikiversions reads wikiversions.json into the set of live php-X directories.
func ParseWikiversions(b []byte) (map[string]bool, error) {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("wikiversions.json is not a JSON object of wiki → php-<version>: %v", err)
	}
	live := map[string]bool{}
	for _, v := range m {
		live[v] = true
	}
	return live, nil
}

func liveList(live map[string]bool) string {
	var vs []string
	for v := range live {
		vs = append(vs, v)
	}
	sort.Strings(vs)
	if len(vs) == 0 {
		return "none"
	}
	return strings.Join(vs, ", ")
}

func (l *locator) dirExists(ctx context.Context, dir string) (bool, error) {
	if ok, seen := l.exists[dir]; seen {
		return ok, nil
	}
	ok, err := gitops.DirExists(ctx, l.run, dir)
	if err != nil {
		return false, err
	}
	l.exists[dir] = ok
	return ok, nil
}

func (l *locator) submodules(ctx context.Context, dir string) ([]gitops.Submodule, error) {
	if s, ok := l.subs[dir]; ok {
		return s, nil
	}
	s, err := gitops.Submodules(ctx, l.run, dir)
	if err != nil {
		return nil, err
	}
	l.subs[dir] = s
	return s, nil
}

// checkState refuses changes that cannot ride a backport window.
func checkState(ch *gerrit.Change) error {
	switch {
	case ch.Status == "ABANDONED":
		return fmt.Errorf("change %d is abandoned: restore it in Gerrit, or pick the change that replaced it", ch.Number)
	case ch.WIP && ch.Status != "MERGED":
		return fmt.Errorf("change %d is marked work in progress: ask %s to mark it ready for review first", ch.Number, ownerName(ch))
	}
	return nil
}

// locate says where ch lands, or why it cannot be deployed from here.
func (l *locator) locate(ctx context.Context, ch *gerrit.Change) (*Location, error) {
	cfg := l.env.Config
	if ch.IsConfig() {
		want := cfg.ConfigBranch
		if want == "" {
			want = "master"
		}
		if ch.Branch != want {
			return nil, fmt.Errorf("change %d is on %s branch %s, but %s deploys from %s: pick the change on %s",
				ch.Number, ch.Project, ch.Branch, l.staging, want, want)
		}
		return &Location{Kind: KindConfig, Repo: ConfigRepo, Dir: l.staging, RevertDir: l.staging, Live: true}, nil
	}
	m := wmfBranchRe.FindStringSubmatch(ch.Branch)
	if m == nil {
		live, _ := l.liveVersions(ctx)
		return nil, fmt.Errorf("change %d is on %s branch %s: backports deploy from wmf/<version> branches (live: %s); cherry-pick it to a deployed branch first",
			ch.Number, ch.Project, ch.Branch, liveList(live))
	}
	ver := m[1]
	repo := "php-" + ver
	dir := path.Join(l.staging, repo)
	ok, err := l.dirExists(ctx, dir)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("change %d is on %s but %s does not exist on the deployment host: that branch is not staged there (scap prep %s would create it)",
			ch.Number, ch.Branch, dir, ver)
	}
	live, err := l.liveVersions(ctx)
	if err != nil {
		return nil, err
	}
	loc := &Location{Kind: KindCore, Repo: repo, Dir: dir, RevertDir: dir, Version: ver, Prefix: repo, Live: live[repo]}
	if ch.IsCore() {
		return loc, nil
	}
	subs, err := l.submodules(ctx, dir)
	if err != nil {
		return nil, err
	}
	sub, err := gitops.FindSubmodule(subs, ch.Project, dir)
	if err != nil {
		return nil, fmt.Errorf("change %d: %w", ch.Number, err)
	}
	loc.Kind = KindSubmodule
	loc.SubPath = sub.Path
	loc.SubName = sub.Name
	loc.RevertDir = path.Join(dir, sub.Path)
	loc.Prefix = path.Join(repo, sub.Path)
	return loc, nil
}

// SyncPaths computes what `scap sync-file` should sync for a set of files
// changed under prefix (relative to staging): the single file when there is
// one; else the deepest common directory; and when the files share no
// directory below prefix, one path per top-level entry (so a whole php-X or
// staging is never synced by accident). A deleted file is synced through its
// directory, since scap refuses a path that does not exist.
func SyncPaths(prefix string, files []gerrit.File) []string {
	var paths []string
	seen := map[string]bool{}
	add := func(p string) {
		p = path.Clean(p)
		if p == "." || p == "/" || seen[p] {
			return
		}
		seen[p] = true
		paths = append(paths, p)
	}
	for _, f := range files {
		if f.Path == "" || f.Path == "/COMMIT_MSG" || f.Path == "/MERGE_LIST" {
			continue
		}
		switch f.Status {
		case "D":
			add(parentOr(f.Path))
		case "R":
			add(f.Path)
			if f.OldPath != "" {
				add(parentOr(f.OldPath))
			}
		default:
			add(f.Path)
		}
	}
	return groupPaths(prefix, paths)
}

// groupPaths joins paths (relative to a checkout at prefix) into sync
// paths: per top-level entry, the one path or the deepest directory holding
// them all.
func groupPaths(prefix string, paths []string) []string {
	var out []string
	for _, g := range groupByTop(paths) {
		out = append(out, path.Join(prefix, commonPath(g)))
	}
	if len(out) == 0 && prefix != "" {
		out = append(out, prefix)
	}
	return dedupeCovered(out)
}

func parentOr(p string) string {
	d := path.Dir(p)
	if d == "." {
		return p
	}
	return d
}

// groupByTop groups paths by their first component, in first-seen order.
func groupByTop(paths []string) [][]string {
	idx := map[string]int{}
	var groups [][]string
	for _, p := range paths {
		top, _, _ := strings.Cut(p, "/")
		i, ok := idx[top]
		if !ok {
			i = len(groups)
			idx[top] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], p)
	}
	return groups
}

// commonPath is the one path, or the deepest directory holding them all.
func commonPath(ps []string) string {
	if len(ps) == 1 {
		return ps[0]
	}
	parts := strings.Split(ps[0], "/")
	n := len(parts)
	for _, p := range ps[1:] {
		q := strings.Split(p, "/")
		i := 0
		for i < n && i < len(q) && parts[i] == q[i] {
			i++
		}
		n = i
	}
	// (when ps[0] is a prefix of every other path it is their directory)
	return strings.Join(parts[:n], "/")
}

// dedupeCovered drops paths inside another path of the list, keeping order.
func dedupeCovered(ps []string) []string {
	var out []string
	for i, p := range ps {
		covered := false
		for j, q := range ps {
			if i != j && q != p && strings.HasPrefix(p, q+"/") {
				covered = true
				break
			}
			if j < i && q == p {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, p)
		}
	}
	return out
}

// coveredBy is true when p is q or inside q.
func coveredBy(p, q string) bool { return p == q || strings.HasPrefix(p, q+"/") }
