package diffview

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"porthole/tui/common"
)

func press(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

// drain runs a command and feeds what it returns back into the model, as the
// program would, until nothing is left (batches included).
func drain(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 1000 {
			t.Fatal("commands do not settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		if b, ok := msg.(tea.BatchMsg); ok {
			queue = append(queue, b...)
			continue
		}
		if _, ok := msg.(CloseMsg); ok {
			continue
		}
		var next tea.Cmd
		m, next = m.Update(msg)
		queue = append(queue, next)
	}
	return m
}

func send(t *testing.T, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		var cmd tea.Cmd
		m, cmd = m.Update(press(k))
		m = drain(t, m, cmd)
	}
	return m
}

func openFixture(t *testing.T, w, h int) (Model, *fixture) {
	t.Helper()
	f := newFixture(t)
	c := common.New()
	m := New(c)
	m.SetSize(w, h)
	m.SetExpected([]string{changeID})
	m = drain(t, m, m.Open(f.path, "incoming"))
	if m.Doc() == nil {
		t.Fatalf("not opened: %v", m.err)
	}
	return m, f
}

func plain(s string) string { return ansi.Strip(s) }

func TestViewGolden(t *testing.T) {
	for _, w := range []int{80, 100, 140} {
		t.Run(fmt.Sprintf("width_%d", w), func(t *testing.T) {
			m, _ := openFixture(t, w, 24)
			v := m.View()
			if gw, gh := lipgloss.Size(v); gw != w || gh != 24 {
				t.Errorf("view is %dx%d, want %dx24", gw, gh, w)
			}
			golden.RequireEqual(t, plain(v))
		})
	}
}

func TestViewGoldenOwnCommit(t *testing.T) {
	m, _ := openFixture(t, 80, 24)
	m = send(t, m, "}")
	golden.RequireEqual(t, plain(m.View()))
}

func TestExtraCommitIsMarked(t *testing.T) {
	m, f := openFixture(t, 100, 30)
	v := plain(m.View())
	first := strings.Split(v, "\n")[0]
	if !strings.Contains(first, ExtraBanner) || !strings.Contains(first, "Unrelated direct push") {
		t.Errorf("header over the extra commit = %q", first)
	}
	if !strings.Contains(v, "commit "+f.extra+"   "+ExtraBanner) {
		t.Errorf("the extra commit's line has no banner:\n%s", v)
	}
	m = send(t, m, "}")
	v = plain(m.View())
	if strings.Contains(v, ExtraBanner) {
		t.Errorf("the change's own commit is marked as not part of it:\n%s", v)
	}
	// Without expected Change-Ids nothing is marked; an explicit SHA is.
	m.SetExpected(nil)
	m = send(t, m, "g")
	if strings.Contains(plain(m.View()), ExtraBanner) {
		t.Error("marked a commit with no expectation set")
	}
	m.SetExtra([]string{f.extra})
	if !strings.Contains(plain(m.View()), ExtraBanner) {
		t.Error("an explicitly extra commit is not marked")
	}
}

func TestEscapeSequencesInThePatchNeverReachTheTerminal(t *testing.T) {
	m, _ := openFixture(t, 100, 60)
	v := m.View()
	if strings.Contains(v, "\x1b[31m") || strings.Contains(v, "\x07") {
		t.Fatal("raw escape/bell from the patch reached the output")
	}
	if !strings.Contains(plain(v), "escape ␛[31mred") {
		t.Errorf("escape not shown as a visible placeholder:\n%s", plain(v))
	}
}

func TestNavigationKeys(t *testing.T) {
	m, f := openFixture(t, 80, 12) // body of 10 lines
	body := 10
	lines := m.Doc().Lines()
	steps := []struct {
		key  string
		want int
	}{
		{"j", 1}, {"down", 2}, {"k", 1}, {"up", 0}, {"up", 0},
		{"space", body}, {"b", 0}, {"pgdown", body}, {"pgup", 0},
		{"f", body}, {"ctrl+b", 0},
		{"ctrl+d", body / 2}, {"ctrl+u", 0}, {"d", body / 2}, {"u", 0},
		{"G", lines - body}, {"g", 0}, {"end", lines - body}, {"home", 0},
	}
	for _, s := range steps {
		if s.key == "ctrl+b" || s.key == "ctrl+d" || s.key == "ctrl+u" {
			var cmd tea.Cmd
			m, cmd = m.Update(tea.KeyPressMsg{Code: rune(s.key[5]), Mod: tea.ModCtrl})
			m = drain(t, m, cmd)
		} else {
			m = send(t, m, s.key)
		}
		if m.Top() != s.want {
			t.Fatalf("after %q top = %d, want %d", s.key, m.Top(), s.want)
		}
	}
	// Files and commits.
	files := m.Doc().Files()
	m = send(t, m, "]")
	if m.Top() != files[0].Line {
		t.Fatalf("] went to %d, want first file at %d", m.Top(), files[0].Line)
	}
	m = send(t, m, "]")
	if m.Top() != files[1].Line {
		t.Fatalf("] went to %d, want %d", m.Top(), files[1].Line)
	}
	m = send(t, m, "[")
	if m.Top() != files[0].Line {
		t.Fatalf("[ went to %d, want %d", m.Top(), files[0].Line)
	}
	m = send(t, m, "}")
	own := lineOf(t, f.patch, "commit "+f.own)
	if m.Top() != min(own, lines-body) {
		t.Fatalf("} went to %d, want %d", m.Top(), own)
	}
	m = send(t, m, "g", "{")
	if m.Status() != "no previous commit" {
		t.Fatalf("{ at the top: status %q", m.Status())
	}
	// Horizontal scrolling.
	m = send(t, m, "l", "right")
	if m.hoff != 16 {
		t.Fatalf("hoff = %d after two right scrolls", m.hoff)
	}
	m = send(t, m, "h", "left", "left")
	if m.hoff != 0 {
		t.Fatalf("hoff = %d after scrolling back", m.hoff)
	}
	// q and esc ask the owner to close.
	for _, k := range []string{"q", "esc"} {
		_, cmd := m.Update(press(k))
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(CloseMsg); !ok {
			t.Fatalf("%s did not ask to close", k)
		}
	}
}

