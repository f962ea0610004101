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

// Compat switches the emulator from stock Gerrit 3.x behaviour to older or
// non-default behaviour, one point at a time. The zero value is stock 3.x.
type Compat struct {
	// ShowMergeable puts "mergeable" in ChangeInfo of open changes
	// (change.mergeabilityComputationBehavior = API_REF_UPDATED_AND_CHANGE_REINDEX);
	// by default it is left out and clients must ask …/mergeable.
	ShowMergeable bool
	// MergeableWhenMerged answers …/mergeable of a merged change with 200
	// (mergeable false, commit_merged true) instead of 409 "change is merged".
	MergeableWhenMerged bool
	// StrictLabels refuses an unknown label or value with 400
	// (change.strictLabels = true); by default it is dropped and the
	// review answers 200 without it.
	StrictLabels bool
	// OpenApprovals lets every account vote Code-Review +2; by default only
	// members of ApproverGroup may.
	OpenApprovals bool
	// TripletID makes ChangeInfo.id project~branch~Change-Id (before 2023)
	// instead of project~number.
	TripletID bool
	// ObjectShapedMergeEvents writes change-merged with "project":{"name":…}
	// and "changeKey":{"key":…}, as one 3.x server was seen to; by default
	// every event has "project":"name" and "changeKey":{"id":…}.
	ObjectShapedMergeEvents bool
	// NoVoteCopy drops every vote on a new patch set instead of copying
	// them by each label's copy condition.
	NoVoteCopy bool
}

// ApproverGroup is the group whose members may vote Code-Review -2 and +2
// (the access rule label-Code-Review = -2..+2 group Approvers). Others,
// change owners included, may vote -1..+1.
const ApproverGroup = "Approvers"

// User is a Gerrit account.
type User struct {
	Username     string
	Name         string
	Email        string
	HTTPPassword string   // for /a/ basic auth; "" means the account cannot log in over REST
	Groups       []string // e.g. ApproverGroup
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
	Kind     string // REWORK, TRIVIAL_REBASE, NO_CODE_CHANGE, NO_CHANGE
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
	CherryPickOf [2]int // change and patch set this was cherry-picked from over REST
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
	// CopyKinds are the change kinds whose new patch set keeps the votes
	// (copyCondition changekind:…); CopyMin also keeps the lowest vote
	// whatever the kind (is:MIN).
	CopyKinds []string
	CopyMin   bool
}

// labelDefs are the labels Wikimedia's projects have. Code-Review's copy
// condition is "changekind:NO_CHANGE OR changekind:TRIVIAL_REBASE OR
// changekind:NO_CODE_CHANGE OR is:MIN"; Verified's "changekind:NO_CHANGE"
// (CI votes again on every upload).
var labelDefs = []labelDef{
	{Name: "Code-Review", Min: -2, Max: 2, Values: map[int]string{
		-2: "This shall not be merged", -1: "I would prefer this is not merged as is", 0: "No score",
		1: "Looks good to me, but someone else must approve", 2: "Looks good to me, approved"},
		CopyKinds: []string{kindNoChange, kindTrivialRebase, kindNoCodeChange}, CopyMin: true},
	{Name: "Verified", Min: -1, Max: 2, Values: map[int]string{
		-1: "Fails", 0: "No score", 1: "Checked", 2: "Verified"},
		CopyKinds: []string{kindNoChange}},
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
