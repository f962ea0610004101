package report

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestTerminalShowsHTMLAsTextAndCodeAsWritten: a report's HTML (a
// <details> block) is shown as its text, entities read; a code block (a
// command's output) is shown as written, tags and entities and all.
// (glamour is porthole's fork, see internal/forks/README.md: its HTML is
// stripped without bluemonday, its code blocks drawn without chroma's
// lexers.)
func TestTerminalShowsHTMLAsTextAndCodeAsWritten(t *testing.T) {
	md := "<details><summary>Output of <code>scap sync-world</code> &amp; more</summary>\n\n" +
		"```\n<?php echo \"<b>x</b>\"; // &amp; not an entity here\n```\n\n</details>\n"
	styled, err := Terminal(md, 80, "dark")
	if err != nil {
		t.Fatal(err)
	}
	out := ansi.Strip(styled)
	for _, want := range []string{"Output of scap sync-world & more", `<?php echo "<b>x</b>"; // &amp; not an entity here`} {
		if !strings.Contains(out, want) {
			t.Errorf("the rendering lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "<details>") || strings.Contains(out, "<summary>") {
		t.Errorf("HTML tags shown:\n%s", out)
	}
}
