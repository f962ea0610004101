package sandbox

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestStartTime starts sandboxes PORTHOLE_START_RUNS times (skipped when
// unset) and logs each start's duration and phases: the measurement the
// README quotes, not an assertion.
func TestStartTime(t *testing.T) {
	runs := os.Getenv("PORTHOLE_START_RUNS")
	if runs == "" {
		t.Skip("set PORTHOLE_START_RUNS=N to measure the sandbox start")
	}
	n := 0
	for _, c := range runs {
		if c < '0' || c > '9' {
			t.Fatalf("PORTHOLE_START_RUNS=%q: want a number", runs)
		}
		n = n*10 + int(c-'0')
	}
	for i := 0; i < n && i < 20; i++ {
		t0 := time.Now()
		sb, err := Start(context.Background(), Options{Dir: t.TempDir()})
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
		t.Logf("start %d: %v %v", i+1, time.Since(t0).Round(time.Millisecond), sb.phases)
		sb.Close()
	}
}
