// Package input is a one-line text field: typing, paste, cursor movement and
// the usual readline deletions. (bubbles' textinput pulls in a system
// clipboard module this project does not carry.)
package input

import (
	"strings"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// Model is a one-line text field.
type Model struct {
	Prompt      string
	Placeholder string
	CharLimit   int

	PromptStyle, TextStyle, PlaceholderStyle, CursorStyle lipgloss.Style

	value   []rune
	pos     int
	focused bool
	width   int
}

// New returns an empty, unfocused field.
func New(prompt, placeholder string) Model {
	return Model{Prompt: prompt, Placeholder: placeholder, CharLimit: 512, CursorStyle: lipgloss.NewStyle().Reverse(true)}
}

// Value is the text typed so far.
func (m Model) Value() string { return string(m.value) }

// SetValue replaces the text and puts the cursor at its end.
func (m *Model) SetValue(s string) {
	m.value = []rune(sanitize(s))
	if m.CharLimit > 0 && len(m.value) > m.CharLimit {
		m.value = m.value[:m.CharLimit]
	}
	m.pos = len(m.value)
}

// Focus makes the field take keys and show its cursor.
func (m *Model) Focus() { m.focused = true }

// Blur stops the field from taking keys.
func (m *Model) Blur() { m.focused = false }

// Focused tells whether the field takes keys.
func (m Model) Focused() bool { return m.focused }

// SetWidth sets how many columns the field may use, prompt included.
func (m *Model) SetWidth(w int) { m.width = w }

// sanitize keeps a pasted or typed value on one line and free of control characters.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}

func (m *Model) insert(s string) {
	rs := []rune(sanitize(s))
	if m.CharLimit > 0 && len(m.value)+len(rs) > m.CharLimit {
		rs = rs[:max(0, m.CharLimit-len(m.value))]
	}
	v := make([]rune, 0, len(m.value)+len(rs))
	v = append(v, m.value[:m.pos]...)
	v = append(v, rs...)
	v = append(v, m.value[m.pos:]...)
	m.value = v
	m.pos += len(rs)
}

// Update edits the text on key presses and pastes while focused.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if !m.focused {
		return m, nil
	}
	switch msg := msg.(type) {
	case tea.PasteMsg:
		m.insert(msg.Content)
	case tea.KeyPressMsg:
		switch msg.String() {
		case "left", "ctrl+b":
			m.pos = max(0, m.pos-1)
		case "right", "ctrl+f":
			m.pos = min(len(m.value), m.pos+1)
		case "home", "ctrl+a":
			m.pos = 0
		case "end", "ctrl+e":
			m.pos = len(m.value)
		case "backspace", "ctrl+h":
			if m.pos > 0 {
				m.value = append(m.value[:m.pos-1], m.value[m.pos:]...)
				m.pos--
			}
		case "delete", "ctrl+d":
			if m.pos < len(m.value) {
				m.value = append(m.value[:m.pos], m.value[m.pos+1:]...)
			}
		case "ctrl+u":
			m.value, m.pos = m.value[m.pos:], 0
		case "ctrl+k":
			m.value = m.value[:m.pos]
		case "ctrl+w", "alt+backspace":
			i := m.pos
			for i > 0 && m.value[i-1] == ' ' {
				i--
			}
			for i > 0 && m.value[i-1] != ' ' {
				i--
			}
			m.value = append(m.value[:i], m.value[m.pos:]...)
			m.pos = i
		default:
			if msg.Text != "" && msg.Mod&^tea.ModShift == 0 {
				m.insert(msg.Text)
			}
		}
	}
	return m, nil
}

// View draws the prompt, the text (scrolled to keep the cursor visible) and
// the cursor.
func (m Model) View() string {
	prompt := m.PromptStyle.Render(m.Prompt)
	avail := m.width - ansi.StringWidth(m.Prompt) - 1
	if m.width <= 0 {
		avail = 1 << 20
	}
	if len(m.value) == 0 {
		cur := " "
		if m.focused {
			cur = m.CursorStyle.Render(" ")
		}
		ph := ""
		if m.Placeholder != "" {
			ph = m.PlaceholderStyle.Render(ansi.Truncate(m.Placeholder, max(0, avail), "…"))
		}
		return prompt + cur + ph
	}
	start := 0
	if m.pos > avail {
		start = m.pos - avail
	}
	end := min(len(m.value), start+avail)
	before := string(m.value[start:m.pos])
	var b strings.Builder
	b.WriteString(prompt)
	b.WriteString(m.TextStyle.Render(before))
	if m.focused {
		c := " "
		if m.pos < len(m.value) {
			c = string(m.value[m.pos])
		}
		b.WriteString(m.CursorStyle.Render(c))
		if m.pos+1 <= end {
			b.WriteString(m.TextStyle.Render(string(m.value[min(m.pos+1, end):end])))
		}
	} else {
		b.WriteString(m.TextStyle.Render(string(m.value[m.pos:end])))
	}
	return b.String()
}
