package display

import (
	"bytes"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// Terminal sequences the display writes. Keys are asked for as Bubble
// Tea's renderer asks (modifyOtherKeys 2, kitty keyboard flag 1: esc,
// ctrl+i and tab … are told apart).
const (
	enter = "\x1b[?1049h\x1b[?25l\x1b[?2004h\x1b[H\x1b[2J" + // alternate screen, hidden cursor, bracketed paste, cleared
		ansi.SetModifyOtherKeys2 + "\x1b[>1u"
	leave = ansi.ResetModifyOtherKeys + "\x1b[<1u" + // the reverse
		"\x1b[?2004l\x1b[?25h\x1b[?1049l"
	syncBegin  = "\x1b[?2026h" // synchronized output: the terminal shows the frame at once
	syncEnd    = "\x1b[?2026l"
	clearAll   = "\x1b[H\x1b[2J"
	resetStyle = "\x1b[m"
	eraseLine  = "\x1b[K"
)

// canvas is what is on the terminal: the lines last written, so the next
// frame writes only the lines that changed.
type canvas struct {
	width, height int
	lines         []string // as written (truncated), len == height
	title         string
	progress      string // the terminal's progress indicator, as its OSC 9;4 sequence
	stale         bool   // the terminal's content is unknown: clear and draw everything
	profile       colorprofile.Profile
	sgr           map[string]string // SGR sequences as converted for sgrProfile
	sgrProfile    colorprofile.Profile
}

func newCanvas(w, h int, p colorprofile.Profile) *canvas {
	c := &canvas{profile: p}
	c.resize(w, h)
	return c
}

// resize forgets what is on screen: the next frame is drawn in full.
func (c *canvas) resize(w, h int) {
	c.width, c.height = max(1, w), max(1, h)
	c.lines = make([]string, c.height)
	c.stale = true
}

// frame returns the bytes that turn the screen into v: nothing when nothing
// changed.
func (c *canvas) frame(v look) []byte {
	content, title := v.content, v.title
	var b bytes.Buffer
	if c.stale {
		b.WriteString(clearAll)
	}
	lines := strings.Split(content, "\n")
	for i := 0; i < c.height; i++ {
		l := ""
		if i < len(lines) {
			l = strings.TrimSuffix(lines[i], "\r")
		}
		w := cellWidth(l)
		if w > c.width {
			l, w = ansi.Truncate(l, c.width, ""), c.width
		}
		if !c.stale && l == c.lines[i] {
			continue
		}
		c.lines[i] = l
		b.WriteString("\x1b[" + strconv.Itoa(i+1) + ";1H" + resetStyle)
		b.WriteString(l)
		b.WriteString(resetStyle)
		if w < c.width { // at the last column, erase-line would wipe the last cell
			b.WriteString(eraseLine)
		}
	}
	if title != c.title {
		c.title = title
		b.WriteString(ansi.SetWindowTitle(title))
	}
	if v.progress != c.progress {
		c.progress = v.progress
		b.WriteString(v.progress)
		if v.progress == "" {
			b.WriteString(ansi.ResetProgressBar)
		}
	}
	c.stale = false
	if b.Len() == 0 {
		return nil
	}
	out := c.downsample(b.Bytes())
	return append(append([]byte(syncBegin), out...), syncEnd...)
}

// cellWidth is how many cells l takes on the terminal, as ansi.StringWidth
// counts them, but without its grapheme segmentation when l is ASCII (a
// diff page: a third of a page-down's time went there): printable bytes
// count one each, escape sequences and control bytes none.
func cellWidth(l string) int {
	w := 0
	for i := 0; i < len(l); i++ {
		switch b := l[i]; {
		case b >= 0x80:
			return ansi.StringWidth(l)
		case b == 0x1b:
			n := escLen(l[i:])
			if n == 0 {
				return ansi.StringWidth(l)
			}
			i += n - 1
		case b >= 0x20 && b < 0x7f:
			w++
		}
	}
	return w
}

// escLen is the length of the CSI sequence (ESC [ … final byte) or OSC
// sequence (ESC ] … BEL or ESC \) s starts with; 0 for anything else.
func escLen(s string) int {
	if len(s) < 2 {
		return 0
	}
	switch s[1] {
	case '[':
		for j := 2; j < len(s); j++ {
			switch b := s[j]; {
			case b >= 0x40 && b <= 0x7e:
				return j + 1
			case b < 0x20 || b > 0x3f:
				return 0
			}
		}
	case ']':
		for j := 2; j < len(s); j++ {
			switch b := s[j]; {
			case b == 0x07:
				return j + 1
			case b == 0x1b && j+1 < len(s) && s[j+1] == '\\':
				return j + 2
			case b < 0x20 || b > 0x7e: // another ESC, a control byte: left to ansi.StringWidth
				return 0
			}
		}
	}
	return 0
}

// look is what a view asks of the terminal.
type look struct {
	content, title, progress string
}

func lookOf(v tea.View) look {
	return look{content: v.Content, title: v.WindowTitle, progress: progressSeq(v.ProgressBar)}
}

// progressSeq is the sequence that shows pb (as Bubble Tea writes it).
func progressSeq(pb *tea.ProgressBar) string {
	if pb == nil {
		return ""
	}
	switch pb.State {
	case tea.ProgressBarDefault:
		return ansi.SetProgressBar(pb.Value)
	case tea.ProgressBarError:
		return ansi.SetErrorProgressBar(pb.Value)
	case tea.ProgressBarIndeterminate:
		return ansi.SetIndeterminateProgressBar
	case tea.ProgressBarWarning:
		return ansi.SetWarningProgressBar(pb.Value)
	}
	return ""
}

// downsample converts colours to what the terminal shows. Converting a
// colour is a nearest-colour search, and a page of a diff has hundreds of
// style sequences but a few dozen distinct ones: each distinct SGR sequence
// is converted once (by colorprofile, as the whole frame was) and kept.
func (c *canvas) downsample(p []byte) []byte {
	if c.profile == colorprofile.TrueColor {
		return p
	}
	if c.sgr == nil || c.sgrProfile != c.profile || len(c.sgr) > maxSGR {
		c.sgr, c.sgrProfile = map[string]string{}, c.profile
	}
	out := make([]byte, 0, len(p))
	for len(p) > 0 {
		i := bytes.Index(p, []byte("\x1b["))
		if i < 0 {
			break
		}
		n := sgrLen(p[i:])
		if n == 0 { // another sequence: as it is
			out, p = append(out, p[:i+2]...), p[i+2:]
			continue
		}
		out = append(out, p[:i]...)
		seq := p[i : i+n]
		conv, ok := c.sgr[string(seq)]
		if !ok {
			var b bytes.Buffer
			w := &colorprofile.Writer{Forward: &b, Profile: c.profile}
			_, _ = w.Write(seq)
			conv = b.String()
			c.sgr[string(seq)] = conv
		}
		out, p = append(out, conv...), p[i+n:]
	}
	return append(out, p...)
}

// maxSGR bounds the converted sequences kept (a screen of many true
// colours, a rendered report, starts the cache again).
const maxSGR = 4096

// sgrLen is the length of the SGR sequence (ESC [ params m) p starts with,
// 0 when p starts with another sequence.
func sgrLen(p []byte) int {
	for j := 2; j < len(p); j++ {
		switch b := p[j]; {
		case b == 'm':
			return j + 1
		case (b < '0' || b > '9') && b != ';' && b != ':':
			return 0
		}
	}
	return 0
}
