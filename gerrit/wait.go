package gerrit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// DefaultPollInterval is how often WaitForMerge polls when not told (scap's 5 s).
const DefaultPollInterval = 5 * time.Second

// maxPollErrors is how many polls in a row may fail on the network (or with
// a 5xx) before WaitForMerge gives up: a blip must not end a window.
const maxPollErrors = 3

// mergeableAttempts is how many polls in a row must say mergeable: false
// before the wait ends (Gerrit may auto-rebase in between; scap uses 2).
const mergeableAttempts = 2

// WaitForMerge polls the change every opts.Interval (and at once on any
// stream-event about it when opts.Events is set) until it is merged or
// cannot be: Code-Review -2, a CI Verified -1 newer than our +2, mergeable
// false twice in a row, a new patch set, abandoned, opts.Timeout, or ctx
// cancelled (WaitCancelled with ctx's error). status, when not nil, is called
// after every poll. Errors are only for what polling cannot get past: bad
// credentials, a vanished change, or Gerrit unreachable several polls in a row.
func (c *Client) WaitForMerge(ctx context.Context, ch *Change, opts WaitOptions, status func(WaitStatus)) (WaitResult, error) {
	w := &waiter{c: c, ch: ch, opts: opts, status: status, start: time.Now(), last: ch}
	return w.run(ctx)
}

type waiter struct {
	c      *Client
	ch     *Change
	opts   WaitOptions
	status func(WaitStatus)
	start  time.Time

	last         *Change
	polls        int
	notMergeable int
	pollErrors   int
	mergedRev    string // newRev of a change-merged event for the change
	streamNote   string
	voteAt       time.Time // the failing CI vote, for WaitVerifyFailed
}

func (w *waiter) run(ctx context.Context) (WaitResult, error) {
	interval := w.opts.Interval
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	var timeout <-chan time.Time
	if w.opts.Timeout > 0 {
		t := time.NewTimer(w.opts.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	// Subscribing may mean an SSH handshake: do it aside so a slow or hung
	// stream never delays the first poll.
	var events <-chan Event
	subscribed := make(chan (<-chan Event), 1)
	subFailed := make(chan error, 1)
	if w.opts.Events != nil {
		done := make(chan struct{})
		defer close(done)
		go func() {
			evs, err := w.opts.Events.Subscribe(done)
			if err != nil {
				subFailed <- err
				return
			}
			subscribed <- evs
		}()
	}
	poll := time.NewTimer(0) // first poll at once
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return w.end(WaitCancelled, fmt.Sprintf("stopped waiting for change %d after %s; it may still merge: check it in Gerrit before going on", w.ch.Number, w.elapsed())), ctx.Err()
		case <-timeout:
			return w.end(WaitTimeout, fmt.Sprintf("change %d is still not merged after %s (%s): check CI (Zuul) and the change page, then wait again or abandon the window", w.ch.Number, w.opts.Timeout, w.summary())), nil
		case evs := <-subscribed:
			events = evs
			continue
		case err := <-subFailed:
			w.streamNote = "stream-events unavailable (" + oneLine(err.Error()) + "), polling"
			continue
		case ev, ok := <-events:
			if !ok {
				events = nil
				w.streamNote = "stream-events ended, polling"
				continue
			}
			if !w.about(ev) {
				continue
			}
			if ev.Type == "change-merged" {
				w.mergedRev = ev.NewRev
			}
			if !poll.Stop() {
				select {
				case <-poll.C:
				default:
				}
			}
		case <-poll.C:
		}
		res, done, err := w.pollOnce(ctx)
		if done || err != nil {
			return res, err
		}
		poll.Reset(interval)
	}
}

// pollOnce reads the change and decides; done says the wait is over.
func (w *waiter) pollOnce(ctx context.Context) (WaitResult, bool, error) {
	w.polls++
	cur, err := w.c.Refresh(ctx, w.ch)
	if err != nil {
		if ctx.Err() != nil {
			return w.end(WaitCancelled, fmt.Sprintf("stopped waiting for change %d after %s; it may still merge: check it in Gerrit before going on", w.ch.Number, w.elapsed())), true, ctx.Err()
		}
		if transient(err) {
			w.pollErrors++
			if w.pollErrors >= maxPollErrors {
				return w.end("", ""), true, fmt.Errorf("gave up waiting for change %d after %d failed polls in a row: %w", w.ch.Number, w.pollErrors, err)
			}
			w.report(fmt.Sprintf("Gerrit did not answer (%d of %d): %s", w.pollErrors, maxPollErrors, oneLine(err.Error())))
			return WaitResult{}, false, nil
		}
		return w.end("", ""), true, err
	}
	w.pollErrors = 0
	if w.mergedRev != "" && cur.Status == "NEW" {
		// Gerrit announced the merge; its index may lag behind the event.
		cur.Status = "MERGED"
	}
	if cur.Status == "MERGED" && w.mergedRev != "" {
		cur.MergedRevision = w.mergedRev
	}
	w.last = cur
	if reason, detail := w.decide(cur); reason != "" {
		return w.end(reason, detail), true, nil
	}
	w.report(w.note(cur))
	return WaitResult{}, false, nil
}

