package gitops

import "fmt"

// IsCommitID reports whether s is a commit id: 7 to 64 hex digits (an
// abbreviated or full SHA-1 or SHA-256). Ids that come from parameters or
// the journal are checked with it before they reach git, so that a value
// like --output=FILE is never read as an option.
func IsCommitID(s string) bool {
	if len(s) < 7 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// CheckCommitID returns an error naming what when id is not a commit id.
func CheckCommitID(what, id string) error {
	if !IsCommitID(id) {
		return fmt.Errorf("%s %q is not a commit id (7 to 64 hex digits): refusing to hand it to git", what, id)
	}
	return nil
}
