// Package form asks for a maintenance runbook's parameters, one field per
// ParamSpec, and checks them with the runbook's own validation before the
// plan is built.
package form

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"porthole/runbooks"
	"porthole/tui/common"
	"porthole/tui/components/input"
)

// SubmitMsg carries valid parameters for kind.
type SubmitMsg struct {
	Kind   string
	Params map[string]string
}

// CancelMsg: the deployer left the form.
type CancelMsg struct{}

// Model is a runbook's parameter form.
type Model struct {
	c      *common.Common
	Kind   string
	Reason string // why it is suggested, when it is
	specs  []runbooks.ParamSpec
	inputs []input.Model
	focus  int
	err    string
	width  int
	height int
}

// New builds the form for kind, prefilled (a suggestion's parameters, or defaults).
func New(c *common.Common, kind string, specs []runbooks.ParamSpec, prefill map[string]string) Model {
	m := Model{c: c, Kind: kind, specs: specs}
	for _, sp := range specs {
		in := input.New("", placeholder(sp))
		in.PromptStyle, in.TextStyle = c.Styles.Home.Prompt, c.Styles.Home.Input
		in.PlaceholderStyle, in.CursorStyle = c.Styles.Home.Placeholder, c.Styles.Home.Cursor.Reverse(true)
		in.CharLimit = 4096
		v, ok := prefill[sp.Name]
		if !ok {
			v = sp.Default
		}
		in.SetValue(v)
		m.inputs = append(m.inputs, in)
	}
	if len(m.inputs) > 0 {
		m.inputs[0].Focus()
	}
	return m
}

func placeholder(sp runbooks.ParamSpec) string {
	if len(sp.Allowed) > 0 {
		return strings.Join(sp.Allowed, " | ")
	}
	return string(sp.Type)
}

// SetSize sets the form's size.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	for i := range m.inputs {
		m.inputs[i].SetWidth(max(10, w-24))
	}
}

// SetError shows an error from building the plan.
func (m *Model) SetError(err error) {
	m.err = ""
	if err != nil {
		m.err = err.Error()
	}
}

// Values are the fields' current values.
func (m Model) Values() map[string]string {
	out := map[string]string{}
	for i, sp := range m.specs {
		if v := strings.TrimSpace(m.inputs[i].Value()); v != "" {
			out[sp.Name] = v
		}
	}
	return out
}

func (m *Model) move(d int) {
	if len(m.inputs) == 0 {
		return
	}
	m.inputs[m.focus].Blur()
	m.focus = (m.focus + d + len(m.inputs)) % len(m.inputs)
	m.inputs[m.focus].Focus()
}

// Update edits the fields; enter on the last field submits.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k := m.c.Keys
	if km, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(km, k.Back):
			return m, func() tea.Msg { return CancelMsg{} }
		case key.Matches(km, k.NextSection, k.Down) && km.String() != "j":
			m.move(1)
			return m, nil
		case key.Matches(km, k.PrevSection, k.Up) && km.String() != "k":
			m.move(-1)
			return m, nil
		case km.String() == "enter":
			if m.focus < len(m.inputs)-1 {
				m.move(1)
				return m, nil
			}
			return m.submit()
		}
	}
	if len(m.inputs) == 0 {
		if km, ok := msg.(tea.KeyPressMsg); ok && km.String() == "enter" {
			return m.submit()
		}
		return m, nil
	}
	var cmd tea.Cmd
	m.inputs[m.focus], cmd = m.inputs[m.focus].Update(msg)
	return m, cmd
}

func (m Model) submit() (Model, tea.Cmd) {
	vals, err := runbooks.ValidateParams(m.Kind, m.specs, m.Values())
	if err != nil {
		m.err = err.Error()
		return m, nil
	}
	m.err = ""
	kind := m.Kind
	return m, func() tea.Msg { return SubmitMsg{Kind: kind, Params: vals} }
}

// View draws the form in exactly height lines.
func (m Model) View() string {
	s := m.c.Styles
	lines := []string{s.App.Title.Render("Runbook " + m.Kind)}
	if m.Reason != "" {
		lines = append(lines, s.App.Info.Render(ansi.Truncate("suggested: "+m.Reason, m.width, "…")))
	}
	lines = append(lines, "")
	if len(m.specs) == 0 {
		lines = append(lines, s.App.Subtle.Render("This runbook takes no parameters: enter builds its plan."))
	}
	for i, sp := range m.specs {
		name := sp.Name
		if sp.Required {
			name += "*"
		}
		label := s.App.Section.Render(fmt.Sprintf("%-20s", ansi.Truncate(name, 20, "…")))
		if i == m.focus {
			label = s.App.SectionActive.Render(fmt.Sprintf("%-20s", ansi.Truncate(name, 20, "…")))
		}
		lines = append(lines, label+" "+m.inputs[i].View())
		if i == m.focus {
			help := sp.Help
			if len(sp.Allowed) > 0 {
				help += " (one of: " + strings.Join(sp.Allowed, ", ") + ")"
			}
			if help != "" {
				lines = append(lines, s.App.Muted.Render(ansi.Truncate(strings.Repeat(" ", 21)+help, m.width, "…")))
			}
		}
	}
	lines = append(lines, "")
	if m.err != "" {
		lines = append(lines, s.App.Error.Render(ansi.Wrap("✖ "+m.err, max(10, m.width), " ")))
	}
	lines = append(lines, s.App.Subtle.Render("* required · tab/↓ next field · enter on the last field builds the plan · esc back"))
	out := strings.Split(strings.Join(lines, "\n"), "\n")
	for len(out) < m.height {
		out = append(out, "")
	}
	if m.height > 0 && len(out) > m.height {
		out = out[:m.height]
	}
	return strings.Join(out, "\n")
}

// ShortHelp lists the form's keys.
func (m Model) ShortHelp() []key.Binding {
	k := m.c.Keys
	return []key.Binding{k.NextSection, k.Open, k.Back}
}

// FullHelp lists the form's keys.
func (m Model) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }
