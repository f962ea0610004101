package gerrittest

import (
	"fmt"
	"sort"
	"strings"
)

// Vote records username's vote on the current patch set, as a review would
// (message, stream event, CI reaction to a Code-Review +2).
func (s *Server) Vote(number int, username, label string, value int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.changes[number]
	if c == nil {
		return fmt.Errorf("gerrittest: no change %d", number)
	}
	a := s.userByName(username)
	if a == nil {
		return fmt.Errorf("gerrittest: unknown user %q: AddUser it first", username)
	}
	canon, err := canonLabels(map[string]int{label: value})
	if err != nil {
		return err
	}
	if err := s.checkPostSubmit(c, c.current(), a.ID, canon); err != nil {
		return err
	}
	return s.reviewLocked(c, c.current(), a.ID, canon, "", "")
}

// reviewLocked applies a review: votes (canon is keyed by canonical label
// names, already checked), a change message, the comment-added event, and
// CI's reaction to a Code-Review +2 on the current patch set.
func (s *Server) reviewLocked(c *change, ps *patchSet, who int, canon map[string]int, msg, tag string) error {
	names := make([]string, 0, len(canon))
	for name := range canon {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(canon) > 0 && c.Status == "ABANDONED" {
		return conflict("change is abandoned")
	}
	now := s.now()
	type approval struct {
		label    string
		val, old int
	}
	var apps []approval
	var text []string
	for _, name := range names {
		v := canon[name]
		if ps.Votes[name] == nil {
			ps.Votes[name] = map[int]vote{}
		}
		old := ps.Votes[name][who].Value
		if v == 0 {
			delete(ps.Votes[name], who)
			text = append(text, "-"+name)
		} else {
			ps.Votes[name][who] = vote{Value: v, Date: now}
			text = append(text, fmt.Sprintf("%s%+d", name, v))
		}
		apps = append(apps, approval{name, v, old})
	}
	c.Reviewers[who] = true
	body := fmt.Sprintf("Patch Set %d:", ps.Number)
	if len(text) > 0 {
		body += " " + strings.Join(text, " ")
	}
	if msg != "" {
		body += "\n\n" + msg
	}
	s.addMessageLocked(c, who, body, tag)
	var evApps []map[string]any
	for _, a := range apps {
		def, _ := findLabel(a.label)
		evApps = append(evApps, map[string]any{"type": a.label, "description": def.Name, "value": itoa(a.val), "oldValue": itoa(a.old)})
	}
	s.emitCommentAdded(c, ps, who, evApps, body)
	if ps == c.current() && (canon["Code-Review"] == 2 || (len(canon) == 0 && strings.TrimSpace(msg) == "recheck")) {
		s.ciOnApproveLocked(c) // "recheck" runs the gate again (Zuul), when approved
	}
	return nil
}

// addMessageLocked appends a change message.
func (s *Server) addMessageLocked(c *change, author int, text, tag string) {
	s.msgSeq++
	id := newChangeID("msg", itoa(s.msgSeq))[1:9]
	now := s.now()
	c.Messages = append(c.Messages, message{ID: id, Author: author, Date: now, Text: text, PatchSet: c.current().Number, Tag: tag})
	c.Updated = now
}
