package input

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"porthole/tui/internal/testkit"
)

func typed(m Model, keys ...string) Model {
	for _, k := range keys {
		if len([]rune(k)) == 1 {
			m, _ = m.Update(tea.KeyPressMsg{Code: []rune(k)[0], Text: k})
			continue
		}
		m, _ = m.Update(testkit.Key(k))
	}
	return m
}

func TestEditing(t *testing.T) {
	m := New("› ", "placeholder")
	if m, _ := m.Update(tea.KeyPressMsg{Code: 'a', Text: "a"}); m.Value() != "" {
		t.Fatal("an unfocused field took a key")
	}
	m.Focus()
	cases := []struct {
		keys []string
		want string
	}{
		{[]string{"1", "2", "3"}, "123"},
		{[]string{"1", "2", "3", "backspace"}, "12"},
		{[]string{"1", "2", "3", "left", "left", "x"}, "1x23"},
		{[]string{"1", "2", "home", "x", "end", "y"}, "x12y"},
		{[]string{"a", "b", " ", "c", "d", "ctrl+w"}, "ab "},
		{[]string{"a", "b", "left", "ctrl+u"}, "b"},
		{[]string{"a", "b", "left", "ctrl+k"}, "a"},
		{[]string{"a", "b", "home", "delete"}, "b"},
		{[]string{"ctrl+a", "ctrl+e", "ctrl+x"}, ""}, // ctrl chords are not text
	}
	for _, c := range cases {
		m.SetValue("")
		if got := typed(m, c.keys...).Value(); got != c.want {
			t.Errorf("%v: %q, want %q", c.keys, got, c.want)
		}
	}
}

func TestPasteIsOneLineWithoutControls(t *testing.T) {
	m := New("", "")
	m.Focus()
	m, _ = m.Update(tea.PasteMsg{Content: "1000\n1001\t\x1b[31m1002"})
	if m.Value() != "1000 1001 [31m1002" {
		t.Fatalf("pasted %q", m.Value())
	}
	m.CharLimit = 5
	m.SetValue("123456789")
	if m.Value() != "12345" {
		t.Fatalf("limit: %q", m.Value())
	}
}

func TestViewScrollsToTheCursor(t *testing.T) {
	m := New("› ", "type here")
	m.SetWidth(12)
	if v := testkit.Plain(m.View()); !strings.Contains(v, "type here") {
		t.Fatalf("placeholder: %q", v)
	}
	m.Focus()
	m.SetValue("https://gerrit.wikimedia.org/r/1000")
	v := testkit.Plain(m.View())
	if !strings.HasSuffix(strings.TrimRight(v, " "), "1000") || len([]rune(v)) > 13 {
		t.Fatalf("view %q", v)
	}
}
