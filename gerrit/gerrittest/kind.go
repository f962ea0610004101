package gerrittest

import (
	"slices"
	"strings"
)

// Change kinds, as Gerrit's ChangeKindCache names them.
const (
	kindRework        = "REWORK"
	kindTrivialRebase = "TRIVIAL_REBASE"
	kindNoCodeChange  = "NO_CODE_CHANGE"
	kindNoChange      = "NO_CHANGE"
)

// changeKind classifies next against the prior patch set: same tree and
// parents is NO_CHANGE (same message) or NO_CODE_CHANGE; the same patch on
// another parent with the same message is TRIVIAL_REBASE; else REWORK.
func changeKind(dir string, prior, next *patchSet) string {
	pc, nc := prior.Commit, next.Commit
	if len(pc.Parents) != 1 || len(nc.Parents) != 1 {
		if pc.Tree == nc.Tree && slices.Equal(pc.Parents, nc.Parents) && pc.Message == nc.Message {
			return kindNoChange
		}
		return kindRework
	}
	if pc.Tree == nc.Tree && pc.Parents[0] == nc.Parents[0] {
		if pc.Message == nc.Message {
			return kindNoChange
		}
		return kindNoCodeChange
	}
	if pc.Message != nc.Message || pc.Parents[0] == nc.Parents[0] {
		return kindRework
	}
	a, err1 := diffPatch(dir, pc.Parents[0], prior.Rev)
	b, err2 := diffPatch(dir, nc.Parents[0], next.Rev)
	if err1 != nil || err2 != nil || patchID(a) != patchID(b) {
		return kindRework
	}
	return kindTrivialRebase
}

// patchID is a diff without what a rebase changes: blob ids and the line
// numbers of hunks.
func patchID(diff string) string {
	var b strings.Builder
	for _, l := range strings.Split(diff, "\n") {
		switch {
		case strings.HasPrefix(l, "index "):
			continue
		case strings.HasPrefix(l, "@@"):
			if i := strings.Index(l[2:], "@@"); i >= 0 {
				l = "@@" + l[2+i+2:]
			}
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// copyVotes carries the prior patch set's votes to next by each label's
// copy condition (unless Compat.NoVoteCopy).
func (s *Server) copyVotes(prior, next *patchSet) {
	if s.opts.Compat.NoVoteCopy {
		return
	}
	for _, def := range labelDefs {
		copyAll := slices.Contains(def.CopyKinds, next.Kind)
		for id, v := range prior.Votes[def.Name] {
			if copyAll || (def.CopyMin && v.Value == def.Min) {
				if next.Votes[def.Name] == nil {
					next.Votes[def.Name] = map[int]vote{}
				}
				next.Votes[def.Name][id] = v
			}
		}
	}
}
