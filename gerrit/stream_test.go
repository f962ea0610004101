package gerrit

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// opener hands out scripted streams: each open gets the next script's
// lines, then EOF (or blocks until closed when the script ends with "").
type opener struct {
	mu      sync.Mutex
	scripts [][]string
	opens   int
	fail    int // fail this many opens after the first
	closed  []*blockingReader
}

type blockingReader struct {
	r    io.Reader
	done chan struct{}
	once sync.Once
}

func (b *blockingReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF && b.done != nil {
		<-b.done
		return 0, io.ErrClosedPipe
	}
	return n, err
}

func (b *blockingReader) Close() error {
	b.once.Do(func() {
		if b.done != nil {
			close(b.done)
		}
	})
	return nil
}

func (o *opener) open(ctx context.Context) (io.ReadCloser, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.opens++
	if o.opens > 1 && o.fail > 0 {
		o.fail--
		return nil, errors.New("ssh: connection refused")
	}
	if len(o.scripts) == 0 {
		return nil, errors.New("no more streams")
	}
	lines := o.scripts[0]
	o.scripts = o.scripts[1:]
	block := len(lines) > 0 && lines[len(lines)-1] == ""
	br := &blockingReader{r: strings.NewReader(strings.Join(lines, "\n"))}
	if block {
		br.done = make(chan struct{})
	}
	o.closed = append(o.closed, br)
	return br, nil
}

func TestStreamEventsReconnectsAndSkipsJunk(t *testing.T) {
	o := &opener{
		scripts: [][]string{
			{`{"type":"patchset-created","change":{"number":1}}`, `garbage`, `{"type":"comment-added","change":{"number":1}}`},
			{`{"type":"change-merged","project":{"name":"p"},"change":{"number":1}}`, ""},
		},
		fail: 2,
	}
	src := &streamSource{open: o.open, minBackoff: time.Millisecond, maxBackoff: 4 * time.Millisecond}
	done := make(chan struct{})
	ch, err := src.Subscribe(done)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for len(types) < 3 {
		ev, ok := <-ch
		if !ok {
			t.Fatal("stream closed early")
		}
		types = append(types, ev.Type)
	}
	if strings.Join(types, ",") != "patchset-created,comment-added,change-merged" {
		t.Errorf("events = %v", types)
	}
	close(done)
	for range ch { // must close once done is closed
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.opens != 4 { // first, two failures, second stream
		t.Errorf("opens = %d, want 4", o.opens)
	}
	last := o.closed[len(o.closed)-1]
	select {
	case <-last.done:
	default:
		t.Error("the open stream was not closed when the subscriber left")
	}
}

func TestStreamEventsOpenFailureIsReported(t *testing.T) {
	src := NewStreamEvents(func(ctx context.Context) (io.ReadCloser, error) {
		return nil, errors.New("ssh: handshake failed: knownhosts: key mismatch")
	})
	_, err := src.Subscribe(make(chan struct{}))
	if err == nil || !strings.Contains(err.Error(), "key mismatch") {
		t.Fatalf("Subscribe error = %v", err)
	}
}
