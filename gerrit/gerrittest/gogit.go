package gerrittest

import (
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// The emulator's object and ref operations, on go-git: no git process.
// Each operation opens the repository afresh (openRepo), so what a client's
// git wrote meanwhile (a push to the repository path) is seen.

func openDir(dir string) *filesystem.Storage { return openRepo(&project{Dir: dir}) }

// initBare creates a bare repository (and its parents) if there is none,
// with the receive hooks for pushes to its path.
func initBare(dir string) error {
	if _, err := os.Stat(dir + "/HEAD"); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if _, err := gogit.PlainInit(dir, true); err != nil {
		return fmt.Errorf("init %s: %v", dir, err)
	}
	return installReceiveHook(dir)
}

// setConfig sets section.key in a repository's config.
func setConfig(dir, section, key, value string) error {
	st := openDir(dir)
	cfg, err := st.Config()
	if err != nil {
		return err
	}
	cfg.Raw.Section(section).SetOption(key, value)
	return st.SetConfig(cfg)
}

// setHEAD points HEAD at a branch.
func setHEAD(dir, branch string) error {
	return openDir(dir).SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, plumbing.NewBranchReferenceName(branch)))
}

// revParse resolves a ref name or full SHA-1 to a commit, "" when there is none.
func revParse(dir, rev string) string {
	st := openDir(dir)
	h := plumbing.NewHash(rev)
	if len(rev) != 40 || h.String() != rev {
		ref, err := storer.ResolveReference(st, plumbing.ReferenceName(rev))
		if err != nil {
			return ""
		}
		h = ref.Hash()
	}
	if _, err := object.GetCommit(st, h); err != nil {
		return ""
	}
	return h.String()
}

// updateRef moves ref to sha (from old, "" for any).
func updateRef(dir, ref, sha, old string) error {
	st := openDir(dir)
	n := plumbing.NewHashReference(plumbing.ReferenceName(ref), plumbing.NewHash(sha))
	if old == "" {
		return st.SetReference(n)
	}
	if err := st.CheckAndSetReference(n, plumbing.NewHashReference(n.Name(), plumbing.NewHash(old))); err != nil {
		return fmt.Errorf("update %s to %s from %s: %v", ref, sha, old, err)
	}
	return nil
}

// deleteRef removes a ref.
func deleteRef(dir, ref string) error {
	return openDir(dir).RemoveReference(plumbing.ReferenceName(ref))
}

