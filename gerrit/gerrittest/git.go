package gerrittest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DeleteFile, as a file's content in ChangeSpec.Files, NewPatchSet or
// PushDirect, deletes the file.
const DeleteFile = "\x00gerrittest:delete-file\x00"

// ident is a git author or committer.
type ident struct {
	Name, Email string
	When        time.Time
}

// gitEnv isolates git from the machine's configuration (signing, hooks,
// templates) so commits are the same on every machine.
func gitEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") {
			env = append(env, kv)
		}
	}
	env = append(env, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0")
	return append(env, extra...)
}

// git runs git against a bare repository and returns stdout.
func git(dir string, env []string, stdin string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"--git-dir=" + dir}, args...)...)
	cmd.Env = gitEnv(env...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// git1 is git with the output trimmed.
func git1(dir string, args ...string) (string, error) {
	out, err := git(dir, nil, "", args...)
	return strings.TrimSpace(out), err
}

// receiveHook moves each push to refs/for/… aside at once, under
// refs/gerrittest/pushes/<when>/…, so every push is received on its own as
// Gerrit would (a second push to refs/for/BRANCH is never a non-fast-forward
// of the first); ProcessPushes turns them into changes.
const receiveHook = `#!/bin/sh
# gerrittest: spool pushes to refs/for/ (see gerrittest/git.go).
i=0
while read old new ref; do
	case "$ref" in
	refs/for/*)
		i=$((i+1))
		git update-ref "refs/gerrittest/pushes/$(date +%s%N)-$$-$i/${ref#refs/for/}" "$new" &&
			git update-ref -d "$ref" "$new"
		;;
	esac
done
exit 0
`

// changeIDHook refuses, as Gerrit's receive does, a push for review whose
// new commits lack a Change-Id footer (or carry a malformed or doubled one):
// the push fails with Gerrit's "remote: ERROR: commit <short>: …" text and
// nothing is stored. Commits already in the repository are not checked.
const changeIDHook = `#!/bin/sh
# gerrittest: Gerrit refuses commits pushed for review without a Change-Id footer.
zero=0000000000000000000000000000000000000000
bad=0
while read old new ref; do
	case "$ref" in refs/for/*) ;; *) continue ;; esac
	[ "$new" = "$zero" ] && continue
	for c in $(git rev-list "$new" --not --all); do
		ids=$(git log -1 --format='%(trailers:key=Change-Id,valueonly,separator=%x20)' "$c")
		short=$(git rev-parse --short=7 "$c")
		why=
		case "$ids" in
		"") why="missing Change-Id in message footer" ;;
		*" "*) why="multiple Change-Id lines in message footer" ;;
		*) [ "$(expr "$ids" : 'I[0-9a-f]\{40\}$')" = 41 ] || why="invalid Change-Id line format in message footer" ;;
		esac
		if [ -n "$why" ]; then
			echo "ERROR: commit $short: $why" >&2
			bad=1
		fi
	done
done
if [ "$bad" = 1 ]; then
	echo "" >&2
	echo "Hint: to automatically insert a Change-Id, install Gerrit's commit-msg hook," >&2
	echo "and then amend the commit: git commit --amend --no-edit" >&2
	echo "Finally, push your changes again" >&2
	exit 1
fi
exit 0
`

// receiveHooks are the hooks every emulated repository runs on a push.
var receiveHooks = map[string]string{"pre-receive": changeIDHook, "post-receive": receiveHook}

// installReceiveHook writes the pre-receive (Change-Id) and post-receive
// (spool) hooks and pins core.hooksPath to the repository's own hooks,
// whatever the pusher's global config says.
func installReceiveHook(dir string) error {
	hooks := filepath.Join(dir, "hooks")
	if err := os.MkdirAll(hooks, 0o755); err != nil {
		return err
	}
	for name, script := range receiveHooks {
		if err := os.WriteFile(filepath.Join(hooks, name), []byte(script), 0o755); err != nil {
			return err
		}
	}
	return setConfig(dir, "core", "hooksPath", hooks)
}

// hasReceiveHooks is true when dir has every hook installReceiveHook writes.
func hasReceiveHooks(dir string) bool {
	for name := range receiveHooks {
		if !fileExists(filepath.Join(dir, "hooks", name)) {
			return false
		}
	}
	return true
}

// treeEdit is a change to a tree: file content, DeleteFile, or a gitlink.
type treeEdit struct {
	Files    map[string]string
	Gitlinks map[string]string // path → commit
}

func checkPath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "\n") || strings.Contains(p, "\t") {
		return fmt.Errorf("gerrittest: bad file path %q: use a relative path like includes/Foo.php", p)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." || seg == ".git" {
			return fmt.Errorf("gerrittest: bad file path %q: use a relative path like includes/Foo.php", p)
		}
	}
	return nil
}

