package diffview

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"
)

// View draws the header, the lines on screen and the status line.
func (m Model) View() string {
	w := m.width
	st := m.c.Styles.Diff
	var b strings.Builder
	switch {
	case m.err != nil && m.doc == nil:
		b.WriteString(st.HeaderExtra.Width(w).Render(ansi.Truncate("Cannot show the diff: "+m.err.Error(), w, "…")))
		b.WriteString("\n" + strings.Repeat("\n", m.body()))
		b.WriteString(st.Status.Render("esc: back"))
		return b.String()
	case m.doc == nil:
		b.WriteString(st.Header.Width(w).Render(ansi.Truncate("Loading "+m.path+"…", w, "…")))
		b.WriteString("\n" + strings.Repeat("\n", m.body()))
		return b.String()
	}
	b.WriteString(m.header())
	b.WriteByte('\n')
	body := m.body()
	for i := 0; i < body; i++ {
		n := m.top + i
		if i < len(m.raw) {
			b.WriteString(m.renderLine(n, m.raw[i]))
		} else {
			b.WriteString(st.Gutter.Render("~"))
		}
		b.WriteByte('\n')
	}
	b.WriteString(m.statusLine())
	return b.String()
}

func (m Model) renderLine(n int, raw string) string {
	k := m.doc.Kind(n)
	if k == KindCommit {
		if c := m.doc.CommitAt(n); m.isExtra(c) {
			return m.paint.bannerLine(raw+"   "+ExtraBanner, m.width)
		}
	}
	var matches []span
	if m.match != nil {
		_, text := lineText(k, raw)
		matches = m.match.spans(text)
	}
	return m.paint.line(k, raw, m.syn[n], m.words[n], matches, m.hoff, m.width)
}

// header names the commit and file at the top of the screen.
func (m Model) header() string {
	d := m.doc
	ci := d.CommitAt(m.top)
	if ci < 0 && len(d.commits) > 0 {
		ci = 0
	}
	more := ""
	if !d.Done() {
		more = "+"
	}
	var parts []string
	extra := m.isExtra(ci)
	if extra {
		parts = append(parts, ExtraBanner)
	}
	if ci >= 0 {
		c := d.commits[ci]
		parts = append(parts, fmt.Sprintf("commit %d/%d%s %s %s", ci+1, len(d.commits), more, short(c.SHA), c.Subject))
	} else if m.title != "" {
		parts = append(parts, m.title)
	}
	if fi := d.FileAt(m.top); fi >= 0 {
		f := d.files[fi]
		n, total := filePos(d, fi)
		parts = append(parts, fmt.Sprintf("file %d/%d %s", n, total, f.Path))
	}
	text := displayText(strings.Join(parts, " · "))
	if extra {
		return m.paint.bar(5, m.paint.headerExtra, text, m.width)
	}
	return m.paint.bar(4, m.paint.header, text, m.width)
}

// filePos numbers file fi within its commit.
func filePos(d *Doc, fi int) (int, int) {
	c := d.files[fi].Commit
	first, last := fi, fi
	for first > 0 && d.files[first-1].Commit == c {
		first--
	}
	for last+1 < len(d.files) && d.files[last+1].Commit == c {
		last++
	}
	return fi - first + 1, last - first + 1
}

func short(sha string) string {
	if len(sha) > 10 {
		return sha[:10]
	}
	return sha
}

func (m Model) statusLine() string {
	if m.searching {
		return ansi.Truncate(m.input.View(), m.width, "")
	}
	d := m.doc
	total := d.Lines()
	pos := fmt.Sprintf("lines %d–%d of %d", min(m.top+1, total), min(m.top+m.body(), total), total)
	if !d.Done() {
		pos = fmt.Sprintf("lines %d–%d · reading %d%%", min(m.top+1, total), min(m.top+m.body(), total), 100*d.Indexed()/max(1, d.Size()))
	} else if total > 0 {
		pos += fmt.Sprintf(" · %d%%", 100*min(m.top+m.body(), total)/total)
	}
	left := m.status
	if m.err != nil {
		left = m.err.Error()
	}
	if left == "" {
		left = "q back · / search · ]/[ file · }/{ commit"
	}
	gap := m.width - ansi.StringWidth(pos) - 1
	left = ansi.Truncate(left, max(0, gap), "…")
	pad := max(1, m.width-ansi.StringWidth(left)-ansi.StringWidth(pos))
	return m.paint.special(6, m.paint.status) + left + strings.Repeat(" ", pad) + pos + "\x1b[m"
}

// ShortHelp is the viewer's footer.
func (m Model) ShortHelp() []key.Binding {
	k := m.c.Keys
	return []key.Binding{k.NextFile, k.NextCommit, k.Search, k.NextMatch, k.PageDown, k.Back}
}

// FullHelp is the viewer's help screen.
func (m Model) FullHelp() [][]key.Binding {
	k := m.c.Keys
	return [][]key.Binding{
		{k.Up, k.Down, k.PageDown, k.PageUp, k.HalfDown, k.HalfUp},
		{k.Top, k.Bottom, k.Left, k.Right},
		{k.NextFile, k.PrevFile, k.NextCommit, k.PrevCommit},
		{k.Search, k.NextMatch, k.PrevMatch, k.Back},
	}
}