// refsUnder lists the refs under the prefixes, sorted: [name, sha].
func refsUnder(dir string, prefixes ...string) ([][2]string, error) {
	iter, err := openDir(dir).IterReferences()
	if err != nil {
		return nil, err
	}
	var out [][2]string
	err = iter.ForEach(func(r *plumbing.Reference) error {
		for _, p := range prefixes {
			if r.Type() == plumbing.HashReference && strings.HasPrefix(r.Name().String(), p) {
				out = append(out, [2]string{r.Name().String(), r.Hash().String()})
				break
			}
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out, err
}

// isAncestor is true when a is an ancestor of (or equal to) b.
func isAncestor(dir, a, b string) bool {
	st := openDir(dir)
	ca, err1 := object.GetCommit(st, plumbing.NewHash(a))
	cb, err2 := object.GetCommit(st, plumbing.NewHash(b))
	if err1 != nil || err2 != nil {
		return false
	}
	ok, err := ca.IsAncestor(cb)
	return err == nil && ok
}

// revList is what `git rev-list TO ^FROM…` lists: the commits reachable
// from to and not from any of from, children before parents.
func revList(dir, to string, from ...string) ([]string, error) {
	st := openDir(dir)
	seen := map[plumbing.Hash]bool{}
	var stop []plumbing.Hash
	for _, f := range from {
		if f != "" {
			stop = append(stop, plumbing.NewHash(f))
		}
	}
	if err := walk(st, stop, func(c *object.Commit) { seen[c.Hash] = true }); err != nil {
		return nil, err
	}
	var order []*object.Commit
	if err := walkExcept(st, plumbing.NewHash(to), seen, func(c *object.Commit) { order = append(order, c) }); err != nil {
		return nil, err
	}
	return topoOrder(order), nil
}

// walk visits every commit reachable from starts.
func walk(st *filesystem.Storage, starts []plumbing.Hash, visit func(*object.Commit)) error {
	seen := map[plumbing.Hash]bool{}
	return walkFrom(st, starts, seen, visit)
}

func walkExcept(st *filesystem.Storage, start plumbing.Hash, except map[plumbing.Hash]bool, visit func(*object.Commit)) error {
	seen := map[plumbing.Hash]bool{}
	for h := range except {
		seen[h] = true
	}
	return walkFrom(st, []plumbing.Hash{start}, seen, visit)
}

func walkFrom(st *filesystem.Storage, stack []plumbing.Hash, seen map[plumbing.Hash]bool, visit func(*object.Commit)) error {
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[h] {
			continue
		}
		seen[h] = true
		c, err := object.GetCommit(st, h)
		if err != nil {
			return fmt.Errorf("read commit %s: %v", h, err)
		}
		visit(c)
		stack = append(stack, c.ParentHashes...)
	}
	return nil
}

// topoOrder sorts commits children first (newest committer date first
// among those ready), as git rev-list does by default for a linear history.
func topoOrder(cs []*object.Commit) []string {
	in := map[plumbing.Hash]*object.Commit{}
	children := map[plumbing.Hash]int{}
	for _, c := range cs {
		in[c.Hash] = c
	}
	for _, c := range cs {
		for _, p := range c.ParentHashes {
			if in[p] != nil {
				children[p]++
			}
		}
	}
	var ready, out []*object.Commit
	for _, c := range cs {
		if children[c.Hash] == 0 {
			ready = append(ready, c)
		}
	}
	for len(ready) > 0 {
		sort.SliceStable(ready, func(i, j int) bool { return ready[i].Committer.When.After(ready[j].Committer.When) })
		c := ready[0]
		ready = ready[1:]
		out = append(out, c)
		for _, p := range c.ParentHashes {
			if in[p] == nil {
				continue
			}
			if children[p]--; children[p] == 0 {
				ready = append(ready, in[p])
			}
		}
	}
	ids := make([]string, len(out))
	for i, c := range out {
		ids[i] = c.Hash.String()
	}
	return ids
}

// readCommit parses a commit object.
func readCommit(dir, sha string) (*commitData, error) {
	c, err := object.GetCommit(openDir(dir), plumbing.NewHash(sha))
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %v", sha, err)
	}
	cd := &commitData{SHA: sha, Tree: c.TreeHash.String(), Message: c.Message}
	for _, p := range c.ParentHashes {
		cd.Parents = append(cd.Parents, p.String())
	}
	cd.Author, cd.AuthorTZ = fromSignature(c.Author)
	cd.Committer, cd.CommitTZ = fromSignature(c.Committer)
	return cd, nil
}

func fromSignature(s object.Signature) (ident, int) {
	_, off := s.When.Zone()
	return ident{Name: s.Name, Email: s.Email, When: s.When.UTC()}, off / 60
}

// commitTree writes a commit object, dated in UTC like the git CLI did
// with GIT_*_DATE="<unix> +0000".
func commitTree(dir, tree string, parents []string, message string, author, committer ident) (string, error) {
	sig := func(i ident) object.Signature {
		return object.Signature{Name: i.Name, Email: i.Email, When: time.Unix(i.When.Unix(), 0).In(time.FixedZone("", 0))}
	}
	c := &object.Commit{Author: sig(author), Committer: sig(committer), Message: message, TreeHash: plumbing.NewHash(tree)}
	for _, p := range parents {
		c.ParentHashes = append(c.ParentHashes, plumbing.NewHash(p))
	}
	st := openDir(dir)
	o := st.NewEncodedObject()
	if err := c.Encode(o); err != nil {
		return "", err
	}
	h, err := st.SetEncodedObject(o)
	return h.String(), err
}

// treeEntry is one path of a flattened tree.
type treeEntry struct {
	Mode filemode.FileMode
	Hash plumbing.Hash
}

// flatTree lists every file and gitlink of a commit's tree by path.
func flatTree(st *filesystem.Storage, commit string) (map[string]treeEntry, error) {
	out := map[string]treeEntry{}
	if commit == "" {
		return out, nil
	}
	c, err := object.GetCommit(st, plumbing.NewHash(commit))
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %v", commit, err)
	}
	t, err := c.Tree()
	if err != nil {
		return nil, err
	}
	return out, flatten(st, t, "", out)
}

