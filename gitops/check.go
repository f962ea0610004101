package gitops

// IncomingCheck sorts fetched commits into the ones a window expects (by
// Change-Id) and the ones nobody asked for.
type IncomingCheck struct {
	// Matched maps each expected Change-Id to the commits that carry it: the
	// change's own commit, or for an extension core's submodule-bump commit.
	Matched map[string][]Commit
	// Merges are Gerrit's merge commits for matched changes (they carry no
	// Change-Id of their own); expected, shown as such.
	Merges []Commit
	// Extra are commits that belong to no expected change: shown with their
	// diff, they need an explicit decision.
	Extra []Commit
	// Missing are expected Change-Ids found in no incoming commit.
	Missing []string
}

// CheckIncoming compares `HEAD..@{u}` (newest first, as Incoming returns it)
// with the Change-Ids of the changes being deployed.
func CheckIncoming(commits []Commit, expected []string) IncomingCheck {
	res := IncomingCheck{Matched: map[string][]Commit{}}
	want := map[string]bool{}
	for _, id := range expected {
		want[id] = true
	}
	matched := map[string]bool{} // sha → carries an expected Change-Id
	byID := map[string]Commit{}
	for _, c := range commits {
		byID[c.SHA] = c
		for _, id := range c.ChangeIDs {
			if want[id] {
				res.Matched[id] = append(res.Matched[id], c)
				matched[c.SHA] = true
			}
		}
	}
	for _, c := range commits {
		if matched[c.SHA] {
			continue
		}
		if len(c.ChangeIDs) == 0 && c.IsMerge() && mergesMatched(c, byID, matched) {
			res.Merges = append(res.Merges, c)
			continue
		}
		res.Extra = append(res.Extra, c)
	}
	for _, id := range expected {
		if len(res.Matched[id]) == 0 {
			res.Missing = append(res.Missing, id)
		}
	}
	return res
}

// mergesMatched is true when a merge commit brings in (through its non-first
// parents, inside the incoming set) a commit of an expected change.
func mergesMatched(m Commit, byID map[string]Commit, matched map[string]bool) bool {
	seen := map[string]bool{}
	stack := append([]string(nil), m.Parents[1:]...)
	for len(stack) > 0 {
		sha := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[sha] {
			continue
		}
		seen[sha] = true
		if matched[sha] {
			return true
		}
		if c, ok := byID[sha]; ok {
			stack = append(stack, c.Parents...)
		}
	}
	return false
}
