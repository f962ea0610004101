package remote

import (
	"context"
	"time"
)

// followPace is Follow's timing: how long it waits between reads, and since
// when the host has not answered.
type followPace struct {
	o                   FollowOptions // with Poll and ReconnectFor set
	fast, busy          time.Duration // between reads while output flows: the first youngFor, later
	interval            time.Duration // the next wait between reads
	backoff, maxBackoff time.Duration // between reads of an unreachable host
	started, lastOK     time.Time     // when following began; the last read that succeeded
	lost                bool          // the last read failed
}

// youngFor is how long a followed script counts as young: while it is, and
// its output flows, it is read every fast interval, so that a short one
// (a sync of one file to a few hosts) is seen ending at once.
const youngFor = 5 * time.Second

// newFollowPace fills in o's defaults. It polls fast at first and while a
// young script's output flows, every o.Poll/4 while an older one's does,
// slowing down to o.Poll while the script is quiet: short scripts end
// promptly, long ones cost a read per o.Poll/4 (o.Poll when quiet).
func newFollowPace(o FollowOptions) *followPace {
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.ReconnectFor <= 0 {
		o.ReconnectFor = 10 * time.Minute
	}
	fast := min(100*time.Millisecond, o.Poll)
	now := time.Now()
	return &followPace{o: o, fast: fast, busy: max(o.Poll/4, fast), interval: fast,
		backoff: o.Poll, maxBackoff: min(5*time.Second, o.Poll*20), started: now, lastOK: now}
}

// reached records a read that succeeded.
func (p *followPace) reached() {
	p.lastOK = time.Now()
	p.backoff = p.o.Poll
	if p.lost && p.o.OnBack != nil {
		p.o.OnBack()
	}
	p.lost = false
}

// slowDown sets the next interval: short while output flows (shortest
// while the script is young), doubling up to o.Poll while it is quiet.
func (p *followPace) slowDown(flowing bool) {
	if flowing {
		p.interval = p.busy
		if time.Since(p.started) < youngFor {
			p.interval = p.fast
		}
		return
	}
	p.interval = min(p.interval*2, p.o.Poll)
}

// sleep waits d, or until ctx is cancelled (o.Sleep replaces the wait in tests).
func (p *followPace) sleep(ctx context.Context, d time.Duration) error {
	if p.o.Sleep != nil {
		p.o.Sleep(d)
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
