package logpane

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"porthole/remote"
	"porthole/tui/common"
	"porthole/tui/internal/testkit"
)

var t0 = time.Date(2026, 3, 3, 14, 0, 0, 0, time.UTC)

// syncing: scap sync-file to 5 app servers, 3 done after 42 s.
func syncing(w, h int) Model {
	now := t0.Add(42 * time.Second)
	m := New(common.New(), func() time.Time { return now })
	m.SetSize(w, h)
	m.Show("sync", "Sync php-1.44.0-wmf.5/includes/api/ApiMain.php to all app servers")
	m.Started("sync", t0)
	m.Add("sync", Entry{Host: "deploy1002", Kind: Command, Text: "$ scap sync-file php-1.44.0-wmf.5/includes/api/ApiMain.php 'Backport: …'"})
	m.Add("sync", Entry{Host: "deploy1002", Text: "14:00:00 Started scap sync-file: Backport: [[gerrit:1000|…]]"})
	for i := 1; i <= 3; i++ {
		m.Add("sync", Entry{Host: "deploy1002", Text: fmt.Sprintf("14:00:%02d sync-apaches: %3d%% (in-flight: 1; ok: %d; fail: 0; left: %d)", 10*i, 20*i, i, 4-i)})
	}
	m.Add("sync", Entry{Kind: Note, Level: Warn, Text: "mw1003 is slow to answer"})
	m.Add("sync", Entry{Host: "deploy1002", Kind: Stderr, Text: "\x1b[33mwarning\x1b[0m: rsync\tslow"})
	m.Progress("sync", remote.Progress{Name: "sync-apaches", Total: 5, OK: 3, InFlight: 1}, now)
	return m
}

func TestLogPaneGolden(t *testing.T) {
	for _, w := range testkit.Widths {
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			m := syncing(w, 12)
			golden.RequireEqual(t, testkit.Size(t, m.View(), w, 12))
		})
	}
}

func TestProgressElapsedAndETA(t *testing.T) {
	v := testkit.Plain(syncing(100, 12).View())
	// 3 of 5 done in 42 s: 28 s left at that pace.
	for _, want := range []string{"sync-apaches: 60% (in-flight: 1; ok: 3; fail: 0; left: 1)", "elapsed 0:42 · ETA 0:28", "█", "░"} {
		if !strings.Contains(v, want) {
			t.Errorf("missing %q:\n%s", want, v)
		}
	}
	// Colours and tabs from the remote side are not passed through.
	if !strings.Contains(v, "warning: rsync    slow") {
		t.Errorf("stderr line not cleaned:\n%s", v)
	}
	if strings.Contains(syncing(100, 12).View(), "\x1b[33m") {
		t.Error("a remote escape sequence reached the view")
	}
}

func TestRingKeepsTheLastLines(t *testing.T) {
	m := New(common.New(), nil)
	m.SetSize(80, 6)
	m.Show("s", "step")
	for i := 0; i < MaxLines+1000; i++ {
		m.Add("s", Entry{Text: fmt.Sprintf("line %d", i)})
	}
	if m.Lines("s") != MaxLines {
		t.Fatalf("kept %d lines", m.Lines("s"))
	}
	v := testkit.Plain(m.View())
	if !strings.Contains(v, fmt.Sprintf("line %d", MaxLines+999)) || !strings.Contains(v, "1000 older lines dropped") {
		t.Fatalf("view:\n%s", v)
	}
}

func TestHostFilterAndScroll(t *testing.T) {
	m := New(common.New(), nil)
	m.SetSize(80, 6)
	m.SetFocused(true)
	m.Show("pull", "scap pull")
	for i := 0; i < 10; i++ {
		for _, h := range []string{"mwdebug1001", "mwdebug1002"} {
			m.Add("pull", Entry{Host: h, Text: fmt.Sprintf("%s copied %d", h, i)})
		}
	}
	v := testkit.Plain(m.View())
	if !strings.Contains(v, "all hosts (f: filter, 2 hosts)") || !strings.Contains(v, "mwdebug1002 mwdebug1002 copied 9") {
		t.Fatalf("unfiltered:\n%s", v)
	}
	for _, want := range []string{"mwdebug1001", "mwdebug1002", ""} {
		m, _ = m.Update(testkit.Key("f"))
		if m.Filter() != want {
			t.Fatalf("filter %q, want %q", m.Filter(), want)
		}
	}
	m, _ = m.Update(testkit.Key("f"))
	v = testkit.Plain(m.View())
	if strings.Contains(v, "mwdebug1002 copied") || !strings.Contains(v, "mwdebug1001 copied 9") {
		t.Fatalf("filtered to mwdebug1001:\n%s", v)
	}
	// Scrolling back holds the view still as lines arrive; G follows again.
	m, _ = m.Update(testkit.Key("pgup"))
	before := testkit.Plain(m.View())
	m.Add("pull", Entry{Host: "mwdebug1001", Text: "mwdebug1001 copied 10"})
	if after := testkit.Plain(m.View()); after != before && !strings.Contains(after, "lines back") {
		t.Fatalf("the view moved while reading back:\n%s\n---\n%s", before, after)
	}
	m, _ = m.Update(testkit.Key("G"))
	if v := testkit.Plain(m.View()); !strings.Contains(v, "copied 10") || strings.Contains(v, "lines back") {
		t.Fatalf("G does not follow:\n%s", v)
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                       "plain",
		"\x1b[1;31mred\x1b[0m":        "red",
		"10%\r20%\r30%":               "30%",
		"a\tb":                        "a    b",
		"bell\x07":                    "bell␇",
		"title\x1b]0;pwned\x07 after": "title after",
		"trailing cr\r":               "trailing cr",
	} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLongLinesWrap(t *testing.T) {
	m := New(common.New(), nil)
	m.SetSize(40, 10)
	m.Show("s", "step")
	long := "error: could not apply 1234abc... Parser: Trim non-breaking spaces from section headings (conflict in includes/parser/Parser.php)"
	m.Add("s", Entry{Kind: Stderr, Text: long})
	m.Add("s", Entry{Text: "last line"})
	v := testkit.MaxWidth(t, m.View(), 40)
	if got := strings.Join(strings.Fields(v), ""); !strings.Contains(got, strings.Join(strings.Fields(long), "")) {
		t.Fatalf("the long line is not shown whole:\n%s", v)
	}
	if !strings.Contains(v, "last line") {
		t.Fatalf("the newest line is not shown:\n%s", v)
	}
}
