package confirm

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"porthole/tui/common"
	"porthole/tui/internal/testkit"
)

var (
	syncGate = Question{Kind: YesNo, Default: "n",
		Prompt: "Sync php-1.44.0-wmf.5/includes/api/ApiMain.php to production (every app server)?",
		Detail: "$ scap sync-file php-1.44.0-wmf.5/includes/api/ApiMain.php 'Backport: [[gerrit:1000|ApiMain: Send X-Database-Lag only with maxlag errors (T388101)]]'\nin /srv/mediawiki-staging on the deployment host"}
	ownerGate = Question{Kind: YesNo, Default: "n",
		Prompt: "Has Amara Okafor verified it on mwdebug with X-Wikimedia-Debug?",
		Detail: "Ask in #wikimedia-operations: the change is on the test servers."}
	extraGate = Question{Kind: Choose, Default: "n",
		Prompt:  "1 unexpected commit came with the fetch of php-1.44.0-wmf.5: deploy it too?",
		Detail:  "ffff1234 Direct push nobody asked for (Someone)",
		Choices: []Choice{{Key: "d", Label: "Show their diff"}, {Key: "a", Label: "Deploy all (the extra commits go live too)"}, {Key: "n", Label: "Abort the window"}}}
)

func armed(t *testing.T, g Question, danger bool) Model {
	t.Helper()
	m, cmd := New(common.New(), 7, g, "Step 6 of 7: Sync", danger)
	if cmd == nil {
		t.Fatal("no arming command")
	}
	m, _ = m.Update(ArmMsg{ID: 7})
	if !m.Armed() {
		t.Fatal("not armed")
	}
	return m
}

func TestKeysBeforeArmingAreIgnored(t *testing.T) {
	m, _ := New(common.New(), 1, ownerGate, "", false)
	for _, k := range []string{"y", "enter", "n", "esc"} {
		m, _ = m.Update(testkit.Key(k))
		if a, ok := m.Answer(); ok || m.WantsHide() {
			t.Fatalf("%s before arming: answer %q hide %v", k, a, m.WantsHide())
		}
	}
	m, _ = m.Update(ArmMsg{ID: 2}) // another dialog's
	if m.Armed() {
		t.Fatal("armed by another dialog's message")
	}
}

func TestConfirmKeys(t *testing.T) {
	cases := []struct {
		keys []string
		want string
	}{
		{[]string{"y"}, "y"},
		{[]string{"Y"}, "y"},
		{[]string{"n"}, "n"},
		{[]string{"N"}, "n"},
		{[]string{"enter"}, "n"}, // the default
		{[]string{"left", "enter"}, "y"},
		{[]string{"right", "enter"}, "y"}, // wraps around
		{[]string{"tab", "tab", "enter"}, "n"},
		{[]string{"shift+tab", "enter"}, "y"},
		{[]string{"h", "enter"}, "y"},
		{[]string{"x", "q", "enter"}, "n"}, // other keys do nothing
	}
	for _, c := range cases {
		m := armed(t, ownerGate, false)
		var got string
		for _, k := range c.keys {
			m, _ = m.Update(testkit.Key(k))
			if a, ok := m.Answer(); ok {
				got = a
				break
			}
		}
		if got != c.want {
			t.Errorf("%v answered %q, want %q", c.keys, got, c.want)
		}
	}
}

func TestEscHides(t *testing.T) {
	m := armed(t, ownerGate, false)
	m, _ = m.Update(testkit.Key("esc"))
	if _, ok := m.Answer(); ok || !m.WantsHide() {
		t.Fatal("esc must hide without answering")
	}
	m, _ = m.Update(testkit.Key("x"))
	if m.WantsHide() {
		t.Fatal("hide is not reset by the next key")
	}
}

func TestDangerDefaultsToNoWhateverTheGateSays(t *testing.T) {
	g := syncGate
	g.Default = "y" // a runbook bug must not make enter deploy
	m := armed(t, g, true)
	if m.Selected() != "n" {
		t.Fatalf("highlighted %q", m.Selected())
	}
	m, _ = m.Update(testkit.Key("enter"))
	if a, _ := m.Answer(); a != "n" {
		t.Fatalf("enter answered %q on an irreversible step", a)
	}
}

func TestChoiceKeys(t *testing.T) {
	for key, want := range map[string]string{"d": "d", "a": "a", "n": "n", "enter": "n"} {
		m := armed(t, extraGate, false)
		m, _ = m.Update(testkit.Key(key))
		if a, _ := m.Answer(); a != want {
			t.Errorf("%s answered %q, want %q", key, a, want)
		}
	}
	m := armed(t, extraGate, false)
	for _, k := range []string{"down", "j", "up"} { // n → d → a → d
		m, _ = m.Update(testkit.Key(k))
	}
	if m.Selected() != "d" {
		t.Fatalf("highlight after down, j, up = %q", m.Selected())
	}
	if m, _ = m.Update(testkit.Key("y")); func() bool { _, ok := m.Answer(); return ok }() {
		t.Fatal("y answered a choice without a y")
	}
}

