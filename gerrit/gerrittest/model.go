package gerrittest

import (
	"sort"
	"strings"
	"time"
)

// CIResult is what the emulated CI (Zuul and jenkins-bot) does with a change.
type CIResult int

const (
	// CIPass votes Verified +1 on upload and, after a +2, Verified +2 and submits.
	CIPass CIResult = iota
	// CIFail votes Verified -1 on upload and again after a +2 (the gate fails).
	CIFail
	// CIManual never votes: tests drive Verified and Submit themselves.
	CIManual
)

// User is a Gerrit account.
type User struct {
	Username     string
	Name         string
	Email        string
	HTTPPassword string // for /a/ basic auth; "" means the account cannot log in over REST
}

// ChangeSpec describes a change to create.
type ChangeSpec struct {
	Project  string
	Branch   string // without refs/heads/
	Subject  string
	Body     string            // extra message paragraphs, footers included ("Bug: T123")
	Files    map[string]string // path → new content; DeleteFile deletes
	Owner    string            // username; must exist
	ChangeID string            // generated when ""
	CI       CIResult
	WIP      bool
	Topic    string
	// Parent stacks the change on another open change's current patch set
	// (same project and branch) instead of the branch tip.
	Parent int
}

// ChangeState is a read-only view of a change for tests.
type ChangeState struct {
	Number    int
	Project   string
	Branch    string
	ChangeID  string
	Subject   string
	Status    string // NEW, MERGED, ABANDONED
	Owner     string // username
	Topic     string
	WIP       bool
	PatchSet  int      // current patch set number
	Revision  string   // current revision SHA-1
	Revisions []string // every patch set's revision, [0] is patch set 1
	Ref       string   // refs/changes/NN/N/P of the current patch set
	// Votes on the current patch set: label → username → value.
	Votes     map[string]map[string]int
	Messages  []string // change messages, oldest first
	RevertOf  int
	MergedAs  string // the commit the branch moved to on submit (merge commit or the revision)
	Submitter string // username
	Mergeable bool
	CI        CIResult
}

// Write is one write request the emulator served (review, submit, revert,
// abandon, …), recorded so tests can assert what a client did.
type Write struct {
	Method string
	Path   string // after the base path and /a/, decoded, e.g. changes/mediawiki/core~1001/submit
	User   string // username, "" for anonymous
	Body   string
	Status int
	Time   time.Time
}

type account struct {
	ID int
	User
}

type vote struct {
	Value int
	Date  time.Time
}

type patchSet struct {
	Number   int
	Rev      string
	Ref      string
	Uploader int
	Created  time.Time
	Commit   *commitData
	Parents  []parentInfo
	Files    []fileStat
	Inserted int
	Deleted  int
	// Votes: label → account id → vote, on this patch set.
	Votes map[string]map[int]vote
}

type parentInfo struct{ SHA, Subject string }

type message struct {
	ID       string
	Author   int // 0 for Gerrit itself
	Date     time.Time
	Text     string
	PatchSet int
	Tag      string
}

type change struct {
	Number       int
	Project      string
	Branch       string
	ChangeID     string
	Status       string
	Owner        int
	Topic        string
	WIP          bool
	Created      time.Time
	Updated      time.Time
	Submitted    time.Time
	Submitter    int
	SubmissionID string
	RevertOf     int
	MergedAs     string
	CI           CIResult
	Mergeable    *bool // SetMergeable override; nil computes it
	PatchSets    []*patchSet
	Messages     []message
	Reviewers    map[int]bool
	ciTimer      *time.Timer
}

func (c *change) current() *patchSet { return c.PatchSets[len(c.PatchSets)-1] }

func (c *change) subject() string { return c.current().Commit.Subject() }

func (c *change) open() bool { return c.Status == "NEW" }

// patchSetRef is refs/changes/NN/N/P.
func patchSetRef(number, ps int) string {
	nn := number % 100
	return "refs/changes/" + pad2(nn) + "/" + itoa(number) + "/" + itoa(ps)
}

func pad2(n int) string {
	if n < 10 {
		return "0" + itoa(n)
	}
	return itoa(n)
}

// state builds the ChangeState view.
func (s *Server) state(c *change) ChangeState {
	cur := c.current()
	st := ChangeState{
		Number: c.Number, Project: c.Project, Branch: c.Branch, ChangeID: c.ChangeID,
		Subject: c.subject(), Status: c.Status, Owner: s.users[c.Owner].Username, Topic: c.Topic, WIP: c.WIP,
		PatchSet: cur.Number, Revision: cur.Rev, Ref: cur.Ref, RevertOf: c.RevertOf, MergedAs: c.MergedAs,
		Votes: map[string]map[string]int{}, CI: c.CI,
	}
	for _, ps := range c.PatchSets {
		st.Revisions = append(st.Revisions, ps.Rev)
	}
	for label, vs := range cur.Votes {
		for id, v := range vs {
			if st.Votes[label] == nil {
				st.Votes[label] = map[string]int{}
			}
			st.Votes[label][s.users[id].Username] = v.Value
		}
	}
	for _, m := range c.Messages {
		st.Messages = append(st.Messages, m.Text)
	}
	if c.Submitter != 0 {
		st.Submitter = s.users[c.Submitter].Username
	}
	st.Mergeable = c.open() && s.mergeable(c)
	return st
}

// labelDef is a configured label.
type labelDef struct {
	Name     string
	Min, Max int
	Values   map[int]string
}

// labelDefs are the labels Wikimedia's projects have.
var labelDefs = []labelDef{
	{Name: "Code-Review", Min: -2, Max: 2, Values: map[int]string{
		-2: "This shall not be merged", -1: "I would prefer this is not merged as is", 0: "No score",
		1: "Looks good to me, but someone else must approve", 2: "Looks good to me, approved"}},
	{Name: "Verified", Min: -1, Max: 2, Values: map[int]string{
		-1: "Fails", 0: "No score", 1: "Checked", 2: "Verified"}},
}

func findLabel(name string) (labelDef, bool) {
	for _, l := range labelDefs {
		if strings.EqualFold(l.Name, name) {
			return l, true
		}
	}
	return labelDef{}, false
}

// valueKey is how Gerrit writes a label value as a JSON key: "-2", " 0", "+2".
func valueKey(v int) string {
	switch {
	case v > 0:
		return "+" + itoa(v)
	case v == 0:
		return " 0"
	}
	return itoa(v)
}

// sortedVotes are a label's votes on a patch set, oldest first.
func sortedVotes(vs map[int]vote) []int {
	ids := make([]int, 0, len(vs))
	for id := range vs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := vs[ids[i]], vs[ids[j]]
		if !a.Date.Equal(b.Date) {
			return a.Date.Before(b.Date)
		}
		return ids[i] < ids[j]
	})
	return ids
}
