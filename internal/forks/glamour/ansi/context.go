package ansi

import (
	"html"
	"strings"

	xhtml "golang.org/x/net/html"
)

// RenderContext holds the current rendering options and state.
type RenderContext struct {
	options Options

	blockStack *BlockStack
	table      *TableElement
}

// NewRenderContext returns a new RenderContext.
func NewRenderContext(options Options) RenderContext {
	return RenderContext{
		options:    options,
		blockStack: &BlockStack{},
		table:      &TableElement{},
	}
}

// SanitizeHTML sanitizes HTML content.
func (ctx RenderContext) SanitizeHTML(s string, trimSpaces bool) string {
	s = stripTags(s)
	if trimSpaces {
		s = strings.TrimSpace(s)
	}

	return html.UnescapeString(s)
}

// stripTags is s without its HTML elements: the text between the tags, as
// it is written (entities unescaped by SanitizeHTML), without the content of
// script and style elements, as bluemonday's StrictPolicy left it.
// porthole's fork: bluemonday's package init (its css package) cost every
// program importing glamour 2-3 ms before main. See ../../README.md.
func stripTags(s string) string {
	z := xhtml.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	hidden := 0 // inside script or style
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return b.String()
		case xhtml.TextToken:
			if hidden == 0 {
				b.Write(z.Raw())
			}
		case xhtml.StartTagToken:
			if name, _ := z.TagName(); isHidden(name) {
				hidden++
			}
		case xhtml.EndTagToken:
			if name, _ := z.TagName(); isHidden(name) && hidden > 0 {
				hidden--
			}
		}
	}
}

func isHidden(tag []byte) bool {
	return string(tag) == "script" || string(tag) == "style"
}