// mergeTree merges two commits without a work tree; ok is false on conflict.
func mergeTree(dir, ours, theirs string) (tree string, ok bool, err error) {
	cmd := exec.Command("git", "--git-dir="+dir, "merge-tree", "--write-tree", "--no-messages", ours, theirs)
	cmd.Env = gitEnv()
	out, err := cmd.Output()
	if err != nil {
		if ee, isExit := err.(*exec.ExitError); isExit && ee.ExitCode() == 1 {
			return "", false, nil
		}
		return "", false, fmt.Errorf("git merge-tree %s %s: %v", ours, theirs, err)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(first), true, nil
}

// commitData is a parsed commit object.
type commitData struct {
	SHA       string
	Tree      string
	Parents   []string
	Author    ident
	Committer ident
	AuthorTZ  int // minutes east of UTC
	CommitTZ  int
	Message   string
}

// Subject is the first line of the message.
func (c *commitData) Subject() string {
	s, _, _ := strings.Cut(c.Message, "\n")
	return s
}

// fileStat is one path a commit touches, as Gerrit's FileInfo reports it.
type fileStat struct {
	Path, OldPath string
	Status        string // A, D, R, C, M (W is never produced)
	Binary        bool
	Inserted      int
	Deleted       int
	Size          int64
	SizeDelta     int64
}

// diffFiles lists what commit changes against parent ("" for a root commit).
func diffFiles(dir, parent, commit string) ([]fileStat, error) {
	base := []string{"diff-tree", "-r", "-z", "-M", "--no-commit-id"}
	with := func(extra ...string) []string {
		a := append(append([]string{}, base...), extra...)
		if parent == "" {
			return append(a, "--root", commit)
		}
		return append(a, parent, commit)
	}
	raw, err := git(dir, nil, "", with("--raw", "--no-abbrev")...)
	if err != nil {
		return nil, err
	}
	num, err := git(dir, nil, "", with("--numstat")...)
	if err != nil {
		return nil, err
	}
	var files []fileStat
	var shas []blobPair
	f := strings.Split(raw, "\x00")
	for i := 0; i < len(f); i++ {
		if !strings.HasPrefix(f[i], ":") {
			continue
		}
		meta := strings.Fields(f[i][1:]) // oldmode newmode oldsha newsha status
		if len(meta) < 5 || i+1 >= len(f) {
			break
		}
		fs := fileStat{Status: meta[4][:1]}
		if fs.Status == "R" || fs.Status == "C" {
			fs.OldPath, fs.Path = f[i+1], f[i+2]
			i += 2
		} else {
			fs.Path = f[i+1]
			i++
		}
		if fs.Status == "T" {
			fs.Status = "M"
		}
		files = append(files, fs)
		shas = append(shas, blobPair{meta[2], meta[3]})
	}
	// numstat -z: "ins\tdel\tpath\0" or "ins\tdel\t\0old\0new\0".
	counts := map[string][2]string{}
	n := strings.Split(num, "\x00")
	for i := 0; i < len(n); i++ {
		parts := strings.SplitN(n[i], "\t", 3)
		if len(parts) != 3 {
			continue
		}
		path := parts[2]
		if path == "" && i+2 < len(n) {
			path = n[i+2]
			i += 2
		}
		counts[path] = [2]string{parts[0], parts[1]}
	}
	sizes, err := blobSizes(dir, shas)
	if err != nil {
		return nil, err
	}
	for i := range files {
		c := counts[files[i].Path]
		if c[0] == "-" {
			files[i].Binary = true
		} else {
			files[i].Inserted, _ = strconv.Atoi(c[0])
			files[i].Deleted, _ = strconv.Atoi(c[1])
		}
		files[i].Size = sizes[shas[i].new]
		files[i].SizeDelta = sizes[shas[i].new] - sizes[shas[i].old]
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

// blobPair is the old and new object of one path in a diff.
type blobPair struct{ old, new string }

// blobSizes reads the sizes of blobs (null ids and gitlinks count as 0).
func blobSizes(dir string, pairs []blobPair) (map[string]int64, error) {
	var in strings.Builder
	for _, p := range pairs {
		for _, s := range []string{p.old, p.new} {
			if strings.Trim(s, "0") != "" {
				in.WriteString(s + "\n")
			}
		}
	}
	sizes := map[string]int64{}
	if in.Len() == 0 {
		return sizes, nil
	}
	out, err := git(dir, nil, in.String(), "cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[1] == "blob" {
			sizes[f[0]], _ = strconv.ParseInt(f[2], 10, 64)
		}
	}
	return sizes, nil
}

// diffPatch is the unified diff of commit against parent.
func diffPatch(dir, parent, commit string) (string, error) {
	if parent == "" {
		return git(dir, nil, "", "diff-tree", "-p", "--binary", "-M", "--no-commit-id", "--root", commit)
	}
	return git(dir, nil, "", "diff-tree", "-p", "--binary", "-M", "--no-commit-id", parent, commit)
}
