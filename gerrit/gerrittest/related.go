package gerrittest

import (
	"net/http"
	"sort"
)

type relatedCommit struct {
	Commit  string              `json:"commit"`
	Parents []map[string]string `json:"parents"`
	Author  personJSON          `json:"author"`
	Subject string              `json:"subject"`
}

type relatedJSON struct {
	Project               string        `json:"project"`
	ChangeID              string        `json:"change_id"`
	Commit                relatedCommit `json:"commit"`
	ChangeNumber          int           `json:"_change_number"`
	RevisionNumber        int           `json:"_revision_number"`
	CurrentRevisionNumber int           `json:"_current_revision_number"`
	Status                string        `json:"status"`
}

// getRelated serves …/revisions/{rev}/related: the changes in the same git
// chain (unmerged ancestors and open descendants), newest first, the change
// itself included; empty when it stands alone. Depends-On is not a relation.
func (s *Server) getRelated(q *request, c *change, ps *patchSet) error {
	p := s.projects[c.Project]
	var chain []*relatedJSON
	entry := func(o *change, ops *patchSet) *relatedJSON {
		cj := s.commitInfo(ops, true)
		rc := relatedCommit{Commit: ops.Rev, Parents: []map[string]string{}, Author: cj.Author, Subject: cj.Subject}
		for _, p := range ops.Parents {
			rc.Parents = append(rc.Parents, map[string]string{"commit": p.SHA})
		}
		return &relatedJSON{Project: o.Project, ChangeID: o.ChangeID, Commit: rc, ChangeNumber: o.Number,
			RevisionNumber: ops.Number, CurrentRevisionNumber: o.current().Number, Status: o.Status}
	}
	var desc []*change
	for _, o := range s.changes {
		if o != c && o.open() && o.Project == c.Project && o.Branch == c.Branch && isAncestor(p.Dir, ps.Rev, o.current().Rev) {
			desc = append(desc, o)
		}
	}
	sort.Slice(desc, func(i, j int) bool { return desc[i].Number > desc[j].Number })
	for _, o := range desc {
		chain = append(chain, entry(o, o.current()))
	}
	var anc []*relatedJSON
	if tip := revParse(p.Dir, "refs/heads/"+c.Branch); tip != "" {
		revs, err := revList(p.Dir, ps.Rev, tip)
		if err != nil {
			return err
		}
		for _, rev := range revs {
			if rev == ps.Rev {
				continue
			}
			if o := s.changeWithRevision(c.Project, rev); o != nil {
				for _, ops := range o.PatchSets {
					if ops.Rev == rev {
						anc = append(anc, entry(o, ops))
					}
				}
			}
		}
	}
	if len(chain)+len(anc) > 0 {
		chain = append(chain, entry(c, ps))
		chain = append(chain, anc...)
	}
	if chain == nil {
		chain = []*relatedJSON{}
	}
	return writeJSON(q, http.StatusOK, map[string]any{"changes": chain})
}
