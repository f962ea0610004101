package gerrittest

import (
	"fmt"
	"net/url"
	"strings"
)

// The JSON entities of Gerrit's REST API, with Gerrit's field names and
// omission rules (not go-gerrit's structs: mergeable false must show).

type accountJSON struct {
	ID       int    `json:"_account_id"`
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
	Username string `json:"username,omitempty"`
}

type approvalJSON struct {
	accountJSON
	Value                int          `json:"value"`
	Date                 string       `json:"date,omitempty"`
	Tag                  string       `json:"tag,omitempty"`
	PermittedVotingRange *votingRange `json:"permitted_voting_range,omitempty"`
}

type votingRange struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

type labelJSON struct {
	Approved     *accountJSON      `json:"approved,omitempty"`
	Rejected     *accountJSON      `json:"rejected,omitempty"`
	Recommended  *accountJSON      `json:"recommended,omitempty"`
	Disliked     *accountJSON      `json:"disliked,omitempty"`
	Blocking     bool              `json:"blocking,omitempty"`
	Value        int               `json:"value,omitempty"`
	DefaultValue int               `json:"default_value"`
	All          []approvalJSON    `json:"all,omitempty"`
	Values       map[string]string `json:"values,omitempty"`
}

type messageJSON struct {
	ID             string       `json:"id"`
	Tag            string       `json:"tag,omitempty"`
	Author         *accountJSON `json:"author,omitempty"`
	Date           string       `json:"date"`
	Message        string       `json:"message"`
	RevisionNumber int          `json:"_revision_number"`
}

type personJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Date  string `json:"date"`
	TZ    int    `json:"tz"`
}

type parentJSON struct {
	Commit  string `json:"commit"`
	Subject string `json:"subject"`
}

type commitJSON struct {
	Commit    string       `json:"commit,omitempty"`
	Parents   []parentJSON `json:"parents"`
	Author    personJSON   `json:"author"`
	Committer personJSON   `json:"committer"`
	Subject   string       `json:"subject"`
	Message   string       `json:"message"`
}

type fileJSON struct {
	Status        string `json:"status,omitempty"`
	Binary        bool   `json:"binary,omitempty"`
	OldPath       string `json:"old_path,omitempty"`
	LinesInserted int    `json:"lines_inserted,omitempty"`
	LinesDeleted  int    `json:"lines_deleted,omitempty"`
	SizeDelta     int64  `json:"size_delta"`
	Size          int64  `json:"size"`
}

type revisionJSON struct {
	Kind             string               `json:"kind"`
	Number           int                  `json:"_number"`
	Created          string               `json:"created"`
	Uploader         accountJSON          `json:"uploader"`
	Ref              string               `json:"ref"`
	Fetch            map[string]any       `json:"fetch"`
	Commit           *commitJSON          `json:"commit,omitempty"`
	Files            map[string]*fileJSON `json:"files,omitempty"`
	CommitWithFooter string               `json:"commit_with_footers,omitempty"`
}

type changeJSON struct {
	ID                     string                   `json:"id"`
	TripletID              string                   `json:"triplet_id,omitempty"`
	Project                string                   `json:"project"`
	Branch                 string                   `json:"branch"`
	Topic                  string                   `json:"topic,omitempty"`
	Hashtags               []string                 `json:"hashtags"`
	ChangeID               string                   `json:"change_id"`
	Subject                string                   `json:"subject"`
	Status                 string                   `json:"status"`
	Created                string                   `json:"created"`
	Updated                string                   `json:"updated"`
	Submitted              string                   `json:"submitted,omitempty"`
	Submitter              *accountJSON             `json:"submitter,omitempty"`
	SubmitType             string                   `json:"submit_type,omitempty"`
	Mergeable              *bool                    `json:"mergeable,omitempty"`
	Submittable            *bool                    `json:"submittable,omitempty"`
	Insertions             int                      `json:"insertions"`
	Deletions              int                      `json:"deletions"`
	TotalCommentCount      int                      `json:"total_comment_count"`
	UnresolvedCommentCount int                      `json:"unresolved_comment_count"`
	HasReviewStarted       bool                     `json:"has_review_started"`
	Number                 int                      `json:"_number"`
	CurrentRevisionNumber  int                      `json:"current_revision_number"`
	Owner                  accountJSON              `json:"owner"`
	Labels                 map[string]*labelJSON    `json:"labels,omitempty"`
	PermittedLabels        map[string][]string      `json:"permitted_labels,omitempty"`
	RemovableReviewers     []accountJSON            `json:"removable_reviewers,omitempty"`
	Reviewers              map[string][]accountJSON `json:"reviewers,omitempty"`
	Messages               []messageJSON            `json:"messages,omitempty"`
	CurrentRevision        string                   `json:"current_revision,omitempty"`
	Revisions              map[string]*revisionJSON `json:"revisions,omitempty"`
	WorkInProgress         bool                     `json:"work_in_progress,omitempty"`
	RevertOf               int                      `json:"revert_of,omitempty"`
	CherryPickOfChange     int                      `json:"cherry_pick_of_change,omitempty"`
	CherryPickOfPatchSet   int                      `json:"cherry_pick_of_patch_set,omitempty"`
	SubmissionID           string                   `json:"submission_id,omitempty"`
	MoreChanges            bool                     `json:"_more_changes,omitempty"`
}

// options are the o= query options of a request.
type options map[string]bool

var knownOptions = map[string]bool{
	"LABELS": true, "DETAILED_LABELS": true, "CURRENT_REVISION": true, "ALL_REVISIONS": true,
	"DOWNLOAD_COMMANDS": true, "CURRENT_COMMIT": true, "ALL_COMMITS": true, "CURRENT_FILES": true,
	"ALL_FILES": true, "DETAILED_ACCOUNTS": true, "REVIEWER_UPDATES": true, "MESSAGES": true,
	"CURRENT_ACTIONS": true, "CHANGE_ACTIONS": true, "REVIEWED": true, "SKIP_MERGEABLE": true,
	"SKIP_DIFFSTAT": true, "SUBMITTABLE": true, "WEB_LINKS": true, "CHECK": true, "COMMIT_FOOTERS": true,
	"PUSH_CERTIFICATES": true, "TRACKING_IDS": true, "NO-LIMIT": true, "SUBMIT_REQUIREMENTS": true,
	"STAR": true, "SKIP_DIFFSTAT_MERGED": true,
}

// parseOptions reads o= values; an unknown one is a 400 as in Gerrit.
func parseOptions(q url.Values) (options, error) {
	o := options{}
	for _, v := range q["o"] {
		v = strings.ToUpper(strings.TrimSpace(v))
		if !knownOptions[v] {
			return nil, &httpError{400, fmt.Sprintf("\"%s\" is not a valid value for \"-o\"", v)}
		}
		o[v] = true
	}
	return o, nil
}

// detailOptions are what GET …/detail implies.
func (o options) withDetail() options {
	n := options{"LABELS": true, "DETAILED_LABELS": true, "DETAILED_ACCOUNTS": true, "REVIEWER_UPDATES": true, "MESSAGES": true}
	for k := range o {
		n[k] = true
	}
	return n
}
