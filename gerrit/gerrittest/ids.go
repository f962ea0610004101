package gerrittest

import (
	"net/url"
	"strconv"
	"strings"
)

// findChange resolves a {change-id} path segment, still URL-encoded: a
// number, project~number, project~branch~Change-Id (refs/heads/ optional)
// or a bare Change-Id when it is unique.
func (s *Server) findChange(raw string) (*change, error) {
	decoded, err := url.PathUnescape(raw)
	if err != nil {
		return nil, &httpError{400, "Invalid change id: " + raw}
	}
	notFound := &httpError{404, "Not found: " + decoded}
	parts := strings.Split(raw, "~")
	for i, p := range parts {
		if parts[i], err = url.PathUnescape(p); err != nil {
			return nil, notFound
		}
	}
	switch len(parts) {
	case 1:
		id := parts[0]
		if n, err := strconv.Atoi(id); err == nil && n > 0 {
			if c := s.changes[n]; c != nil {
				return c, nil
			}
			return nil, notFound
		}
		if changeIDRe.MatchString(id) {
			var found []*change
			for _, c := range s.changes {
				if c.ChangeID == id {
					found = append(found, c)
				}
			}
			switch len(found) {
			case 0:
				return nil, notFound
			case 1:
				return found[0], nil
			}
			return nil, &httpError{404, "Multiple changes found for " + id}
		}
	case 2:
		if n, err := strconv.Atoi(parts[1]); err == nil {
			if c := s.changes[n]; c != nil && c.Project == parts[0] {
				return c, nil
			}
		}
	case 3:
		branch := strings.TrimPrefix(parts[1], "refs/heads/")
		for _, c := range s.changes {
			if c.Project == parts[0] && c.Branch == branch && c.ChangeID == parts[2] {
				return c, nil
			}
		}
	}
	return nil, notFound
}

// findRevision resolves a {revision-id}: current, a patch set number, a
// full or abbreviated (4+ characters) SHA-1.
func findRevision(c *change, raw string) (*patchSet, error) {
	rev, err := url.PathUnescape(raw)
	if err != nil {
		rev = raw
	}
	notFound := &httpError{404, "Not found: " + rev}
	if rev == "current" || rev == "" {
		return c.current(), nil
	}
	if n, err := strconv.Atoi(rev); err == nil && n >= 1 && n <= len(c.PatchSets) && len(rev) < 4 {
		return c.PatchSets[n-1], nil
	}
	if len(rev) >= 4 && len(rev) <= 40 && isLowerHex(rev) {
		var match *patchSet
		for _, ps := range c.PatchSets {
			if strings.HasPrefix(ps.Rev, rev) {
				if match != nil {
					return nil, notFound // ambiguous abbreviation
				}
				match = ps
			}
		}
		if match != nil {
			return match, nil
		}
	}
	if n, err := strconv.Atoi(rev); err == nil && n >= 1 && n <= len(c.PatchSets) {
		return c.PatchSets[n-1], nil
	}
	return nil, notFound
}

func isLowerHex(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}
