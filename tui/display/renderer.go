package display

import (
	"io"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// minGap is the least time between two frames: a view made sooner after
// the last frame waits for the rest of it (views made meanwhile replace it),
// so a burst of messages (a streaming log) is drawn at most 500 times a
// second.
const minGap = 2 * time.Millisecond

// redrawMsg asks the program's goroutine to draw the waiting view.
type redrawMsg struct{}

// renderer writes views to the terminal. A view is drawn at once, by the
// goroutine that made it (Bubble Tea's, right after Update: before the
// commands Update returned start and compete for the CPU), unless a frame
// was written less than minGap ago; then, when the gap is over, a timer
// sends redrawMsg and the program's goroutine draws the latest view (a
// goroutine of the renderer's own would wait behind the commands' work for
// the CPU). There is no frame rate and no ticker.
type renderer struct {
	out  io.Writer
	send func(tea.Msg) // to the program (Program.Send)

	mu      sync.Mutex
	c       *canvas
	next    look // the latest view
	pending bool // next is not drawn yet
	timer   *time.Timer
	last    time.Time // when the last frame was written
	started bool      // the alternate screen is entered
	closed  bool
}

// newRenderer draws on out; send must be set before the first view.
func newRenderer(out io.Writer, c *canvas) *renderer {
	return &renderer{out: out, c: c}
}

// render draws v now, or when the gap since the last frame is over.
func (r *renderer) render(v tea.View) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next, r.pending = lookOf(v), true
	r.schedule()
}

// schedule draws the pending view now or arms the timer (r.mu held).
func (r *renderer) schedule() {
	if r.closed || !r.pending || r.timer != nil {
		return
	}
	if wait := minGap - time.Since(r.last); wait > 0 {
		r.timer = time.AfterFunc(wait, r.onTimer)
		return
	}
	r.draw()
}

func (r *renderer) onTimer() { r.send(redrawMsg{}) }

// redraw draws the view that waited (on the program's goroutine).
func (r *renderer) redraw() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.timer == nil {
		return
	}
	r.timer = nil
	if !r.closed && r.pending {
		r.draw()
	}
}

// draw writes the pending view (r.mu held).
func (r *renderer) draw() {
	r.pending = false
	b := r.c.frame(r.next)
	if !r.started { // one write: the terminal's setup and the first frame
		r.started = true
		b = append([]byte(enter), b...)
	}
	if len(b) > 0 {
		_, _ = r.out.Write(b)
		r.last = time.Now()
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
	r.c.stale, r.pending = true, true
	r.schedule()
}

// stop writes the last view, then leaves the alternate screen.
func (r *renderer) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	if r.pending {
		r.draw()
	}
	r.closed = true
	if !r.started {
		return
	}
	end := leave
	if r.c.progress != "" {
		end = ansi.ResetProgressBar + end
	}
	_, _ = io.WriteString(r.out, end)
}
