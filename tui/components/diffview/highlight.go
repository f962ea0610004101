package diffview

import (
	"embed"
	"image/color"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/alecthomas/chroma/v2"
)

// syntaxFS holds the lexers and styles the viewer knows (copied from
// chroma, see syntax/README.md): loading them costs nothing until a diff is
// highlighted, where importing chroma's lexers and styles packages costs
// every porthole process their init.
//
//go:embed syntax/*.xml
var syntaxFS embed.FS

// syntax is the lexer registry and the styles, built on first use.
var syntax = sync.OnceValue(func() *syntaxSet {
	set := &syntaxSet{lexers: chroma.NewLexerRegistry(), styles: map[string]*chroma.Style{}}
	paths, _ := fs.Glob(syntaxFS, "syntax/*.xml")
	for _, p := range paths {
		if l, err := chroma.NewXMLLexer(syntaxFS, p); err == nil {
			set.lexers.Register(l)
			continue
		}
		f, err := syntaxFS.Open(p)
		if err != nil {
			continue
		}
		if st, err := chroma.NewXMLStyle(f); err == nil {
			set.styles[strings.ToLower(st.Name)] = st
		}
		f.Close()
	}
	return set
})

// syntaxSet is what syntax loads.
type syntaxSet struct {
	lexers *chroma.LexerRegistry
	styles map[string]*chroma.Style
}

// style is a loaded style by name; a plain one when there is none.
func (s *syntaxSet) style(name string) *chroma.Style {
	if st := s.styles[strings.ToLower(name)]; st != nil {
		return st
	}
	return chroma.MustNewStyle("plain", chroma.StyleEntries{})
}

// synStyle is how one kind of token is drawn.
type synStyle struct {
	fg     color.Color
	bold   bool
	italic bool
}

// span marks bytes [start, end) of a line's display text with a syntax style
// (an index into the highlighter's palette) or, for word diffs, as changed.
type span struct {
	start, end int32
	style      uint16
}

// highlighter tokenises single lines with chroma. Lexers are found by file
// name once per extension (chroma's lookup is slow) and are safe to share.
// Nothing of chroma is loaded until the first line is highlighted.
type highlighter struct {
	mu        sync.Mutex
	lexers    map[string]chroma.Lexer
	styleName string
	style     *chroma.Style // nil until first use
	palette   []synStyle
	index     map[chroma.TokenType]uint16
}

func newHighlighter(styleName string) *highlighter {
	return &highlighter{lexers: map[string]chroma.Lexer{}, index: map[chroma.TokenType]uint16{},
		styleName: styleName, palette: []synStyle{{}}} // palette 0: no style
}

// lexerKey is what lexers are cached by: the extension, or the base name.
func lexerKey(p string) string {
	base := path.Base(p)
	if ext := path.Ext(base); ext != "" {
		return strings.ToLower(ext)
	}
	return base
}

// lexer returns the lexer for a file path, or nil when none fits.
func (h *highlighter) lexer(p string) chroma.Lexer {
	if p == "" {
		return nil
	}
	k := lexerKey(p)
	h.mu.Lock()
	l, ok := h.lexers[k]
	h.mu.Unlock()
	if ok {
		return l
	}
	l = syntax().lexers.Match(path.Base(p))
	if l != nil {
		l = chroma.Coalesce(l)
	}
	h.mu.Lock()
	h.lexers[k] = l
	h.mu.Unlock()
	return l
}

// styleOf returns the palette index for a token type.
func (h *highlighter) styleOf(t chroma.TokenType) uint16 {
	h.mu.Lock()
	defer h.mu.Unlock()
	if i, ok := h.index[t]; ok {
		return i
	}
	if h.style == nil {
		h.style = syntax().style(h.styleName)
	}
	e := h.style.Get(t)
	var s synStyle
	if e.Colour.IsSet() {
		s.fg = color.RGBA{R: e.Colour.Red(), G: e.Colour.Green(), B: e.Colour.Blue(), A: 0xff}
	}
	s.bold = e.Bold == chroma.Yes
	s.italic = e.Italic == chroma.Yes
	i := uint16(0)
	if s.fg != nil || s.bold || s.italic {
		h.palette = append(h.palette, s)
		i = uint16(len(h.palette) - 1)
	}
	h.index[t] = i
	return i
}

// paletteAt returns a palette entry.
func (h *highlighter) paletteAt(i uint16) synStyle {
	h.mu.Lock()
	defer h.mu.Unlock()
	if int(i) < len(h.palette) {
		return h.palette[i]
	}
	return synStyle{}
}

// spans tokenises one line of display text.
func (h *highlighter) spans(l chroma.Lexer, text string) []span {
	if l == nil || text == "" {
		return nil
	}
	it, err := l.Tokenise(nil, text+"\n")
	if err != nil {
		return nil
	}
	var out []span
	pos := int32(0)
	for t := it(); t != chroma.EOF; t = it() {
		n := int32(len(t.Value))
		end := min(pos+n, int32(len(text)))
		if st := h.styleOf(t.Type); st != 0 && end > pos {
			out = append(out, span{start: pos, end: end, style: st})
		}
		pos += n
	}
	return out
}