func flatten(st *filesystem.Storage, t *object.Tree, prefix string, out map[string]treeEntry) error {
	for _, e := range t.Entries {
		p := path.Join(prefix, e.Name)
		if e.Mode == filemode.Dir {
			sub, err := object.GetTree(st, e.Hash)
			if err != nil {
				return err
			}
			if err := flatten(st, sub, p, out); err != nil {
				return err
			}
			continue
		}
		out[p] = treeEntry{e.Mode, e.Hash}
	}
	return nil
}

// writeTree builds the tree of base (a commit, "" for empty) with the edits
// applied and returns its id.
func writeTree(dir, base string, ed treeEdit) (string, error) {
	st := openDir(dir)
	files, err := flatTree(st, base)
	if err != nil {
		return "", err
	}
	for p, content := range ed.Files {
		if err := checkPath(p); err != nil {
			return "", err
		}
		if content == DeleteFile {
			delete(files, p)
			continue
		}
		h, err := writeBlob(st, content)
		if err != nil {
			return "", err
		}
		mode := filemode.Regular
		if strings.HasPrefix(content, "#!") {
			mode = filemode.Executable
		}
		files[p] = treeEntry{mode, h}
	}
	for p, commit := range ed.Gitlinks {
		files[p] = treeEntry{filemode.Submodule, plumbing.NewHash(commit)}
	}
	h, err := storeTree(st, files, "")
	return h.String(), err
}

func writeBlob(st *filesystem.Storage, content string) (plumbing.Hash, error) {
	o := st.NewEncodedObject()
	o.SetType(plumbing.BlobObject)
	w, err := o.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := w.Write([]byte(content)); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, err
	}
	return storeObject(st, o)
}

// storeObject writes an object unless the repository has it already.
func storeObject(st *filesystem.Storage, o plumbing.EncodedObject) (plumbing.Hash, error) {
	if st.HasEncodedObject(o.Hash()) == nil {
		return o.Hash(), nil
	}
	return st.SetEncodedObject(o)
}

// storeTree writes the tree holding files (paths under prefix) and its
// subtrees, entries in git's order.
func storeTree(st *filesystem.Storage, files map[string]treeEntry, prefix string) (plumbing.Hash, error) {
	dirs := map[string]map[string]treeEntry{}
	var t object.Tree
	for p, e := range files {
		name, rest, nested := strings.Cut(p, "/")
		if !nested {
			t.Entries = append(t.Entries, object.TreeEntry{Name: name, Mode: e.Mode, Hash: e.Hash})
			continue
		}
		if dirs[name] == nil {
			dirs[name] = map[string]treeEntry{}
		}
		dirs[name][rest] = e
	}
	for name, sub := range dirs {
		h, err := storeTree(st, sub, prefix+name+"/")
		if err != nil {
			return plumbing.ZeroHash, err
		}
		t.Entries = append(t.Entries, object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h})
	}
	sort.Sort(object.TreeEntrySorter(t.Entries))
	o := st.NewEncodedObject()
	if err := t.Encode(o); err != nil {
		return plumbing.ZeroHash, err
	}
	return storeObject(st, o)
}

// gitlinkAt is the commit a commit's tree records at path, "" when none.
func gitlinkAt(dir, commit, p string) string {
	files, err := flatTree(openDir(dir), commit)
	if err != nil {
		return ""
	}
	if e, ok := files[p]; ok && e.Mode == filemode.Submodule {
		return e.Hash.String()
	}
	return ""
}
