package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// seedCommit is one commit of a seeded repository's history.
type seedCommit struct {
	branch  string            // refs/heads/<branch> gets the commit
	parent  int               // index of the parent in the same import, -1 for a root commit
	author  string            // "Name <email>"
	when    int64             // Unix time, for author and committer
	message string            // full message
	files   map[string]string // path → content, on top of the parent's tree
	links   map[string]string // path → commit: submodule gitlinks
	also    []string          // more branches pointing at this commit
}

// importRepo creates the bare repository dir holding commits, with one
// git fast-import: far fewer processes than a commit built file by file.
func importRepo(dir string, commits []seedCommit) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	env := gitEnv(dir)
	if _, err := runGit(env, filepath.Dir(dir), "", "init", "-q", "--bare", dir); err != nil {
		return err
	}
	var b strings.Builder
	data := func(s string) { fmt.Fprintf(&b, "data %d\n%s\n", len(s), s) }
	for i, c := range commits {
		fmt.Fprintf(&b, "commit refs/heads/%s\nmark :%d\n", c.branch, i+1)
		fmt.Fprintf(&b, "author %s %d +0000\ncommitter %s %d +0000\n", c.author, c.when, c.author, c.when)
		data(c.message)
		if c.parent >= 0 {
			fmt.Fprintf(&b, "from :%d\n", c.parent+1)
		}
		paths := make([]string, 0, len(c.files))
		for p := range c.files {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			if strings.ContainsAny(p, "\n\"") || strings.HasPrefix(p, "/") {
				return fmt.Errorf("sandbox seed: bad path %q", p)
			}
			mode := "100644"
			if strings.HasPrefix(c.files[p], "#!") {
				mode = "100755"
			}
			fmt.Fprintf(&b, "M %s inline %s\n", mode, p)
			data(c.files[p])
		}
		paths = paths[:0]
		for p := range c.links {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			fmt.Fprintf(&b, "M 160000 %s %s\n", c.links[p], p)
		}
		b.WriteString("\n")
		for _, br := range c.also {
			fmt.Fprintf(&b, "reset refs/heads/%s\nfrom :%d\n\n", br, i+1)
		}
	}
	b.WriteString("done\n")
	_, err := runGit(env, dir, b.String(), "--git-dir="+dir, "fast-import", "--quiet", "--done")
	return err
}
