package gerrittest

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
)

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05.000000000")
}

// acct renders an account: only the id unless DETAILED_ACCOUNTS.
func (s *Server) acct(id int, o options) accountJSON {
	a := accountJSON{ID: id}
	if u := s.users[id]; u != nil && o["DETAILED_ACCOUNTS"] {
		a.Name, a.Email, a.Username = u.Name, u.Email, u.Username
	}
	return a
}

func (s *Server) acctFull(id int) accountJSON {
	return s.acct(id, options{"DETAILED_ACCOUNTS": true})
}

// changeInfo renders a change as the caller (0 for anonymous) sees it.
func (s *Server) changeInfo(c *change, o options, caller int) *changeJSON {
	cur := c.current()
	j := &changeJSON{
		ID:        url.PathEscape(c.Project) + "~" + itoa(c.Number),
		TripletID: url.PathEscape(c.Project) + "~" + url.PathEscape(c.Branch) + "~" + c.ChangeID,
		Project:   c.Project, Branch: c.Branch, Topic: c.Topic, Hashtags: []string{},
		ChangeID: c.ChangeID, Subject: c.subject(), Status: c.Status,
		Created: ts(c.Created), Updated: ts(c.Updated), Submitted: ts(c.Submitted),
		Insertions: cur.Inserted, Deletions: cur.Deleted,
		HasReviewStarted: !c.WIP, Number: c.Number, CurrentRevisionNumber: cur.Number,
		Owner: s.acct(c.Owner, o), WorkInProgress: c.WIP, RevertOf: c.RevertOf, SubmissionID: c.SubmissionID,
		CherryPickOfChange: c.CherryPickOf[0], CherryPickOfPatchSet: c.CherryPickOf[1],
	}
	if s.opts.Compat.TripletID {
		j.ID, j.TripletID = j.TripletID, ""
	}
	if c.Status != "MERGED" {
		j.SubmitType = "MERGE_IF_NECESSARY" // "Not set for merged changes."
	}
	if c.Submitter != 0 {
		a := s.acct(c.Submitter, o)
		j.Submitter = &a
	}
	if c.open() && !o["SKIP_MERGEABLE"] && s.opts.Compat.ShowMergeable {
		m := s.mergeable(c)
		j.Mergeable = &m
	}
	if o["SUBMITTABLE"] {
		v := s.submittable(c)
		j.Submittable = &v
	}
	if o["LABELS"] || o["DETAILED_LABELS"] {
		s.labelInfo(j, c, o, caller)
	}
	if o["MESSAGES"] {
		j.Messages = s.messages(c, o)
	}
	if o["CURRENT_REVISION"] || o["ALL_REVISIONS"] {
		j.CurrentRevision = cur.Rev
		j.Revisions = s.revisions(c, o, caller)
	}
	return j
}

// labelInfo adds the labels, and with DETAILED_LABELS what the caller may
// vote and the reviewers (with the ones the caller may remove).
func (s *Server) labelInfo(j *changeJSON, c *change, o options, caller int) {
	j.Labels = s.labels(c, o, caller)
	if !o["DETAILED_LABELS"] {
		return
	}
	if caller != 0 && c.open() {
		j.PermittedLabels = map[string][]string{}
		for _, def := range labelDefs {
			def = s.projectLabel(c.Project, def)
			min, max, ok := s.votingRange(def, caller)
			if !ok {
				continue
			}
			for v := min; v <= max; v++ {
				j.PermittedLabels[def.Name] = append(j.PermittedLabels[def.Name], valueKey(v))
			}
		}
	}
	for _, id := range s.reviewerIDs(c) {
		if j.Reviewers == nil {
			j.Reviewers = map[string][]accountJSON{}
		}
		j.Reviewers["REVIEWER"] = append(j.Reviewers["REVIEWER"], s.acct(id, o))
		// The owner may remove any reviewer, others only themselves.
		if caller != 0 && (caller == c.Owner || caller == id) {
			j.RemovableReviewers = append(j.RemovableReviewers, s.acct(id, o))
		}
	}
}

// messages renders a change's messages.
func (s *Server) messages(c *change, o options) []messageJSON {
	var out []messageJSON
	for _, m := range c.Messages {
		mj := messageJSON{ID: m.ID, Tag: m.Tag, Date: ts(m.Date), Message: m.Text, RevisionNumber: m.PatchSet}
		if m.Author != 0 {
			a := s.acct(m.Author, o)
			mj.Author = &a
		}
		out = append(out, mj)
	}
	return out
}

