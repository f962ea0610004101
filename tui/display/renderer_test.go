package display

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	l.b.Reset()
	return s
}

func TestRendererDrawsAtOnceAndCoalescesBursts(t *testing.T) {
	out := &lockedBuf{}
	r := newRenderer(out, newCanvas(20, 2, colorprofile.TrueColor))
	sent := make(chan tea.Msg, 10)
	r.send = func(m tea.Msg) { sent <- m }

	r.render(tea.View{Content: "first"})
	if s := out.take(); !strings.HasPrefix(s, enter) || !strings.Contains(s, "first") {
		t.Fatalf("the first view is not drawn at once, after the terminal's setup: %q", s)
	}
	r.render(tea.View{Content: "second"}) // within minGap of the first frame
	r.render(tea.View{Content: "third"})
	if s := out.take(); s != "" {
		t.Fatalf("a view right after a frame was drawn at once: %q", s)
	}
	select {
	case m := <-sent:
		if _, ok := m.(redrawMsg); !ok {
			t.Fatalf("the timer sent %T", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no redraw was asked for the waiting view")
	}
	r.redraw()
	if s := out.take(); !strings.Contains(s, "third") || strings.Contains(s, "second") {
		t.Fatalf("the redraw did not draw the latest view alone: %q", s)
	}
	r.stop()
	if s := out.take(); s != leave {
		t.Fatalf("stop wrote %q, want the terminal's restore", s)
	}
}
