package remote

import (
	"testing"
	"time"
)

// TestFollowPace: a followed script is read every 100 ms while it is young
// and its output flows (a short sync is seen ending at once), every
// Poll/4 once it is older, and less and less often, up to Poll, while it is
// quiet.
func TestFollowPace(t *testing.T) {
	p := newFollowPace(FollowOptions{Poll: time.Second})
	p.slowDown(true)
	if p.interval != 100*time.Millisecond {
		t.Errorf("young and flowing: every %v, want 100ms", p.interval)
	}
	p.slowDown(false)
	p.slowDown(false)
	if p.interval != 400*time.Millisecond {
		t.Errorf("quiet twice: every %v, want 400ms", p.interval)
	}
	for i := 0; i < 5; i++ {
		p.slowDown(false)
	}
	if p.interval != time.Second {
		t.Errorf("quiet for long: every %v, want the poll interval 1s", p.interval)
	}
	p.started = time.Now().Add(-youngFor)
	p.slowDown(true)
	if p.interval != 250*time.Millisecond {
		t.Errorf("older and flowing: every %v, want 250ms", p.interval)
	}
}
