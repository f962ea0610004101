package logpane

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"porthole/tui/internal/textutil"
)

// View draws the header, the progress bar (when there is one) and the
// visible lines, in exactly height lines.
func (m Model) View() string {
	st := m.c.Styles.Log
	l := m.logs[m.step]
	out := []string{m.header(l)}
	if l != nil && l.progress != nil {
		out = append(out, m.progressViews(l)...)
	}
	body := m.bodyHeight()
	lines := m.visible(l, body)
	hostW := 0
	if l != nil && len(l.hosts) > 1 && m.filter == "" {
		for _, h := range l.hosts {
			hostW = max(hostW, min(16, ansi.StringWidth(h)))
		}
	}
	// Long lines wrap (a deployer must be able to read a whole error); the
	// newest lines win the space.
	var rows []string
	for i := len(lines) - 1; i >= 0 && len(rows) < body; i-- {
		r := m.entry(lines[i], hostW)
		if len(r) > body-len(rows) {
			r = r[len(r)-(body-len(rows)):]
		}
		rows = append(r, rows...)
	}
	out = append(out, rows...)
	if len(lines) == 0 {
		out = append(out, st.Time.Render("  (no output yet)"))
	}
	for len(out) < m.height {
		out = append(out, "")
	}
	return strings.Join(out[:m.height], "\n")
}

func (m Model) header(l *stepLog) string {
	st := m.c.Styles.Log
	title := m.titles[m.step]
	if title == "" {
		title = m.step
	}
	h := "Log · " + title
	if l != nil && len(l.hosts) > 1 {
		f := "all hosts"
		if m.filter != "" {
			f = m.filter
		}
		h += fmt.Sprintf(" · %s (f: filter, %d hosts)", f, len(l.hosts))
	}
	right := ""
	if m.back > 0 {
		right = fmt.Sprintf(" ↑ %d lines back (G: follow)", m.back)
	}
	if l != nil && l.lines.dropped > 0 {
		right += fmt.Sprintf(" · %d older lines dropped", l.lines.dropped)
	}
	return st.Title.Render(ansi.Truncate(h, max(0, m.width-ansi.StringWidth(right)), "…")) + st.Time.Render(right)
}

// progressViews draws scap's progress as text and as a bar with elapsed time
// and ETA.
func (m Model) progressViews(l *stepLog) []string {
	st := m.c.Styles.Log
	p := *l.progress
	now := m.now()
	if !l.ended.IsZero() {
		now = l.ended
	}
	elapsed := now.Sub(l.started)
	timing := "elapsed " + textutil.Clock(elapsed)
	if done := p.Done(); done > 0 && p.Left()+p.InFlight > 0 {
		eta := time.Duration(float64(elapsed) * float64(p.Total-done) / float64(done))
		timing += " · ETA " + textutil.Clock(eta)
	}
	text := fmt.Sprintf("%s: %d%% (ok: %d; fail: %d; left: %d)", p.Name, p.Percent(), p.OK, p.Failed, p.Left())
	if p.InFlight > 0 {
		text = fmt.Sprintf("%s: %d%% (in-flight: %d; ok: %d; fail: %d; left: %d)", p.Name, p.Percent(), p.InFlight, p.OK, p.Failed, p.Left())
	}
	label := st.ProgressLabel.Render(ansi.Truncate(text, m.width, "…"))
	if p.Failed > 0 {
		label = st.NoteDanger.Render(ansi.Truncate(text, m.width, "…"))
	}
	bw := max(4, m.width-ansi.StringWidth(timing)-2)
	pct := 1.0
	if p.Total > 0 {
		pct = float64(p.Done()) / float64(p.Total)
	}
	line := m.bar(pct, bw) + "  " + st.Time.Render(timing)
	return []string{label, ansi.Truncate(line, m.width, "")}
}

// bar draws a progress bar of width w: filled cells, then empty ones
// (readable without colour too).
func (m Model) bar(pct float64, w int) string {
	full := int(pct*float64(w) + 0.5)
	full = max(0, min(w, full))
	st := m.c.Styles.Log
	return st.BarFull.Render(strings.Repeat("█", full)) + st.BarEmpty.Render(strings.Repeat("░", w-full))
}

// visible returns the body's lines: the last ones, or back lines earlier.
func (m Model) visible(l *stepLog, n int) []Entry {
	if l == nil {
		return nil
	}
	var rev []Entry
	skip := m.back
	for i := l.lines.len() - 1; i >= 0 && len(rev) < n; i-- {
		e := l.lines.at(i)
		if m.filter != "" && e.Host != m.filter {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		rev = append(rev, e)
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}

// maxWrap bounds how many screen lines one log line may take.
const maxWrap = 6

// entry draws one log line, wrapped to the pane's width (at most maxWrap
// lines); hostW > 0 puts the host in a column of that width.
func (m Model) entry(e Entry, hostW int) []string {
	st := m.c.Styles.Log
	prefix := ""
	if hostW > 0 {
		prefix = st.Host.Render(fmt.Sprintf("%-*s", hostW, ansi.Truncate(e.Host, hostW, "…"))) + " "
	}
	w := max(1, m.width-ansi.StringWidth(prefix))
	text := e.Text
	style := st.Line
	switch e.Kind {
	case Stderr:
		style = st.Stderr
	case Command:
		style = st.Command
	case Note:
		switch e.Level {
		case Warn:
			style, text = st.NoteWarn, "⚠ "+text
		case Danger:
			style, text = st.NoteDanger, "✖ "+text
		default:
			style, text = st.NoteInfo, "ℹ "+text
		}
	}
	parts := strings.Split(ansi.Hardwrap(ansi.Wrap(text, w, " /"), w, true), "\n")
	if len(parts) > maxWrap {
		parts = parts[:maxWrap]
		parts[maxWrap-1] = ansi.Truncate(parts[maxWrap-1], w-1, "") + "…"
	}
	pad := strings.Repeat(" ", ansi.StringWidth(prefix))
	out := make([]string, len(parts))
	for i, p := range parts {
		lead := pad
		if i == 0 {
			lead = prefix
		}
		out[i] = lead + style.Render(p)
	}
	return out
}
