package diffview

import (
	"image/color"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/mattn/go-runewidth"

	"porthole/tui/styles"
)

// attr is a cell's look, flattened so that runs of equal cells share one SGR.
type attr struct {
	fg, bg                                  color.Color
	bold, italic, underline, faint, reverse bool
}

func attrOf(s lipgloss.Style) attr {
	a := attr{bold: s.GetBold(), italic: s.GetItalic(), underline: s.GetUnderline(), faint: s.GetFaint(), reverse: s.GetReverse()}
	if c := s.GetForeground(); !isNoColor(c) {
		a.fg = c
	}
	if c := s.GetBackground(); !isNoColor(c) {
		a.bg = c
	}
	return a
}

func isNoColor(c color.Color) bool {
	_, ok := c.(lipgloss.NoColor)
	return c == nil || ok
}

// over lays b on a: b's set fields win.
func (a attr) over(b attr) attr {
	if b.fg != nil {
		a.fg = b.fg
	}
	if b.bg != nil {
		a.bg = b.bg
	}
	a.bold = a.bold || b.bold
	a.italic = a.italic || b.italic
	a.underline = a.underline || b.underline
	a.faint = a.faint || b.faint
	a.reverse = a.reverse || b.reverse
	return a
}

func (a attr) sgr() string {
	s := ansi.Style{}.Reset()
	if a.bold {
		s = s.Bold()
	}
	if a.faint {
		s = s.Faint()
	}
	if a.italic {
		s = s.Italic(true)
	}
	if a.underline {
		s = s.Underline(true)
	}
	if a.reverse {
		s = s.Reverse(true)
	}
	if a.fg != nil {
		s = s.ForegroundColor(a.fg)
	}
	if a.bg != nil {
		s = s.BackgroundColor(a.bg)
	}
	return s.String()
}

// Flags a byte of a line can carry on top of its syntax style.
const (
	flagWord   = 1 << iota // changed word in a paired -/+ line
	flagSearch             // search match
)

// painter draws diff lines as ANSI strings from precomputed attributes; it
// keeps the SGR for every (kind, syntax style, flags) it has seen.
type painter struct {
	kinds            [KindNoNewline + 1]attr
	addMark, delMark attr
	addWord, delWord attr
	search, banner   attr
	header           attr // the top line (headerExtra over a commit not in the change)
	headerExtra      attr
	status           attr // the bottom line
	hl               *highlighter
	cache            map[uint64]string
}

func newPainter(s *styles.Styles, hl *highlighter) *painter {
	p := &painter{hl: hl, cache: map[uint64]string{}}
	d := s.Diff
	p.kinds[KindOther] = attrOf(d.Meta)
	p.kinds[KindCommit] = attrOf(d.Commit)
	p.kinds[KindCommitMeta] = attrOf(d.Meta)
	p.kinds[KindMessage] = attrOf(d.Message)
	p.kinds[KindFileHeader] = attrOf(d.FileHeader)
	p.kinds[KindFileMeta] = attrOf(d.Meta)
	p.kinds[KindHunk] = attrOf(d.Hunk)
	p.kinds[KindAdd] = attrOf(d.Add)
	p.kinds[KindDel] = attrOf(d.Del)
	p.kinds[KindContext] = attrOf(d.Context)
	p.kinds[KindNoNewline] = attrOf(d.NoNewline)
	p.addMark, p.delMark = attrOf(d.AddMarker), attrOf(d.DelMarker)
	p.addWord, p.delWord = attrOf(d.AddWord), attrOf(d.DelWord)
	p.search, p.banner = attrOf(d.Search), attrOf(d.Banner)
	p.header, p.headerExtra, p.status = attrOf(d.Header), attrOf(d.HeaderExtra), attrOf(d.Status)
	return p
}

// sgrFor returns the escape sequence for a cell of a line of the given kind.
func (p *painter) sgrFor(k Kind, syn uint16, flags uint8) string {
	key := uint64(k)<<32 | uint64(syn)<<8 | uint64(flags)
	if s, ok := p.cache[key]; ok {
		return s
	}
	a := p.kinds[k]
	if syn != 0 {
		ss := p.hl.paletteAt(syn)
		a = a.over(attr{fg: ss.fg, bold: ss.bold, italic: ss.italic})
	}
	if flags&flagWord != 0 {
		if k == KindDel {
			a = a.over(p.delWord)
		} else {
			a = a.over(p.addWord)
		}
	}
	if flags&flagSearch != 0 {
		a = a.over(p.search)
	}
	s := a.sgr()
	p.cache[key] = s
	return s
}

