package gerrittest

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// inGroup is true when the account is a member of group.
func (s *Server) inGroup(id int, group string) bool {
	a := s.users[id]
	if a == nil {
		return false
	}
	for _, g := range a.Groups {
		if strings.EqualFold(g, group) {
			return true
		}
	}
	return false
}

// votingRange is the range account id may vote on a label: Verified for
// jenkins-bot only; Code-Review -2..+2 for ApproverGroup (everyone with
// Compat.OpenApprovals), -1..+1 for other registered users.
func (s *Server) votingRange(def labelDef, id int) (min, max int, ok bool) {
	a := s.users[id]
	if a == nil {
		return 0, 0, false
	}
	switch def.Name {
	case "Verified":
		if a.Username != JenkinsBot {
			return 0, 0, false
		}
	case "Code-Review":
		if !s.opts.Compat.OpenApprovals && !s.inGroup(id, ApproverGroup) {
			return -1, 1, true
		}
	}
	return def.Min, def.Max, true
}

// checkLabels is PostReview's label check: an unknown label or value is
// dropped (400 with Compat.StrictLabels), 0 is always allowed, any other
// value outside the caller's range is 403 "Applying label …: N is
// restricted". It returns the labels kept, keyed as the caller wrote them,
// and the same by canonical label name.
func (s *Server) checkLabels(project string, labels map[string]int, caller int) (kept, canon map[string]int, err error) {
	strict := s.opts.Compat.StrictLabels
	names := make([]string, 0, len(labels))
	for n := range labels {
		names = append(names, n)
	}
	sort.Strings(names)
	kept, canon = map[string]int{}, map[string]int{}
	for _, name := range names {
		v := labels[name]
		def, ok := findLabel(name)
		def = s.projectLabel(project, def)
		if !ok {
			if strict {
				return nil, nil, &httpError{http.StatusBadRequest, fmt.Sprintf("label \"%s\" is not a configured label", name)}
			}
			continue
		}
		if v != 0 {
			if _, valid := def.Values[v]; !valid {
				if strict {
					return nil, nil, &httpError{http.StatusBadRequest, fmt.Sprintf("label \"%s\": %d is not a valid value", name, v)}
				}
				continue
			}
			if min, max, ok := s.votingRange(def, caller); !ok || v < min || v > max {
				return nil, nil, &httpError{http.StatusForbidden, fmt.Sprintf("Applying label \"%s\": %d is restricted", name, v)}
			}
		}
		kept[name], canon[def.Name] = v, v
	}
	return kept, canon, nil
}

// checkPostSubmit refuses, on a merged change, to lower a vote the caller
// already gave: 409 "Cannot reduce vote on labels for closed change: …".
func (s *Server) checkPostSubmit(c *change, ps *patchSet, caller int, canon map[string]int) error {
	if c.Status != "MERGED" {
		return nil
	}
	var reduced []string
	for name, v := range canon {
		if prev, ok := ps.Votes[name][caller]; ok && v < prev.Value {
			reduced = append(reduced, name)
		}
	}
	if len(reduced) == 0 {
		return nil
	}
	sort.Strings(reduced)
	return conflict("Cannot reduce vote on labels for closed change: %s", strings.Join(reduced, ", "))
}

// canonLabels validates labels strictly for the test API (Server.Vote),
// without access checks: an unknown label or value is an error.
func canonLabels(labels map[string]int) (map[string]int, error) {
	canon := map[string]int{}
	for name, v := range labels {
		def, ok := findLabel(name)
		if !ok {
			return nil, &httpError{http.StatusBadRequest, fmt.Sprintf("label \"%s\" is not a configured label", name)}
		}
		if _, valid := def.Values[v]; !valid && v != 0 {
			return nil, &httpError{http.StatusBadRequest, fmt.Sprintf("label \"%s\": %d is not a valid value", name, v)}
		}
		canon[def.Name] = v
	}
	return canon, nil
}

// SetLabelRange narrows a label on one project (e.g. Code-Review -1..+1 on
// a repository without approvers): other values are not valid there, so a
// review with them has them dropped (or refused with Compat.StrictLabels),
// and the submit requirement asks for the narrowed maximum.
func (s *Server) SetLabelRange(project, label string, min, max int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	def, ok := findLabel(label)
	if !ok || min > 0 || max < 0 || min < def.Min || max > def.Max {
		return fmt.Errorf("gerrittest: label %q has no range %d..%d", label, min, max)
	}
	if s.labelRanges == nil {
		s.labelRanges = map[string][2]int{}
	}
	s.labelRanges[project+"\x00"+def.Name] = [2]int{min, max}
	return nil
}

// projectLabel is def as configured on project.
func (s *Server) projectLabel(project string, def labelDef) labelDef {
	r, ok := s.labelRanges[project+"\x00"+def.Name]
	if !ok {
		return def
	}
	d := def
	d.Min, d.Max, d.Values = r[0], r[1], map[int]string{}
	for v, text := range def.Values {
		if v >= d.Min && v <= d.Max {
			d.Values[v] = text
		}
	}
	return d
}
