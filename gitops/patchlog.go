package gitops

import (
	"bytes"
	"context"
	"fmt"

	"github.com/bluekeyes/go-gitdiff/gitdiff"

	"porthole/gitops/gitlog"
	"porthole/internal/lazyre"
	"porthole/remote"
)

// LogPatchCommand is the review command deployers run after a fetch; with
// submodules it adds --submodule=diff so an extension's own diff shows (as
// scap does), not just the moved gitlink.
func LogPatchCommand(submoduleDiff bool) string {
	if submoduleDiff {
		return Cmd("log", "-p", "--no-color", "--submodule=diff", "HEAD..@{u}")
	}
	return Cmd("log", "-p", "--no-color", "HEAD..@{u}")
}

// LogPatch returns the raw bytes of `git log -p HEAD..@{u}`, for the diff
// viewer and for checks; bind run to a capturing executor (it can be huge).
func LogPatch(ctx context.Context, run Run, dir string, submoduleDiff bool) ([]byte, error) {
	res, err := gitCmd(ctx, run, remote.Command{Cmd: LogPatchCommand(submoduleDiff), Dir: dir})
	if err != nil {
		return nil, err
	}
	return res.Stdout, nil
}

// PatchCommit is one commit of a `git log -p` text with its parsed files.
type PatchCommit struct {
	SHA       string
	Author    string
	Title     string
	Message   string // title and body, de-indented
	ChangeIDs []string
	Merge     bool // the header had a Merge: line
	Files     []*gitdiff.File
}

var mergeLineRe = lazyre.New(`(?m)^Merge: `)

// ParsePatchLog splits a `git log -p` text into commits (gitlog.SplitLog) and parses
// each one's header and files with go-gitdiff.
func ParsePatchLog(b []byte) ([]PatchCommit, error) {
	_, chunks := gitlog.SplitLog(b)
	var out []PatchCommit
	for _, chunk := range chunks {
		pc, err := parsePatchCommit(chunk)
		if err != nil {
			return out, err
		}
		out = append(out, pc)
	}
	if len(chunks) == 0 && len(bytes.TrimSpace(b)) > 0 {
		return nil, fmt.Errorf("not a git log -p text: no \"commit <sha>\" line")
	}
	return out, nil
}

func parsePatchCommit(chunk []byte) (PatchCommit, error) {
	// The header runs to the first diff; gitdiff.Parse returns it as the preamble.
	files, preamble, err := gitdiff.Parse(bytes.NewReader(chunk))
	if err != nil {
		return PatchCommit{}, fmt.Errorf("parsing git log -p: %w", err)
	}
	if len(files) == 0 {
		preamble = string(chunk)
	}
	h, err := gitdiff.ParsePatchHeader(preamble)
	if err != nil {
		return PatchCommit{}, fmt.Errorf("parsing commit header: %w", err)
	}
	pc := PatchCommit{SHA: h.SHA, Title: h.Title, Message: h.Message(), Files: files}
	if h.Author != nil {
		pc.Author = h.Author.String()
	}
	pc.ChangeIDs = ChangeIDs(pc.Message)
	pc.Merge = mergeLineRe.MatchString(preamble)
	return pc, nil
}
