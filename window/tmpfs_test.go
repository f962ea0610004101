package window_test

import (
	"testing"

	"porthole/internal/testmain"
)

// TestMain keeps the tests' temporary files on a RAM file system and runs
// up to four parallel tests at once (see testmain).
func TestMain(m *testing.M) {
	testmain.Parallel(4)
	testmain.Main(m)
}
