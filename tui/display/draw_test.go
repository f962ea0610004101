package display

import (
	"math/rand/v2"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

func TestFrameWritesOnlyChangedLines(t *testing.T) {
	c := newCanvas(20, 4, colorprofile.TrueColor)
	first := string(c.frame(look{content: "one\ntwo\nthree", title: "t"}))
	for _, want := range []string{clearAll, "one", "two", "three", "\x1b[4;1H", syncBegin, syncEnd, "\x1b]2;t\a"} {
		if !strings.Contains(first, want) {
			t.Errorf("first frame lacks %q: %q", want, first)
		}
	}
	second := string(c.frame(look{content: "one\nTWO\nthree", title: "t"}))
	if strings.Contains(second, "one") || strings.Contains(second, "three") || strings.Contains(second, clearAll) {
		t.Errorf("unchanged lines were written again: %q", second)
	}
	if !strings.Contains(second, "\x1b[2;1H\x1b[mTWO\x1b[m\x1b[K") {
		t.Errorf("the changed line is not rewritten in place: %q", second)
	}
	if b := c.frame(look{content: "one\nTWO\nthree", title: "t"}); b != nil {
		t.Errorf("an unchanged frame wrote %q", b)
	}
	if b := string(c.frame(look{content: "one\nTWO\nthree", title: "u"})); !strings.Contains(b, "\x1b]2;u\a") || strings.Contains(b, "TWO") {
		t.Errorf("a new title: %q", b)
	}
}

func TestFrameClipsToTheScreen(t *testing.T) {
	c := newCanvas(5, 2, colorprofile.TrueColor)
	b := string(c.frame(look{content: "abcdefgh\n12345\nhidden", title: ""}))
	if strings.Contains(b, "abcdef") || !strings.Contains(b, "abcde") {
		t.Errorf("a long line is not cut at the width: %q", b)
	}
	if strings.Contains(b, "12345\x1b[m\x1b[K") {
		t.Errorf("erase-line after a full line would wipe its last cell: %q", b)
	}
	if strings.Contains(b, "hidden") {
		t.Errorf("a line below the screen was drawn: %q", b)
	}
}

func TestFrameRedrawsAfterResize(t *testing.T) {
	c := newCanvas(10, 2, colorprofile.TrueColor)
	c.frame(look{content: "a\nb", title: ""})
	c.resize(12, 3)
	b := string(c.frame(look{content: "a\nb", title: ""}))
	if !strings.Contains(b, clearAll) || !strings.Contains(b, "a") || !strings.Contains(b, "b") {
		t.Errorf("after a resize the frame is not drawn in full: %q", b)
	}
}

func TestFrameDownsamplesColours(t *testing.T) {
	c := newCanvas(10, 1, colorprofile.ANSI256)
	b := string(c.frame(look{content: "\x1b[38;2;255;0;0mred\x1b[m", title: ""}))
	if strings.Contains(b, "38;2;") || !strings.Contains(b, "38;5;") {
		t.Errorf("true colour not converted for a 256-colour terminal: %q", b)
	}
}

func TestFrameShowsAndClearsTheProgressIndicator(t *testing.T) {
	c := newCanvas(10, 1, colorprofile.TrueColor)
	pb := tea.NewProgressBar(tea.ProgressBarDefault, 40)
	b := string(c.frame(lookOf(tea.View{Content: "x", ProgressBar: pb})))
	if !strings.Contains(b, ansi.SetProgressBar(40)) {
		t.Errorf("no progress indicator: %q", b)
	}
	if b := c.frame(lookOf(tea.View{Content: "x", ProgressBar: pb})); b != nil {
		t.Errorf("the same indicator was written again: %q", b)
	}
	if b := string(c.frame(lookOf(tea.View{Content: "x"}))); !strings.Contains(b, ansi.ResetProgressBar) {
		t.Errorf("the indicator is not cleared: %q", b)
	}
}

// Each style sequence converted once and kept gives the bytes colorprofile
// gives for the whole frame, whatever else the frame holds.
func TestDownsampleIsColorprofiles(t *testing.T) {
	frame := syncBegin + "\x1b[1;1H\x1b[m\x1b[1;38;2;200;30;40;48;2;10;10;10mcommit\x1b[m abc ·\x1b[K" +
		"\x1b[2;1H\x1b[;4;38;5;153;48;5;52mword\x1b[38:2::1:2:3mcolon\x1b[3;9;2mattrs\x1b[39;49m\x1b[m" +
		"\x1b]2;title\a" + ansi.SetProgressBar(40) + "\x1b[?25l\x1b[31mred\x1b[91;104mbright\x1b[0m é 世界\x1b[" + syncEnd
	for _, p := range []colorprofile.Profile{colorprofile.ANSI256, colorprofile.ANSI, colorprofile.Ascii} {
		var want strings.Builder
		w := &colorprofile.Writer{Forward: &want, Profile: p}
		if _, err := w.Write([]byte(frame)); err != nil {
			t.Fatal(err)
		}
		c := newCanvas(80, 2, p)
		for i := 0; i < 2; i++ { // the second time from what was kept
			if got := string(c.downsample([]byte(frame))); got != want.String() {
				t.Errorf("%v, pass %d:\n got %q\nwant %q", p, i+1, got, want.String())
			}
		}
	}
}

// TestCellWidthIsStringWidth: the ASCII fast path counts cells as
// ansi.StringWidth does, on lines made of text, SGR and other CSI
// sequences, OSC sequences (hyperlinks, titles), control bytes, broken
// escapes and non-ASCII text.
func TestCellWidthIsStringWidth(t *testing.T) {
	pieces := []string{"a", "hello ", "  ", "\x1b[m", "\x1b[;1;38;5;209;48;5;234m", "\x1b[38:2::1:2:3m", "\x1b[2K", "\x1b[?25l",
		"\x1b[1 q", "\x1b]8;;https://x.example\x07", "\x1b]8;;\x1b\\", "\x1b]0;title\x07", "\t", "\r", "\x7f", "\x01",
		"\x1b", "\x1b[", "\x1b[12", "\x1b]unterminated", "\x1bc", "é", "日本", "e\u0301", "👍🏽", "~"}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		var b strings.Builder
		for j := r.IntN(12); j >= 0; j-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		l := b.String()
		if got, want := cellWidth(l), ansi.StringWidth(l); got != want {
			t.Fatalf("cellWidth(%q) = %d, ansi.StringWidth = %d", l, got, want)
		}
	}
}
