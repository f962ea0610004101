package remote

import (
	"os/exec"
	"strings"
	"testing"
)

// shPrintf runs sh -c 'printf %s '<Quote(s)> through a real /bin/sh.
func shPrintf(t *testing.T, s string) string {
	t.Helper()
	out, err := exec.Command("/bin/sh", "-c", "printf %s "+Quote(s)).Output()
	if err != nil {
		t.Fatalf("sh failed for %q (quoted %s): %v", s, Quote(s), err)
	}
	return string(out)
}

var quoteSeeds = []string{
	"", "plain", "two words", "it's", "'", "''", `"`, `\`, `\\'`, "$HOME", "${HOME}", "$(id)", "`id`",
	"a;b", "a&&b", "a|b", "<in >out", "*", "?", "[a]", "~", "~root", "#comment", "!", "-n", "--",
	"tab\there", "new\nline", "\r\n", "ünïcödé", "\xff\xfe invalid utf-8", "%s%%", "=", "a=b c",
	"Backport: [[gerrit:42|Fix it (T123)]]", "/srv/mediawiki-staging/php-1.44.0-wmf.8",
}

// The property porthole relies on: whatever s holds, the shell sees exactly s.
func FuzzQuote(f *testing.F) {
	for _, s := range quoteSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.IndexByte(s, 0) >= 0 {
			t.Skip("a NUL cannot be in a command line")
		}
		if got := shPrintf(t, s); got != s {
			t.Fatalf("Quote(%q) = %s; sh printed %q", s, Quote(s), got)
		}
	})
}

func TestQuoteAllAndScript(t *testing.T) {
	words := []string{"scap", "sync-file", "wmf-config/InitialiseSettings.php", "Backport: [[gerrit:1|it's (T1)]]"}
	out, err := exec.Command("/bin/sh", "-c", `for w in `+QuoteAll(words...)+`; do printf '%s\n' "$w"; done`).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(words, "\n") + "\n"; string(out) != got {
		t.Errorf("QuoteAll round trip: %q", out)
	}
	if Quote("safe-word_1.2/x:y@z") != "safe-word_1.2/x:y@z" {
		t.Errorf("a safe word was quoted: %s", Quote("safe-word_1.2/x:y@z"))
	}
	c := Command{Cmd: `printf '%s|%s|' "$A" "$B"; pwd`, Dir: "/tmp", Env: map[string]string{"B": "b'$x", "A": "a b"}}
	if want := `cd /tmp && export A='a b'; export B='b'\''$x'; ` + c.Cmd; c.Script() != want {
		t.Errorf("Script() = %s, want %s", c.Script(), want)
	}
	out, err = exec.Command("/bin/sh", "-c", c.Script()).Output()
	if err != nil || string(out) != "a b|b'$x|/tmp\n" {
		t.Errorf("Script ran to %q, %v", out, err)
	}
}