func TestSearch(t *testing.T) {
	m, f := openFixture(t, 80, 12)
	m = send(t, m, "/")
	if !m.Searching() {
		t.Fatal("/ did not open the search prompt")
	}
	// While searching, keys are text: q does not close, j does not scroll.
	m = send(t, m, "q", "backspace", "u", "c", "a")
	if m.input.Value() != "uca" {
		t.Fatalf("search input = %q", m.input.Value())
	}
	m = send(t, m, "enter")
	first := lineOf(t, f.patch, "    Use uca-default")
	if m.matchLine != first {
		t.Fatalf("first match at %d, want %d (status %q)", m.matchLine, first, m.Status())
	}
	if !strings.Contains(plain(m.View()), "/uca: line") {
		t.Errorf("status does not say where the match is:\n%s", plain(m.View()))
	}
	m = send(t, m, "n")
	second := lineOf(t, f.patch, "+\t\t$collation = 'uca-default'")
	if m.matchLine != second {
		t.Fatalf("n went to %d, want %d", m.matchLine, second)
	}
	if m.Top() > second || second >= m.Top()+10 {
		t.Fatalf("match line %d not on screen (top %d)", second, m.Top())
	}
	m = send(t, m, "N")
	if m.matchLine != first {
		t.Fatalf("N went to %d, want %d", m.matchLine, first)
	}
	m = send(t, m, "N")
	if m.matchLine != second || !strings.Contains(m.Status(), "wrapped") {
		t.Fatalf("N from the first match should wrap to the last: %d %q", m.matchLine, m.Status())
	}
	// Smart case: an upper-case query is case-sensitive.
	m = send(t, m, "/", "U", "C", "A", "enter")
	if !strings.HasPrefix(m.Status(), "pattern not found: UCA") {
		t.Fatalf("status = %q", m.Status())
	}
	// esc closes the prompt without searching.
	m = send(t, m, "/", "x", "esc")
	if m.Searching() || m.match.query != "UCA" {
		t.Fatalf("esc: searching=%v query=%q", m.Searching(), m.match.query)
	}
}

func TestSyntaxAndWordHighlights(t *testing.T) {
	m, f := openFixture(t, 120, 80)
	del := lineOf(t, f.patch, "-\t\t$collation = 'uppercase';")
	add := lineOf(t, f.patch, "+\t\t$collation = 'uca-default';")
	if p := partner(m.Doc(), del, &m.run); p != add {
		t.Fatalf("partner(%d) = %d, want %d", del, p, add)
	}
	lone := lineOf(t, f.patch, "+\t\t// T12345") // the second added line of a 1-for-2 block
	if p := partner(m.Doc(), lone, &m.run); p != -1 {
		t.Fatalf("an unpaired added line has partner %d", p)
	}
	if len(m.syn[add]) == 0 {
		t.Fatalf("no syntax spans on a PHP line")
	}
	_, text := lineText(KindAdd, "+\t\t$collation = 'uca-default';")
	w := m.words[add]
	if len(w) != 1 || text[w[0].start:w[0].end] != "uca-default" {
		t.Fatalf("word diff on the added line = %v", w)
	}
	_, dtext := lineText(KindDel, "-\t\t$collation = 'uppercase';")
	w = m.words[del]
	if len(w) != 1 || dtext[w[0].start:w[0].end] != "uppercase" {
		t.Fatalf("word diff on the removed line = %v", w)
	}
	// The rendered line carries the changed word in its own style.
	v := m.View()
	wordSGR := m.paint.sgrFor(KindAdd, m.syn[add][len(m.syn[add])-2].style, flagWord)
	if !strings.Contains(v, wordSGR) {
		t.Error("the changed word is not drawn with the word-diff style")
	}
}

func TestResizeKeepsTheViewFull(t *testing.T) {
	m, _ := openFixture(t, 80, 24)
	for _, sz := range [][2]int{{40, 10}, {140, 50}, {80, 24}} {
		m = drain(t, m, m.SetSize(sz[0], sz[1]))
		if w, h := lipgloss.Size(m.View()); w != sz[0] || h != sz[1] {
			t.Errorf("at %v the view is %dx%d", sz, w, h)
		}
	}
}

func TestOpenErrorIsShown(t *testing.T) {
	m := New(common.New())
	m.SetSize(80, 10)
	m = drain(t, m, m.Open("/nonexistent/p.patch", ""))
	if v := plain(m.View()); !strings.Contains(v, "Cannot show the diff: cannot open the patch") {
		t.Fatalf("view = %q", v)
	}
}
