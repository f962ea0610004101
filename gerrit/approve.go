package gerrit

import (
	"context"
	"fmt"
	"sort"
	"strings"

	gg "github.com/andygrunwald/go-gerrit"
)

// Backportable says why a change cannot ride a backport window, or nil.
// A merged change is fine (it only needs deploying); an abandoned one, or
// one still work in progress, is not.
func (c *Change) Backportable() error {
	switch {
	case c.Status == "ABANDONED":
		return &StateError{Change: c, Action: "backport", Reason: "is abandoned", Hint: "restore it in Gerrit or pick the change that replaced it"}
	case c.WIP && c.Status == "NEW":
		return &StateError{Change: c, Action: "backport", Reason: "is marked work in progress", Hint: "ask the owner to mark it ready for review first"}
	}
	return nil
}

// Approve votes Code-Review +2 with message on the change's current
// revision as last resolved (so a patch set uploaded since is not approved
// blindly: WaitForMerge reports it). A merged change needs nothing; an
// abandoned or work-in-progress one is refused with a *StateError.
func (c *Client) Approve(ctx context.Context, ch *Change, message string) error {
	if ch == nil {
		return fmt.Errorf("approve: no change given")
	}
	switch {
	case ch.Status == "MERGED":
		return nil
	case ch.Status == "ABANDONED":
		return &StateError{Change: ch, Action: "approve", Reason: "is abandoned", Hint: "restore it in Gerrit or pick the change that replaced it"}
	case ch.WIP:
		// Gerrit would take the vote, but never submit a WIP change: the
		// wait for merge could only time out.
		return &StateError{Change: ch, Action: "approve", Reason: "is marked work in progress", Hint: "ask the owner to mark it ready for review first"}
	}
	rev := ch.CurrentRevision
	if rev == "" {
		rev = "current"
	}
	action := fmt.Sprintf("approve change %d", ch.Number)
	in := &gg.ReviewInput{Message: message, Labels: map[string]int{"Code-Review": 2}}
	res, resp, err := c.api.Changes.SetReview(ctx, changeID(ch), rev, in)
	if err = c.fail(ctx, action, resp, err); err != nil {
		if isNotFound(err) {
			return &NotFoundError{Ref: fmt.Sprint(ch.Number), Host: c.base.Host, User: c.user}
		}
		return err
	}
	// With change.strictLabels off (the default) Gerrit drops a vote it
	// cannot apply and still answers 200: its echo says what was applied.
	if v, ok := res.Labels["Code-Review"]; !ok || v != 2 {
		return &VoteDroppedError{Change: ch, Label: "Code-Review", Value: 2, Applied: res.Labels, Host: c.base.Host, User: c.user}
	}
	return nil
}

// VoteDroppedError says Gerrit answered a review with 200 but did not apply
// the vote (an unknown label or a value the project does not allow).
type VoteDroppedError struct {
	Change  *Change
	Label   string
	Value   int
	Applied map[string]int // the labels Gerrit echoed back
	Host    string
	User    string
}

// Error names the change, the vote and what Gerrit applied instead.
func (e *VoteDroppedError) Error() string {
	applied := "nothing"
	if len(e.Applied) > 0 {
		var parts []string
		for k, v := range e.Applied {
			parts = append(parts, fmt.Sprintf("%s %+d", k, v))
		}
		sort.Strings(parts)
		applied = strings.Join(parts, ", ")
	}
	return fmt.Sprintf("Gerrit at %s took the review of change %d (%s %s) but did not apply %s %+d (it applied %s): the project may not have that label or value; nothing will merge: vote in Gerrit's web UI as %s to see why", e.Host, e.Change.Number, e.Change.Project, e.Change.Branch, e.Label, e.Value, applied, e.User)
}

// Comment posts a message on a change's current patch set, with no vote
// ("recheck" runs CI again, the Zuul convention).
func (c *Client) Comment(ctx context.Context, ch *Change, message string) error {
	rev := ch.CurrentRevision
	if rev == "" {
		rev = "current"
	}
	_, resp, err := c.api.Changes.SetReview(ctx, changeID(ch), rev, &gg.ReviewInput{Message: message})
	if err = c.fail(ctx, fmt.Sprintf("comment on change %d", ch.Number), resp, err); err != nil && isNotFound(err) {
		return &NotFoundError{Ref: fmt.Sprint(ch.Number), Host: c.base.Host, User: c.user}
	}
	return err
}
