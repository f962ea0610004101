package report

import (
	"testing"

	"porthole/internal/testmain"
)

// TestMain keeps the tests' temporary files on a RAM file system (see testmain).
func TestMain(m *testing.M) { testmain.Main(m) }
