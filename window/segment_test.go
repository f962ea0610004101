package window

import (
	"strings"
	"testing"
)

// commitSegment shows the commit asked for, never a newer commit whose
// message mentions it ("This reverts commit SHA.").
func TestCommitSegmentFindsTheCommitHeader(t *testing.T) {
	a := strings.Repeat("a", 40)
	b := strings.Repeat("b", 40)
	patch := "commit " + b + "\nAuthor: X\n\n    Revert \"fix\"\n\n    This reverts commit " + a + ".\n\ndiff --git a/f b/f\n" +
		"commit " + a + "\nAuthor: Y\n\n    fix\n\ndiff --git a/g b/g\n+line\n"
	got := commitSegment([]byte(patch), a, 50)
	if !strings.HasPrefix(got, "commit "+a+"\nAuthor: Y") || strings.Contains(got, "Revert") || !strings.HasSuffix(got, "+line") {
		t.Fatalf("segment of %s:\n%s", a[:7], got)
	}
	if got := commitSegment([]byte(patch), a, 3); !strings.HasSuffix(got, "… 4 more lines in the saved patch") {
		t.Fatalf("cut segment:\n%s", got)
	}
	if got := commitSegment([]byte(patch), strings.Repeat("c", 40), 5); !strings.HasSuffix(got, ": not in the saved patch") {
		t.Fatalf("missing commit: %q", got)
	}
}
