package form

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"porthole/runbooks"
	"porthole/tui/common"
	"porthole/tui/internal/testkit"
)

var specs = []runbooks.ParamSpec{
	{Name: "wiki", Type: runbooks.ParamWiki, Required: true, Help: "the wiki's database name"},
	{Name: "fix", Type: runbooks.ParamBool, Default: "false", Help: "move clashing pages"},
}

func keys(t *testing.T, m Model, ks ...string) (Model, tea.Msg) {
	t.Helper()
	var last tea.Msg
	for _, k := range ks {
		var cmd tea.Cmd
		if len(k) > 1 && k != "enter" && k != "tab" && k != "esc" && k != "shift+tab" && k != "backspace" {
			for _, r := range k {
				m, cmd = m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
		} else {
			m, cmd = m.Update(testkit.Key(k))
		}
		if cmd != nil {
			last = cmd()
		}
	}
	return m, last
}

func TestFormValidatesAndSubmits(t *testing.T) {
	m := New(common.New(), "namespaceDupes", specs, nil)
	m.SetSize(80, 12)
	if v := m.Values(); v["fix"] != "false" || v["wiki"] != "" {
		t.Fatalf("defaults %v", v)
	}
	m, msg := keys(t, m, "enter", "enter") // next field, then submit with wiki empty
	if msg != nil {
		t.Fatalf("submitted without the required wiki: %v", msg)
	}
	if v := testkit.Plain(m.View()); !strings.Contains(v, "✖") || !strings.Contains(v, "wiki") {
		t.Fatalf("no error shown:\n%s", v)
	}
	m, _ = keys(t, m, "shift+tab", "dewiki", "tab", "backspace", "backspace", "backspace", "backspace", "backspace", "yes")
	_, msg = keys(t, m, "enter")
	sub, ok := msg.(SubmitMsg)
	if !ok || sub.Kind != "namespaceDupes" || sub.Params["wiki"] != "dewiki" || sub.Params["fix"] != "true" {
		t.Fatalf("submitted %#v", msg)
	}
	if _, msg = keys(t, m, "esc"); msg != (CancelMsg{}) {
		t.Fatalf("esc sent %#v", msg)
	}
}

func TestFormPrefilledFromASuggestion(t *testing.T) {
	m := New(common.New(), "namespaceDupes", specs, map[string]string{"wiki": "dewiki"})
	m.Reason = "new namespace on dewiki"
	m.SetSize(100, 12)
	v := testkit.MaxWidth(t, m.View(), 100)
	for _, want := range []string{"Runbook namespaceDupes", "suggested: new namespace on dewiki", "wiki*", "dewiki", "the wiki's database name"} {
		if !strings.Contains(v, want) {
			t.Errorf("missing %q:\n%s", want, v)
		}
	}
}
