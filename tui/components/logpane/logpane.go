// Package logpane shows the streamed output of a window's steps: one bounded
// log per step, a host filter for fan-outs, notes, and a progress bar fed by
// scap's progress lines with elapsed time and an estimate of what is left.
package logpane

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"porthole/remote"
	"porthole/tui/common"
)

// MaxLines is how many lines each step's log keeps.
const MaxLines = 5000

// stepLog is one step's log.
type stepLog struct {
	lines    *ring
	hosts    []string
	started  time.Time
	progress *remote.Progress
	progAt   time.Time
	ended    time.Time
}

// Model is the log pane.
type Model struct {
	c       *common.Common
	logs    map[string]*stepLog
	titles  map[string]string
	step    string // the step shown
	filter  string // host shown ("" for all)
	back    int    // lines scrolled up from the end (0 follows the tail)
	width   int
	height  int
	now     func() time.Time
	focused bool
}

// New returns an empty log pane; now is the clock for elapsed times.
func New(c *common.Common, now func() time.Time) Model {
	if now == nil {
		now = time.Now
	}
	return Model{c: c, logs: map[string]*stepLog{}, titles: map[string]string{}, now: now}
}

// SetSize sets the pane's size.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, max(2, h) }

// SetFocused says whether scrolling keys go to the pane.
func (m *Model) SetFocused(f bool) { m.focused = f }

// Show switches the pane to step id's log (its title is kept for the header).
func (m *Model) Show(id, title string) {
	if id != m.step {
		m.filter, m.back = "", 0
	}
	m.step = id
	if title != "" {
		m.titles[id] = title
	}
}

// Shown is the step whose log is on screen.
func (m Model) Shown() string { return m.step }

// Filter is the host the pane is filtered to ("" for all).
func (m Model) Filter() string { return m.filter }

func (m *Model) log(id string) *stepLog {
	l := m.logs[id]
	if l == nil {
		l = &stepLog{lines: newRing(MaxLines)}
		m.logs[id] = l
	}
	return l
}

// Add appends an entry to step id's log.
func (m *Model) Add(id string, e Entry) {
	l := m.log(id)
	e.Text = Sanitize(e.Text)
	if e.Host != "" && !contains(l.hosts, e.Host) {
		l.hosts = append(l.hosts, e.Host)
	}
	l.lines.push(e, MaxLines)
	if id == m.step && m.back > 0 && (m.filter == "" || e.Host == m.filter) {
		m.back++ // keep the view still while the deployer reads back
	}
}

// Started records a step's start (for elapsed time and ETA).
func (m *Model) Started(id string, at time.Time) {
	l := m.log(id)
	l.started, l.ended, l.progress = at, time.Time{}, nil
}

// Ended records a step's end.
func (m *Model) Ended(id string, at time.Time) { m.log(id).ended = at }

// Progress records a fan-out or scap progress value.
func (m *Model) Progress(id string, p remote.Progress, at time.Time) {
	l := m.log(id)
	l.progress, l.progAt = &p, at
	if l.started.IsZero() {
		l.started = at
	}
}

// ProgressOf is step id's last progress value, if it has one.
func (m Model) ProgressOf(id string) (remote.Progress, bool) {
	if l := m.logs[id]; l != nil && l.progress != nil {
		return *l.progress, true
	}
	return remote.Progress{}, false
}

// Lines is how many lines step id's log holds.
func (m Model) Lines(id string) int {
	if l := m.logs[id]; l != nil {
		return l.lines.len()
	}
	return 0
}

// Update scrolls the log and cycles the host filter.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	keys := m.c.Keys
	page := max(1, m.bodyHeight()-1)
	switch {
	case key.Matches(k, keys.Filter):
		m.cycleFilter()
	case !m.focused:
		return m, nil
	case key.Matches(k, keys.Up):
		m.back++
	case key.Matches(k, keys.Down):
		m.back--
	case key.Matches(k, keys.PageUp):
		m.back += page
	case key.Matches(k, keys.PageDown):
		m.back -= page
	case key.Matches(k, keys.Top):
		m.back = 1 << 30
	case key.Matches(k, keys.Bottom):
		m.back = 0
	}
	m.back = max(0, min(m.back, m.matching()-m.bodyHeight()))
	return m, nil
}

// cycleFilter goes all → host1 → host2 → … → all.
func (m *Model) cycleFilter() {
	l := m.logs[m.step]
	if l == nil || len(l.hosts) < 2 {
		m.filter = ""
		return
	}
	next := ""
	if m.filter == "" {
		next = l.hosts[0]
	} else {
		for i, h := range l.hosts {
			if h == m.filter && i+1 < len(l.hosts) {
				next = l.hosts[i+1]
			}
		}
	}
	m.filter, m.back = next, 0
}

// matching counts the lines the filter lets through.
func (m Model) matching() int {
	l := m.logs[m.step]
	if l == nil {
		return 0
	}
	if m.filter == "" {
		return l.lines.len()
	}
	n := 0
	for i := 0; i < l.lines.len(); i++ {
		if l.lines.at(i).Host == m.filter {
			n++
		}
	}
	return n
}

func (m Model) hasProgress() bool {
	l := m.logs[m.step]
	return l != nil && l.progress != nil
}

// bodyHeight is the number of log lines the pane shows.
func (m Model) bodyHeight() int {
	h := m.height - 1
	if m.hasProgress() {
		h -= 2
	}
	return max(1, h)
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// Sanitize makes remote output safe to draw: escape sequences (colours,
// cursor moves, titles) are removed, a carriage return keeps what follows it
// (progress redraws), tabs become spaces and other control characters
// become visible placeholders.
func Sanitize(s string) string {
	s = strings.TrimRight(s, "\r")
	if i := strings.LastIndexByte(s, '\r'); i >= 0 {
		s = s[i+1:]
	}
	s = ansi.Strip(s)
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\t':
			b.WriteString("    ")
		case r == 0x7f:
			b.WriteRune('\u2421')
		case r < 0x20:
			b.WriteRune('\u2400' + r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ShortHelp lists the pane's keys.
func (m Model) ShortHelp() []key.Binding {
	return []key.Binding{m.c.Keys.PageUp, m.c.Keys.Filter}
}

// FullHelp lists the pane's keys.
func (m Model) FullHelp() [][]key.Binding {
	k := m.c.Keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Filter}}
}
