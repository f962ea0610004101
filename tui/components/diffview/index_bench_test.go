package diffview

import (
	"bytes"
	"fmt"
	"testing"
)

// benchLog is a synthetic `git log -p` of n commits, each with a message,
// a Change-Id and one file of 40 changed lines.
func benchLog(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "commit %040x\nAuthor: A <a@example.org>\nDate:   Mon Dec 7 10:00:00 2026 +0000\n\n", i+1)
		fmt.Fprintf(&b, "    Change %d\n\n    Body text of the change.\n\n    Change-Id: I%040x\n\n", i, i+1)
		fmt.Fprintf(&b, "diff --git a/f%d.php b/f%d.php\nindex 1111111..2222222 100644\n--- a/f%d.php\n+++ b/f%d.php\n@@ -1,20 +1,20 @@\n", i, i, i, i)
		for j := range 20 {
			fmt.Fprintf(&b, "-old line %d\n+new line %d\n", j, j)
		}
	}
	return b.Bytes()
}

// BenchmarkIndex indexes a whole in-memory log (about 5 MB).
func BenchmarkIndex(b *testing.B) {
	log := benchLog(2000)
	b.SetBytes(int64(len(log)))
	for b.Loop() {
		d := fromBytes("bench", log)
		if len(d.Commits()) != 2000 {
			b.Fatalf("%d commits", len(d.Commits()))
		}
	}
}