// isContent is true for the -, + and context lines of a hunk.
func isContent(k Kind) bool { return k == KindAdd || k == KindDel || k == KindContext }

// lineText splits a raw line into its marker (for hunk content) and its display text.
func lineText(k Kind, raw string) (marker string, text string) {
	if isContent(k) && raw != "" {
		return raw[:1], displayText(raw[1:])
	}
	if isContent(k) {
		return " ", ""
	}
	return "", displayText(raw)
}

// line draws one line clipped to [hoff, hoff+width) columns. Content lines
// keep their marker column fixed while the text scrolls.
func (p *painter) line(k Kind, raw string, syn, words, matches []span, hoff, width int) string {
	if width <= 0 {
		return ""
	}
	marker, text := lineText(k, raw)
	var b strings.Builder
	b.Grow(width + 64)
	w := width
	if marker != "" {
		switch k {
		case KindAdd:
			b.WriteString(p.addMarkSGR())
		case KindDel:
			b.WriteString(p.delMarkSGR())
		default:
			b.WriteString(p.sgrFor(k, 0, 0))
		}
		b.WriteString(marker)
		w--
	}
	// Per-byte syntax style and flags.
	n := len(text)
	var synAt []uint16
	var flagAt []uint8
	if len(syn) > 0 {
		synAt = make([]uint16, n)
		for _, s := range syn {
			for i := max(s.start, 0); i < min(s.end, int32(n)); i++ {
				synAt[i] = s.style
			}
		}
	}
	if len(words) > 0 || len(matches) > 0 {
		flagAt = make([]uint8, n)
		for _, s := range words {
			for i := max(s.start, 0); i < min(s.end, int32(n)); i++ {
				flagAt[i] |= flagWord
			}
		}
		for _, s := range matches {
			for i := max(s.start, 0); i < min(s.end, int32(n)); i++ {
				flagAt[i] |= flagSearch
			}
		}
	}
	col, used := 0, 0
	cur := ""
	lastSt, lastFl, styled := uint16(0), uint8(0), false // the (style, flags) cur was looked up for
	for i, r := range text {
		rw := 1
		if r < 0x20 || r >= 0x7f { // ASCII is one cell: no table look-up
			rw = runewidth.RuneWidth(r)
		}
		if rw == 0 { // a combining mark rides on the previous cell
			if col >= hoff && used > 0 {
				b.WriteRune(r)
			}
			continue
		}
		if col < hoff {
			col += rw
			continue
		}
		if used+rw > w {
			break
		}
		var st uint16
		var fl uint8
		if synAt != nil {
			st = synAt[i]
		}
		if flagAt != nil {
			fl = flagAt[i]
		}
		if !styled || st != lastSt || fl != lastFl { // a new run of cells: its SGR, if it differs
			if s := p.sgrFor(k, st, fl); s != cur {
				b.WriteString(s)
				cur = s
			}
			lastSt, lastFl, styled = st, fl, true
		}
		b.WriteRune(r)
		col += rw
		used += rw
	}
	if used < w {
		if s := p.sgrFor(k, 0, 0); s != cur {
			b.WriteString(s)
		}
		b.WriteString(strings.Repeat(" ", w-used))
	}
	b.WriteString("\x1b[m")
	return b.String()
}

func (p *painter) addMarkSGR() string { return p.special(1, p.addMark) }
func (p *painter) delMarkSGR() string { return p.special(2, p.delMark) }

// special caches the SGR of attributes outside the kind table.
func (p *painter) special(id uint64, a attr) string {
	key := uint64(1)<<48 | id
	if s, ok := p.cache[key]; ok {
		return s
	}
	s := a.sgr()
	p.cache[key] = s
	return s
}

// bannerLine draws a full-width line in the banner style.
func (p *painter) bannerLine(text string, width int) string {
	return p.bar(3, p.banner, displayText(text), width)
}

// bar draws text in attributes a (cached as special id), cut with "…" or
// padded to width cells: the header, a banner line.
func (p *painter) bar(id uint64, a attr, text string, width int) string {
	t := ansi.Truncate(text, width, "…")
	pad := max(0, width-ansi.StringWidth(t))
	return p.special(id, a) + t + strings.Repeat(" ", pad) + "\x1b[m"
}
