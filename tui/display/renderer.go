package display

import (
	"io"
	"sync"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// renderer writes views to the terminal from its own goroutine: render hands
// it the latest view and returns at once; a view that arrives while another
// is being written replaces any not yet written (no frame rate, no ticker).
type renderer struct {
	out  io.Writer
	wake chan struct{} // capacity 1: "there is a new view"
	done chan struct{} // closed when the writer has stopped

	mu     sync.Mutex
	c      *canvas
	next   look // the latest view
	closed bool
}

func newRenderer(out io.Writer, c *canvas) *renderer {
	r := &renderer{out: out, c: c, wake: make(chan struct{}, 1), done: make(chan struct{})}
	_, _ = io.WriteString(out, enter)
	go r.loop()
	return r
}

// render queues v to be drawn.
func (r *renderer) render(v tea.View) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next = lookOf(v)
	r.wakeLocked()
}

// wakeLocked tells the writer there is something to draw (r.mu held).
func (r *renderer) wakeLocked() {
	if r.closed {
		return
	}
	select {
	case r.wake <- struct{}{}:
	default: // a wake-up is pending: it will draw the latest view
	}
}

// resize makes the next view drawn in full at the new size.
func (r *renderer) resize(w, h int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.c.resize(w, h)
}

// setProfile changes the colour profile and redraws.
func (r *renderer) setProfile(p colorprofile.Profile) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.c.profile = p
	r.c.stale = true
	r.wakeLocked()
}

func (r *renderer) loop() {
	defer close(r.done)
	for range r.wake {
		r.mu.Lock()
		b := r.c.frame(r.next)
		r.mu.Unlock()
		if len(b) > 0 {
			_, _ = r.out.Write(b)
		}
	}
}

// stop writes the last view, then leaves the alternate screen.
func (r *renderer) stop() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	r.mu.Unlock()
	close(r.wake)
	<-r.done
	end := leave
	if r.c.progress != "" {
		end = ansi.ResetProgressBar + end
	}
	_, _ = io.WriteString(r.out, end)
}
