package gerrit

import (
	"context"
	"fmt"

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
	_, resp, err := c.api.Changes.SetReview(ctx, changeID(ch), rev, in)
	if err = c.fail(ctx, action, resp, err); err != nil {
		if isNotFound(err) {
			return &NotFoundError{Ref: fmt.Sprint(ch.Number), Host: c.base.Host, User: c.user}
		}
		return err
	}
	return nil
}
