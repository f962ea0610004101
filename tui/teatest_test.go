package tui

import (
	"context"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// recorder is the root model run by a real tea.Program (teatest), keeping the
// last frame it drew so the test can wait for what is on screen.
type recorder struct {
	Model
	mu   *sync.Mutex
	last *string
}

func (r recorder) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := r.Model.Update(msg)
	r.Model = m.(Model)
	return r, cmd
}

func (r recorder) View() tea.View {
	v := r.Model.View()
	r.mu.Lock()
	*r.last = ansi.Strip(v.Content)
	r.mu.Unlock()
	return v
}

func (r recorder) screen() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return *r.last
}

func startProgram(t *testing.T, opts Options, w, h int) (*teatest.TestModel, recorder) {
	t.Helper()
	r := recorder{Model: New(context.Background(), opts), mu: &sync.Mutex{}, last: new(string)}
	tm := teatest.NewTestModel(t, r, teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	return tm, r
}

func waitScreen(t *testing.T, r recorder, want string) {
	t.Helper()
	deadline := time.Now().Add(driverDeadline)
	for !strings.Contains(r.screen(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("%q never on screen; last:\n%s", want, r.screen())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sgr matches a Select Graphic Rendition sequence.
var sgr = regexp.MustCompile(`\x1b\[([0-9;:]*)m`)

// colour returns the first SGR sequence in out that sets a colour, or "".
func colour(out []byte) string {
	for _, m := range sgr.FindAllSubmatch(out, -1) {
		for _, p := range strings.FieldsFunc(string(m[1]), func(r rune) bool { return r == ';' || r == ':' }) {
			switch {
			case len(p) == 2 && (p[0] == '3' || p[0] == '4' || p[0] == '9') && p[1] != '9':
				return string(m[0]) // 30-38, 40-48, 90-98 (39 and 49 reset to the default)
			case len(p) == 3 && strings.HasPrefix(p, "10"):
				return string(m[0])
			}
		}
	}
	return ""
}

// A window through the real program loop: type a change, open the window,
// answer the +2, run the fetch, quit (which stops the window cleanly). With
// the colour profile fixed to plain ASCII (NO_COLOR), no colour reaches the
// terminal.
func TestProgramWindowFlow(t *testing.T) {
	e := newTestEngine(t)
	tm, r := startProgram(t, testOptions(e), 100, 30)
	tm.Type("1000")
	tm.Send(keyMsg("enter"))
	waitScreen(t, r, "plan ready: 7 steps")
	waitScreen(t, r, "on an empty line: open the window for 1 change") // the footer: Home takes enter
	tm.Send(keyMsg("enter"))
	waitScreen(t, r, "Backport 1 change? +2 starts Gerrit's gate and submit")
	waitScreen(t, r, "y/n: answer") // shown once the question takes keys
	tm.Send(keyMsg("y"))
	waitScreen(t, r, "enter run step 2: git fetch in php-1.44.0-wmf.5")
	tm.Send(keyMsg("enter"))
	waitScreen(t, r, "enter run step 3: Review HEAD..@{u}")
	tm.Send(keyMsg("q"))
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(driverDeadline)).(recorder)
	if fm.win == nil || !fm.win.Closed() || fm.Orphan() != "" {
		t.Fatalf("quit left the window open (closed=%v) or an orphan %q", fm.win != nil && fm.win.Closed(), fm.Orphan())
	}
	out, err := io.ReadAll(tm.FinalOutput(t))
	if err != nil {
		t.Fatal(err)
	}
	if c := colour(out); c != "" {
		t.Fatalf("a colour reached a NO_COLOR terminal: %q", c)
	}
	if !strings.Contains(string(out), "\x1b[1m") {
		t.Error("no bold at all: the test would not see SGR sequences")
	}
	if !strings.Contains(string(out), "\x1b[?1049h") {
		t.Error("the program did not use the alternate screen")
	}
}

// The diff viewer on its own (porthole tui --diff FILE): it opens, moves, and q quits.
func TestProgramDiffOnly(t *testing.T) {
	e := newTestEngine(t)
	tm, r := startProgram(t, Options{Engine: e, Now: e.clock, DiffFile: e.patch}, 80, 24)
	waitScreen(t, r, "commit 1/2")
	tm.Send(keyMsg("}"))
	waitScreen(t, r, "lines")
	tm.Send(keyMsg("q"))
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(driverDeadline)).(recorder)
	if fm.diff.Doc() == nil || fm.diff.Doc().Lines() == 0 {
		t.Fatal("the patch was not opened")
	}
}
