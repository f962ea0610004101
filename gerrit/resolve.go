package gerrit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"porthole/internal/lazyre"
	"sort"
	"strconv"
	"strings"
	"time"

	gg "github.com/andygrunwald/go-gerrit"
)

// detailOptions are the o= options Resolve and WaitForMerge ask for: enough
// to fill a whole Change in one call.
var detailOptions = []string{
	"LABELS", "DETAILED_LABELS", "DETAILED_ACCOUNTS",
	"CURRENT_REVISION", "CURRENT_COMMIT", "CURRENT_FILES",
	"SUBMITTABLE", "MESSAGES",
}

// changeInfo is go-gerrit's ChangeInfo with mergeable as a pointer: absent
// (newer Gerrit, or SKIP_MERGEABLE) is not the same as false.
type changeInfo struct {
	gg.ChangeInfo
	Mergeable *bool `json:"mergeable,omitempty"`
}

// Resolve reads a change from anything ParseRef accepts and fills the whole
// Change. Errors: the ParseRef error, *NotFoundError, *AmbiguousError (a bare
// Change-Id on several branches), *AuthError, *NetworkError, *APIError.
func (c *Client) Resolve(ctx context.Context, ref string) (*Change, error) {
	r, err := ParseRef(ref)
	if err != nil {
		return nil, err
	}
	if r.Host != "" && !c.isOurHost(r.Host) {
		return nil, fmt.Errorf("%q links to %s but porthole talks to Gerrit at %s: paste a link or number from %s", r.Input, r.Host, c.base.Host, c.web.Host)
	}
	if r.Number == 0 && r.Branch == "" {
		// A bare Change-Id: cherry-picks share it, so ask which changes have it.
		cands, err := c.query(ctx, "resolve "+r.ChangeID, "change:"+r.ChangeID)
		if err != nil {
			return nil, err
		}
		switch len(cands) {
		case 0:
			return nil, &NotFoundError{Ref: r.ChangeID, Host: c.base.Host, User: c.user}
		case 1:
			r = Ref{Input: r.Input, Number: cands[0].Number, Project: cands[0].Project}
		default:
			return nil, &AmbiguousError{ChangeID: r.ChangeID, Candidates: cands}
		}
	}
	ch, err := c.detail(ctx, r.ID(), "read change "+r.String())
	if err != nil {
		if isNotFound(err) {
			return nil, &NotFoundError{Ref: r.String(), Host: c.base.Host, User: c.user}
		}
		return nil, err
	}
	return ch, nil
}

// Refresh re-reads a change already resolved.
func (c *Client) Refresh(ctx context.Context, ch *Change) (*Change, error) {
	n, err := c.detail(ctx, changeID(ch), fmt.Sprintf("read change %d", ch.Number))
	if err != nil && isNotFound(err) {
		return nil, &NotFoundError{Ref: fmt.Sprint(ch.Number), Host: c.base.Host, User: c.user}
	}
	return n, err
}

func (c *Client) isOurHost(h string) bool {
	return strings.EqualFold(h, c.base.Hostname()) || strings.EqualFold(h, c.web.Hostname())
}

// mergeRaceReads is how many times detail re-reads a change whose
// …/mergeable answered 409 (it was closed between the two requests).
const mergeRaceReads = 3

// detail GETs changes/ID/detail with detailOptions and converts it; when
// Gerrit leaves mergeable out of an open change (stock Gerrit does) it asks
// …/mergeable. Gerrit up to 3.13 answers that 409 "change is merged" when
// the change merged in between: the change is then read again.
func (c *Client) detail(ctx context.Context, id, action string) (*Change, error) {
	for read := 1; ; read++ {
		q := url.Values{"o": detailOptions}
		var ci changeInfo
		if err := c.getJSON(ctx, action, "changes/"+id+"/detail?"+q.Encode(), &ci); err != nil {
			return nil, err
		}
		ch := c.convert(&ci.ChangeInfo)
		ch.Mergeable = ci.Mergeable
		if ch.Mergeable != nil || ch.Status != "NEW" || ch.CurrentRevision == "" {
			return ch, nil
		}
		mi, resp, err := c.api.Changes.GetMergeable(ctx, id, ch.CurrentRevision, nil)
		err = c.fail(ctx, action, resp, err)
		var ae *APIError
		if errors.As(err, &ae) && ae.Status == http.StatusConflict && read < mergeRaceReads {
			continue // closed since the first read: read it again
		}
		if err != nil {
			return nil, err
		}
		ch.Mergeable = &mi.Mergeable
		return ch, nil
	}
}

// Query runs a Gerrit search (e.g. the changes waiting for a backport
// window), sorted by project, branch and number.
func (c *Client) Query(ctx context.Context, q string) ([]*Change, error) {
	return c.query(ctx, "search "+strconv.Quote(q), q)
}

// query runs one search with detailOptions and converts the results,
// sorted by project, branch and number.
func (c *Client) query(ctx context.Context, action, q string) ([]*Change, error) {
	opt := &gg.QueryChangeOptions{}
	opt.Query = []string{q}
	opt.AdditionalFields = []string{"LABELS", "DETAILED_ACCOUNTS", "CURRENT_REVISION"}
	res, resp, err := c.api.Changes.QueryChanges(ctx, opt)
	if err := c.fail(ctx, action, resp, err); err != nil {
		return nil, err
	}
	var out []*Change
	for i := range *res {
		out = append(out, c.convert(&(*res)[i]))
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Project != b.Project {
			return a.Project < b.Project
		}
		if a.Branch != b.Branch {
			return a.Branch < b.Branch
		}
		return a.Number < b.Number
	})
	return out, nil
}

