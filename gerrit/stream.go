package gerrit

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// StreamOpener opens one `gerrit stream-events` stream: over SSH in
// production (remote supplies it), in process for the emulator.
type StreamOpener func(ctx context.Context) (io.ReadCloser, error)

// NewStreamEvents is an EventSource reading stream-events lines from
// streams that open returns. A dropped stream is reopened (1 s, doubling to
// 30 s); lines that do not parse are skipped.
func NewStreamEvents(open func(ctx context.Context) (io.ReadCloser, error)) EventSource {
	return &streamSource{open: open, minBackoff: time.Second, maxBackoff: 30 * time.Second}
}

type streamSource struct {
	open                   func(ctx context.Context) (io.ReadCloser, error)
	minBackoff, maxBackoff time.Duration
}

// Subscribe opens the stream now (so a failure is reported at once) and
// delivers events until ctxDone closes; then the channel is closed.
func (s *streamSource) Subscribe(ctxDone <-chan struct{}) (<-chan Event, error) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-ctxDone:
		case <-ctx.Done():
		}
		cancel()
	}()
	rc, err := s.open(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	out := make(chan Event, 64)
	go s.run(ctx, cancel, rc, out)
	return out, nil
}

func (s *streamSource) run(ctx context.Context, cancel context.CancelFunc, rc io.ReadCloser, out chan<- Event) {
	defer close(out)
	defer cancel()
	var mu sync.Mutex
	cur := rc // the open stream, nil once closed
	closeCur := func() {
		mu.Lock()
		defer mu.Unlock()
		if cur != nil {
			cur.Close()
			cur = nil
		}
	}
	stop := context.AfterFunc(ctx, closeCur) // unblocks a read in progress
	defer stop()
	backoff := s.minBackoff
	for {
		got, err := s.read(ctx, rc, out)
		if got {
			backoff = s.minBackoff
		}
		if ctx.Err() == nil {
			// a server restart, a lost connection, or a refusal ("fatal: …")
			slog.Warn("gerrit stream-events ended; reopening", "err", err, "retry_in", backoff.String())
		}
		closeCur()
		rc = nil
		for rc == nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, s.maxBackoff)
			next, err := s.open(ctx)
			if err != nil {
				continue
			}
			mu.Lock()
			if ctx.Err() != nil {
				mu.Unlock()
				next.Close()
				return
			}
			cur, rc = next, next
			mu.Unlock()
		}
	}
}

// read delivers the stream's events until it ends; it says whether any
// came, and how it ended (io.EOF for a clean end).
func (s *streamSource) read(ctx context.Context, rc io.Reader, out chan<- Event) (bool, error) {
	got := false
	br := bufio.NewReaderSize(rc, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			if ev, perr := ParseStreamEvent(line); perr == nil {
				got = true
				select {
				case out <- ev:
				case <-ctx.Done():
					return got, ctx.Err()
				}
			}
		}
		if err != nil {
			return got, err
		}
	}
}
