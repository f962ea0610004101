package confirm

import (
	"fmt"
	"strings"
)

// A detail longer than the room the dialog has scrolls (pgdn/space, pgup).
// Until its last line has been on screen, only a safe answer is taken:
// what a gate will run must have been shown before a yes goes through.

// Fit tells the dialog the width and height it is drawn at (what View gets),
// so that keys know whether its detail fits.
func (m *Model) Fit(width, height int) {
	m.fitW, m.fitH = width, height
	m.scrollBy(0)
}

// detailLines is the detail (and where it runs) wrapped to inner columns.
func (m Model) detailLines(inner int) []string {
	d := strings.TrimSpace(m.Q.Detail)
	if m.Where != "" && !strings.Contains(d, m.Where) {
		d = strings.TrimSpace(d + "\n" + m.Where)
	}
	if d == "" {
		return nil
	}
	return strings.Split(wrap(d, inner), "\n")
}

// detailRoom is how many detail lines fit at the fitted size (all of them
// when the dialog was not fitted).
func (m Model) detailRoom() (lines []string, room int) {
	if m.fitH <= 0 {
		return nil, 0
	}
	head, detail, tail, frameH := m.parts(m.fitW)
	return detail, m.fitH - frameH - len(head) - len(tail) - 1
}

// scrollBy moves the detail's first shown line by n (clamped) and notes when
// its last line has been shown.
func (m *Model) scrollBy(n int) {
	detail, room := m.detailRoom()
	if len(detail) <= room || m.fitH <= 0 {
		m.top, m.seenEnd = 0, true
		return
	}
	shown := max(1, room-1) // one line says how many more there are
	m.top = max(0, min(m.top+n, len(detail)-shown))
	if m.top+shown >= len(detail) {
		m.seenEnd = true
	}
}

// pageSize is how far pgdn moves the detail.
func (m Model) pageSize() int {
	_, room := m.detailRoom()
	return max(1, room-2)
}

// needsReading says an answer must wait: part of the detail was never on
// screen and the answer goes on (the safe answers — no, the default, show
// the diff — never wait).
func (m Model) needsReading(answer string) bool {
	def := m.Q.Default
	if m.Danger || def == "" {
		def = "n"
	}
	return m.fitH > 0 && !m.seenEnd && answer != "n" && answer != def && answer != "d"
}

// visibleDetail is the part of detail shown in room lines, with a line
// saying what is above or below.
func (m Model) visibleDetail(detail []string, room int) []string {
	if len(detail) <= room {
		return detail
	}
	shown := max(1, room-1)
	top := max(0, min(m.top, len(detail)-shown))
	out := append([]string(nil), detail[top:top+shown]...)
	below := len(detail) - top - shown
	switch {
	case below > 0:
		out = append(out, fmt.Sprintf("↓ %d more lines: pgdn/space reads on (a yes waits until all was shown)", below))
	case top > 0:
		out = append(out, fmt.Sprintf("↑ %d lines above: pgup goes back", top))
	}
	return out
}
