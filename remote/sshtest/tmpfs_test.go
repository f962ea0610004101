package sshtest_test

import (
	"testing"

	"porthole/internal/testtmp"
)

// TestMain keeps the tests' temporary files on a RAM file system (see testtmp).
func TestMain(m *testing.M) { testtmp.Main(m) }