// convert flattens a ChangeInfo into a Change.
func (c *Client) convert(ci *gg.ChangeInfo) *Change {
	ch := &Change{
		Number:          ci.Number,
		Project:         ci.Project,
		Branch:          strings.TrimPrefix(ci.Branch, "refs/heads/"),
		ChangeID:        ci.ChangeID,
		Subject:         ci.Subject,
		Status:          ci.Status,
		Owner:           account(ci.Owner),
		CurrentRevision: ci.CurrentRevision,
		PatchSet:        ci.CurrentRevisionNumber,
		Submittable:     ci.Submittable,
		WIP:             ci.WorkInProgress,
		RevertOf:        ci.RevertOf,
		Created:         ci.Created.Time,
		Updated:         ci.Updated.Time,
		WebURL:          c.WebURL(ci.Project, ci.Number),
	}
	if ci.Submitted != nil {
		ch.Submitted = ci.Submitted.Time
	}
	if rev, ok := ci.Revisions[ci.CurrentRevision]; ok {
		ch.PatchSet = rev.Number
		ch.Message = rev.Commit.Message
		for path, f := range rev.Files {
			if strings.HasPrefix(path, "/") { // /COMMIT_MSG, /MERGE_LIST, /PATCHSET_LEVEL
				continue
			}
			st := f.Status
			if st == "" {
				st = "M"
			}
			ch.Files = append(ch.Files, File{Path: path, OldPath: f.OldPath, Status: st, Inserted: f.LinesInserted, Deleted: f.LinesDeleted, Binary: f.Binary})
		}
		sort.Slice(ch.Files, func(i, j int) bool { return ch.Files[i].Path < ch.Files[j].Path })
	}
	if ch.Status == "MERGED" {
		ch.MergedRevision = ch.CurrentRevision
	}
	if len(ci.Labels) > 0 {
		ch.Labels = map[string][]Vote{}
		for name, l := range ci.Labels {
			ch.Labels[name] = votes(l)
		}
	}
	ch.Bugs = Bugs(ch.Message)
	ch.DependsOn = DependsOn(ch.Message)
	ch.FailedBuild = failedBuild(ci.Messages)
	return ch
}

// buildLine is a line of Zuul's report: "- JOB URL : FAILURE in 9m 41s".
var buildLine = lazyre.New(`(?m)^- \S+ (https?://\S+) : (FAILURE|ERROR|TIMED_OUT|POST_FAILURE)\b`)

// failedBuild is the console URL of the failed build in the newest CI
// report among msgs ("" when it passed, or none names one).
func failedBuild(msgs []gg.ChangeMessageInfo) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i].Message
		if !strings.Contains(m, "Build failed") && !strings.Contains(m, "build failed") && !strings.Contains(m, "build succeeded") && !strings.Contains(m, "Build succeeded") {
			continue // not a CI report
		}
		if b := buildLine.FindStringSubmatch(m); b != nil {
			return b[1]
		}
		return ""
	}
	return ""
}

// votes lists the non-zero votes of a label, from DETAILED_LABELS' "all",
// or from the LABELS summary when that is all Gerrit sent.
func votes(l gg.LabelInfo) []Vote {
	var out []Vote
	for _, a := range l.All {
		if a.Value == 0 {
			continue
		}
		out = append(out, Vote{Account: account(a.AccountInfo), Value: a.Value, Date: parseTime(a.Date)})
	}
	if len(l.All) == 0 {
		add := func(a gg.AccountInfo, v int) {
			if a.AccountID != 0 || a.Username != "" || a.Name != "" {
				out = append(out, Vote{Account: account(a), Value: v})
			}
		}
		max, min := labelRange(l.Values)
		add(l.Approved, max)
		add(l.Recommended, 1)
		add(l.Disliked, -1)
		add(l.Rejected, min)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}

// labelRange reads the extremes of a label's "values" keys ("-2", " 0", "+2").
func labelRange(values map[string]string) (max, min int) {
	max, min = 2, -2
	first := true
	for k := range values {
		var v int
		if _, err := fmt.Sscan(strings.TrimSpace(k), &v); err != nil {
			continue
		}
		if first || v > max {
			max = v
		}
		if first || v < min {
			min = v
		}
		first = false
	}
	return max, min
}

func account(a gg.AccountInfo) Account {
	name := a.Name
	if name == "" {
		name = a.DisplayName
	}
	return Account{ID: a.AccountID, Name: name, Email: a.Email, Username: a.Username}
}

// timeLayout is Gerrit's timestamp format (UTC, nanoseconds).
const timeLayout = "2006-01-02 15:04:05.000000000"

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(timeLayout, s, time.UTC)
	if err != nil {
		// Some servers send fewer fractional digits.
		t, _ = time.ParseInLocation("2006-01-02 15:04:05.999999999", s, time.UTC)
	}
	return t
}
