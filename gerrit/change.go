// Package gerrit resolves, inspects, approves and watches Gerrit changes
// over go-gerrit, and builds the SAL text deployers log.
package gerrit

import "time"

// Change is what porthole knows of one Gerrit change, flattened from ChangeInfo.
type Change struct {
	Number          int
	Project         string // e.g. mediawiki/core, mediawiki/extensions/Echo, operations/mediawiki-config
	Branch          string // without refs/heads/, e.g. wmf/1.44.0-wmf.5
	ChangeID        string // I…
	Subject         string
	Message         string // full commit message of the current revision
	Status          string // NEW, MERGED, ABANDONED
	Owner           Account
	CurrentRevision string // SHA-1
	PatchSet        int
	Labels          map[string][]Vote // Code-Review, Verified → votes
	Mergeable       *bool             // nil when Gerrit did not say
	Submittable     bool
	WIP             bool
	RevertOf        int // change number this reverts, 0 if none
	Files           []File
	Bugs            []string // T123 from "Bug: T123" footers
	DependsOn       []string // Change-Ids or numbers from "Depends-On:" footers
	Created         time.Time
	Updated         time.Time
	Submitted       time.Time
	MergedRevision  string // the commit that landed on the branch, when merged
	WebURL          string // https://host/r/c/project/+/N
	FailedBuild     string // console URL of the failed build in CI's newest report, "" for none
}

// Account is a Gerrit user as shown to the deployer.
type Account struct {
	ID       int
	Name     string
	Email    string
	Username string
}

// Vote is one reviewer's value on one label.
type Vote struct {
	Account Account
	Value   int
	Date    time.Time
}

// File is one file the current revision touches.
type File struct {
	Path     string
	OldPath  string
	Status   string // A, D, R, C, W or M
	Inserted int
	Deleted  int
	Binary   bool
}

// IsConfig is true for operations/mediawiki-config changes.
func (c *Change) IsConfig() bool { return c.Project == "operations/mediawiki-config" }

// IsCore is true for mediawiki/core changes.
func (c *Change) IsCore() bool { return c.Project == "mediawiki/core" }

// IsSubmodule is true for extension, skin and vendor changes that ride core's wmf branch as submodules.
func (c *Change) IsSubmodule() bool {
	return !c.IsConfig() && !c.IsCore()
}

// WaitReason says why waiting for a merge ended.
type WaitReason string

// Reasons a wait for merge ends.
const (
	WaitMerged       WaitReason = "merged"
	WaitRejected     WaitReason = "rejected"      // Code-Review -2
	WaitVerifyFailed WaitReason = "verify-failed" // Verified -1 after our approval
	WaitNotMergeable WaitReason = "not-mergeable" // mergeable false twice in a row
	WaitNewPatchSet  WaitReason = "new-patch-set" // needs re-approval
	WaitAbandoned    WaitReason = "abandoned"
	WaitTimeout      WaitReason = "timeout"
	WaitCancelled    WaitReason = "cancelled"
)

// WaitOptions tune WaitForMerge.
type WaitOptions struct {
	Interval   time.Duration // poll interval; 5 s like scap when zero
	Timeout    time.Duration // 0 for none
	ApprovedAt time.Time     // our +2; Verified -1 before it is stale and ignored
	CIAccount  string        // username whose Verified counts (jenkins-bot); "" for anyone
	Events     EventSource   // optional stream-events source; nil to poll only
	// RecheckedAt is when the deployer commented "recheck": CI votes before
	// it are stale, even when newer than the +2.
	RecheckedAt time.Time
	// ReportedFailureAt is the date of a CI failure already reported to the
	// deployer (who chose not to recheck from porthole): that vote and older
	// ones are stale, so waiting again waits for CI's next result.
	ReportedFailureAt time.Time
}

// WaitStatus is reported on every poll so the UI can show elapsed time.
type WaitStatus struct {
	Change  int
	Elapsed time.Duration
	Polls   int
	Status  string // Gerrit status at the last poll
	Note    string // e.g. "CI running", "mergeable: false (1 of 2)"
}

// WaitResult is how a wait ended.
type WaitResult struct {
	Reason  WaitReason
	Change  *Change // the change as last seen
	Detail  string  // one line for the deployer: who voted -2, which patch set, …
	Elapsed time.Duration
	// VoteAt is, for WaitVerifyFailed, the date of the failing CI vote (zero
	// when Gerrit gave none).
	VoteAt time.Time
}

// EventSource delivers stream-events lines (gerrit stream-events over SSH, or the emulator's).
type EventSource interface {
	// Subscribe returns a channel of events until ctx ends.
	Subscribe(ctxDone <-chan struct{}) (<-chan Event, error)
}

// Event is one stream-events line, decoded leniently (both JSON shapes of project/changeKey).
type Event struct {
	Type     string
	Project  string
	Branch   string
	ChangeID string
	Number   int
	NewRev   string
	PatchSet int
	Created  time.Time
}
