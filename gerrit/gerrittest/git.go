package gerrittest

import (
	"fmt"
	"os"
	"path/filepath"
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