func TestContinueGate(t *testing.T) {
	m := armed(t, Question{Kind: Continue, Prompt: "Run: git fetch", Default: "y"}, false)
	if m.Selected() != "y" {
		t.Fatalf("highlight %q", m.Selected())
	}
	if len(m.Choices()) != 2 || m.Choices()[1].Label != "Stop the window" {
		t.Fatalf("choices %+v", m.Choices())
	}
}

func TestDialogGolden(t *testing.T) {
	cases := map[string]struct {
		g      Question
		danger bool
	}{"danger": {syncGate, true}, "owner": {ownerGate, false}, "choice": {extraGate, false}}
	for name, c := range cases {
		for _, w := range testkit.Widths {
			t.Run(fmt.Sprintf("%s_%d", name, w), func(t *testing.T) {
				m := armed(t, c.g, c.danger)
				m.Where = "runs on deploy1002 in /srv/mediawiki-staging"
				v := testkit.MaxWidth(t, m.View(w, 24), w)
				if c.danger && !strings.Contains(v, "IRREVERSIBLE") {
					t.Error("no IRREVERSIBLE banner")
				}
				if !strings.Contains(strings.Join(strings.Fields(v), " "), "runs on deploy1002") {
					t.Error("the dialog does not say where the step runs")
				}
				golden.RequireEqual(t, v)
			})
		}
	}
}

// A long detail is shortened so the question and the choices stay on a
// small screen.
func TestSmallScreenKeepsTheChoices(t *testing.T) {
	g := syncGate
	g.Detail = strings.Repeat("a line of detail\n", 40)
	m := armed(t, g, true)
	v := testkit.Plain(m.View(80, 20))
	if h := strings.Count(v, "\n") + 1; h > 20 {
		t.Fatalf("dialog is %d lines on a 20-line screen", h)
	}
	for _, want := range []string{"[y] Yes", "[n] No (default)", "more lines"} {
		if !strings.Contains(v, want) {
			t.Errorf("missing %q:\n%s", want, v)
		}
	}
}

// The exact command is never cut: long words wrap.
func TestCommandIsWrappedNotTruncated(t *testing.T) {
	g := syncGate
	long := "scap sync-file php-1.44.0-wmf.5/extensions/VeryLongExtensionNameThatGoesOnAndOn/includes/SomeDeeplyNestedClassName.php"
	g.Detail = "$ " + long
	m := armed(t, g, true)
	v := strings.Join(strings.Fields(testkit.Plain(m.View(60, 40))), "")
	if !strings.Contains(strings.NewReplacer("┃", "", "│", "").Replace(v), strings.ReplaceAll(long, " ", "")) {
		t.Fatalf("the command is not shown whole:\n%s", testkit.Plain(m.View(60, 40)))
	}
}

func TestUnarmedDialogLooksDisabled(t *testing.T) {
	c := common.New()
	st := c.Styles.Dialog
	m, _ := New(c, 3, syncGate, "Step 6 of 7: Sync", true)
	v := m.View(100, 30)
	if !strings.Contains(v, st.ChoiceDisabled.Render("› [n] No (default)")) || !strings.Contains(v, st.ChoiceDisabled.Render("  [y] Yes")) {
		t.Errorf("before arming, the choices are not dimmed:\n%q", v)
	}
	if strings.Contains(v, st.ChoiceDefault.Render("› [n] No (default)")) {
		t.Error("before arming, the highlighted choice looks pressable")
	}
	if !strings.Contains(testkit.Plain(v), "wait… (keys are ignored for a moment") {
		t.Errorf("before arming, the hint does not say to wait:\n%s", testkit.Plain(v))
	}
	m, _ = m.Update(ArmMsg{ID: 3})
	v = m.View(100, 30)
	if strings.Contains(v, st.ChoiceDisabled.Render("  [y] Yes")) || !strings.Contains(v, st.ChoiceDefault.Render("› [n] No (default)")) {
		t.Errorf("after arming, the choices are still dimmed:\n%q", v)
	}
	if !strings.Contains(testkit.Plain(v), "y/n: answer") {
		t.Errorf("after arming, the hint does not list the keys:\n%s", testkit.Plain(v))
	}
}

func TestEscSaysWhatItDoes(t *testing.T) {
	escHelp := func(m Model) string {
		for _, b := range m.ShortHelp() {
			if b.Help().Key == "esc" {
				return b.Help().Desc
			}
		}
		return ""
	}
	m := armed(t, ownerGate, false)
	if v := m.View(80, 30); !strings.Contains(v, "esc: hide (answer later)") || escHelp(m) != "hide (answer later)" {
		t.Fatalf("a gate's esc hides it; the dialog says:\n%s\nfooter: %q", v, escHelp(m))
	}
	m.Esc = "cancel (keep the window)"
	m, _ = m.Update(testkit.Key("esc"))
	v := m.View(80, 30)
	if strings.Contains(v, "answer later") || !strings.Contains(v, "esc: cancel (keep the window)") {
		t.Fatalf("a dialog whose esc cancels says it hides:\n%s", v)
	}
	if got := escHelp(m); got != "cancel (keep the window)" {
		t.Fatalf("footer says esc: %q", got)
	}
	if common.New().Keys.Cancel.Help().Desc != "hide (answer later)" {
		t.Fatal("relabelling esc changed the shared key map")
	}
}