// decide applies the end conditions in order of certainty.
func (w *waiter) decide(cur *Change) (WaitReason, string) {
	n := cur.Number
	switch cur.Status {
	case "MERGED":
		rev := cur.MergedRevision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		return WaitMerged, fmt.Sprintf("change %d merged into %s as %s", n, cur.Branch, rev)
	case "ABANDONED":
		return WaitAbandoned, fmt.Sprintf("change %d was abandoned while waiting: ask the owner why before going on", n)
	}
	if (w.ch.PatchSet > 0 && cur.PatchSet != w.ch.PatchSet) || (w.ch.CurrentRevision != "" && cur.CurrentRevision != w.ch.CurrentRevision) {
		return WaitNewPatchSet, fmt.Sprintf("change %d was updated from patch set %d to %d: review the new patch set and approve it again", n, w.ch.PatchSet, cur.PatchSet)
	}
	for _, v := range cur.Labels["Code-Review"] {
		if v.Value <= -2 {
			return WaitRejected, fmt.Sprintf("change %d was rejected (Code-Review %d) by %s: talk to them before going on", n, v.Value, who(v.Account))
		}
	}
	cutoff := w.cutoff(cur)
	for _, v := range cur.Labels["Verified"] {
		if v.Value >= 0 || !w.isCI(v.Account) {
			continue
		}
		if v.Date.IsZero() || v.Date.After(cutoff) {
			w.voteAt = v.Date
			log := "read the build log linked on the change"
			if cur.FailedBuild != "" {
				log = "the failed build: " + cur.FailedBuild + " (comment \"recheck\" on the change to run CI again)"
			}
			return WaitVerifyFailed, fmt.Sprintf("change %d failed CI (Verified %d by %s%s) after the +2 and could not be merged: %s", n, v.Value, who(v.Account), at(v.Date), log)
		}
	}
	if cur.Mergeable != nil && !*cur.Mergeable {
		w.notMergeable++
		if w.notMergeable >= mergeableAttempts {
			return WaitNotMergeable, fmt.Sprintf("Gerrit could not merge change %d as is (mergeable: false %d times in a row): it likely needs a rebase onto %s", n, w.notMergeable, cur.Branch)
		}
	} else {
		w.notMergeable = 0
	}
	return "", ""
}

// cutoff is when our approval happened on Gerrit's clock: the newest
// Code-Review +2 on the change, else opts.ApprovedAt, else the wait's start.
func (w *waiter) cutoff(cur *Change) time.Time {
	var t time.Time
	for _, v := range cur.Labels["Code-Review"] {
		if v.Value >= 2 && v.Date.After(t) {
			t = v.Date
		}
	}
	if t.IsZero() {
		t = w.opts.ApprovedAt
	}
	if t.IsZero() {
		t = w.start
	}
	if w.opts.RecheckedAt.After(t) {
		t = w.opts.RecheckedAt
	}
	if w.opts.ReportedFailureAt.After(t) {
		t = w.opts.ReportedFailureAt
	}
	return t
}

func (w *waiter) isCI(a Account) bool {
	return w.opts.CIAccount == "" || strings.EqualFold(a.Username, w.opts.CIAccount) || strings.EqualFold(a.Name, w.opts.CIAccount)
}

// note says where the change stands, for the status line.
func (w *waiter) note(cur *Change) string {
	var parts []string
	if w.notMergeable > 0 {
		parts = append(parts, fmt.Sprintf("mergeable: false (%d of %d)", w.notMergeable, mergeableAttempts))
	}
	parts = append(parts, w.summary())
	if w.streamNote != "" {
		parts = append(parts, w.streamNote)
	}
	return strings.Join(parts, "; ")
}

// summary is the CI state of the last seen change: its newest CI vote.
func (w *waiter) summary() string {
	var last *Vote
	vs := w.last.Labels["Verified"]
	for i := range vs {
		if w.isCI(vs[i].Account) {
			last = &vs[i]
		}
	}
	switch {
	case last == nil:
		return "waiting for CI"
	case last.Value >= 2:
		return "CI passed (Verified +2), waiting for submit"
	case last.Value < 0 && !w.opts.ReportedFailureAt.IsZero() && !last.Date.After(w.opts.ReportedFailureAt):
		return fmt.Sprintf("Verified %+d by %s%s already shown, waiting for CI's next result", last.Value, who(last.Account), at(last.Date))
	case last.Value < 0:
		return fmt.Sprintf("Verified %+d by %s before the +2 (stale), waiting for CI", last.Value, who(last.Account))
	default:
		return fmt.Sprintf("CI running (Verified %+d by %s)", last.Value, who(last.Account))
	}
}

// about is true when a stream event concerns the change.
func (w *waiter) about(ev Event) bool {
	if ev.Number != 0 {
		return ev.Number == w.ch.Number
	}
	return ev.ChangeID != "" && ev.ChangeID == w.ch.ChangeID &&
		(ev.Project == "" || ev.Project == w.ch.Project) &&
		(ev.Branch == "" || ev.Branch == w.ch.Branch)
}

func (w *waiter) report(note string) {
	if w.status == nil {
		return
	}
	w.status(WaitStatus{Change: w.ch.Number, Elapsed: w.elapsed(), Polls: w.polls, Status: w.last.Status, Note: note})
}

func (w *waiter) end(reason WaitReason, detail string) WaitResult {
	res := WaitResult{Reason: reason, Change: w.last, Detail: detail, Elapsed: w.elapsed()}
	if reason == WaitVerifyFailed {
		res.VoteAt = w.voteAt
	}
	return res
}

func (w *waiter) elapsed() time.Duration { return time.Since(w.start).Round(time.Millisecond) }

// transient is true for errors a later poll may not have: network trouble
// and 5xx answers.
func transient(err error) bool {
	var ne *NetworkError
	var ae *APIError
	return errors.As(err, &ne) || (errors.As(err, &ae) && ae.Status >= http.StatusInternalServerError)
}

func who(a Account) string {
	switch {
	case a.Name != "":
		return a.Name
	case a.Username != "":
		return a.Username
	case a.ID != 0:
		return fmt.Sprintf("account %d", a.ID)
	}
	return "someone"
}

func at(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return " at " + t.UTC().Format("15:04:05 UTC")
}