// revisions renders the current patch set, or with ALL_REVISIONS all of
// them, with their commits and files as the options ask.
func (s *Server) revisions(c *change, o options, caller int) map[string]*revisionJSON {
	cur := c.current()
	out := map[string]*revisionJSON{}
	for _, ps := range c.PatchSets {
		isCur := ps == cur
		if !isCur && !o["ALL_REVISIONS"] {
			continue
		}
		r := &revisionJSON{Kind: ps.Kind, Number: ps.Number, Created: ts(ps.Created), Uploader: s.acct(ps.Uploader, o), Ref: ps.Ref, Fetch: s.fetchInfo(c, ps, o, caller)}
		if o["ALL_COMMITS"] || (isCur && o["CURRENT_COMMIT"]) {
			r.Commit = s.commitInfo(ps, false)
		}
		if o["ALL_FILES"] || (isCur && o["CURRENT_FILES"]) {
			r.Files = s.fileInfos(ps)
		}
		if o["COMMIT_FOOTERS"] && isCur {
			r.CommitWithFooter = ps.Commit.Message
		}
		out[ps.Rev] = r
	}
	return out
}

// reviewerIDs are everyone who reviewed or voted, by id.
func (s *Server) reviewerIDs(c *change) []int {
	set := map[int]bool{}
	for id := range c.Reviewers {
		set[id] = true
	}
	for _, vs := range c.current().Votes {
		for id := range vs {
			set[id] = true
		}
	}
	var ids []int
	for id := range set {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}

// labels renders the labels of the current patch set.
func (s *Server) labels(c *change, o options, caller int) map[string]*labelJSON {
	cur := c.current()
	out := map[string]*labelJSON{}
	for _, def := range labelDefs {
		l := &labelJSON{}
		votes := cur.Votes[def.Name]
		for _, id := range sortedVotes(votes) {
			v := votes[id].Value
			a := s.acct(id, o)
			switch {
			case v == def.Max:
				l.Approved = &a
			case v == def.Min:
				l.Rejected = &a
			case v > 0:
				if l.Recommended == nil {
					l.Recommended = &a
				}
			case v < 0:
				if l.Disliked == nil {
					l.Disliked = &a
				}
			}
			if id == caller {
				l.Value = v
			}
		}
		l.Blocking = l.Rejected != nil
		if o["DETAILED_LABELS"] {
			for _, id := range s.reviewerIDs(c) {
				ap := approvalJSON{accountJSON: s.acct(id, o)}
				if v, ok := votes[id]; ok {
					ap.Value, ap.Date = v.Value, ts(v.Date)
				}
				if min, max, ok := s.votingRange(def, id); ok && c.open() {
					ap.PermittedVotingRange = &votingRange{min, max}
				}
				l.All = append(l.All, ap)
			}
			l.Values = map[string]string{}
			for v, text := range def.Values {
				l.Values[valueKey(v)] = text
			}
		}
		out[def.Name] = l
	}
	return out
}

// commitInfo renders a patch set's commit; withID adds "commit" (the
// GET …/commit form; inside revisions the map key is the SHA).
func (s *Server) commitInfo(ps *patchSet, withID bool) *commitJSON {
	cm := ps.Commit
	j := &commitJSON{
		Parents:   []parentJSON{},
		Author:    personJSON{cm.Author.Name, cm.Author.Email, ts(cm.Author.When), cm.AuthorTZ},
		Committer: personJSON{cm.Committer.Name, cm.Committer.Email, ts(cm.Committer.When), cm.CommitTZ},
		Subject:   cm.Subject(),
		Message:   cm.Message,
	}
	if withID {
		j.Commit = ps.Rev
	}
	for _, p := range ps.Parents {
		j.Parents = append(j.Parents, parentJSON{p.SHA, p.Subject})
	}
	return j
}

// fileInfos renders a patch set's files, with Gerrit's magic /COMMIT_MSG.
func (s *Server) fileInfos(ps *patchSet) map[string]*fileJSON {
	out := map[string]*fileJSON{}
	msg := commitMsgFile(ps)
	out["/COMMIT_MSG"] = &fileJSON{Status: "A", LinesInserted: strings.Count(msg, "\n"), SizeDelta: int64(len(msg)), Size: int64(len(msg))}
	for _, f := range ps.Files {
		fj := &fileJSON{Binary: f.Binary, OldPath: f.OldPath, LinesInserted: f.Inserted, LinesDeleted: f.Deleted, SizeDelta: f.SizeDelta, Size: f.Size}
		if f.Status != "M" {
			fj.Status = f.Status
		}
		out[f.Path] = fj
	}
	return out
}

// commitMsgFile is the text Gerrit shows as /COMMIT_MSG.
func commitMsgFile(ps *patchSet) string {
	cm := ps.Commit
	var b strings.Builder
	for _, p := range ps.Parents {
		fmt.Fprintf(&b, "Parent:     %s (%s)\n", p.SHA[:8], p.Subject)
	}
	date := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 -0700") }
	fmt.Fprintf(&b, "Author:     %s <%s>\nAuthorDate: %s\nCommit:     %s <%s>\nCommitDate: %s\n\n",
		cm.Author.Name, cm.Author.Email, date(cm.Author.When), cm.Committer.Name, cm.Committer.Email, date(cm.Committer.When))
	b.WriteString(cm.Message)
	return b.String()
}
