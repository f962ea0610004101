package report

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"porthole/runbooks"
	"porthole/runbooks/journal"
)

func TestPlumbingIsToldFromWhatTheDeployerDoes(t *testing.T) {
	for cmd, want := range map[string]bool{
		"cd /srv/x && git log --no-color '--format=%x1e%H%x1f%P%x1f%an <%ae>%x1f%s%x1f%B' 'HEAD..@{u}' --": true,
		"cd /srv/x && git log -p --no-color --submodule=diff 'HEAD..@{u}'":                                 true,
		"cd /srv/x && git rev-parse --verify -q '@{u}^{commit}'":                                           true,
		"cd /srv/x && git status --porcelain=v2 --branch":                                                  true,
		"git merge-base --is-ancestor e3ed7cd HEAD":                                                        true,
		"cd /srv/x && git diff --raw --no-abbrev --no-color HEAD e3ed7cd --":                               true,
		"cd /srv/x && git fetch":                                              false,
		"cd /srv/x && git rebase":                                             false,
		"cd /srv/x && git status":                                             false,
		"git submodule update --init --recursive":                             false,
		"scap sync-file php-1.44.0-wmf.5/includes/api/ApiMain.php 'Backport'": false,
		"git log --oneline -3":                                                false,
	} {
		if got := Plumbing(cmd); got != want {
			t.Errorf("Plumbing(%q) = %v, want %v", cmd, got, want)
		}
	}
}

func TestCleanDropsControlBytes(t *testing.T) {
	got := Clean("\x1eabc123\x1fdef\x1fJo <jo@x>\x1b[31m red\x1b[0m\ttab\x07")
	if strings.ContainsAny(got, "\x1e\x1f\x1b\x07\t") || got != " abc123 def Jo <jo@x> red tab" {
		t.Fatalf("Clean = %q", got)
	}
}

// TestTheRecordLeavesPlumbingOutAndRendersForTheTerminal: the human record
// lists what the deployer would have typed, counts the look-ups porthole
// made for itself, holds no control bytes; in the terminal it is laid out,
// with no Markdown or HTML markup left.
func TestTheRecordLeavesPlumbingOutAndRendersForTheTerminal(t *testing.T) {
	exit0 := 0
	w := &journal.WindowState{ID: "20260303-140000-backport", Kind: "backport", Title: "Backport 1000", Status: journal.StatusOK}
	w.Steps = []*journal.StepLog{{StepSummary: journal.StepSummary{ID: "fetch", Title: "git fetch in php-1.44.0-wmf.5"}, State: runbooks.Done,
		Commands: []journal.Record{
			{Cmd: "cd /srv/x && git fetch", Host: "deploy1002", Exit: &exit0},
			{Cmd: "cd /srv/x && git log --no-color '--format=%x1e%H%x1f%P%x1f%an <%ae>%x1f%s%x1f%B' 'HEAD..@{u}' --", Host: "deploy1002", Exit: &exit0},
			{Cmd: "cd /srv/x && git rev-parse --verify -q '@{u}^{commit}'", Host: "deploy1002", Exit: &exit0},
		},
		Output: []journal.Record{{Stream: "stdout", Text: "\x1ee3ed7cd\x1fparent\x1fDana <d@x>\x1fFix it"}}}}
	md := Markdown(w)
	if strings.Contains(md, "%x1e") || strings.Contains(md, "rev-parse") || !strings.Contains(md, "`cd /srv/x && git fetch` on deploy1002") {
		t.Errorf("the record lists porthole's own git look-ups (or lost the fetch):\n%s", md)
	}
	if !strings.Contains(md, "- 2 git look-ups porthole made for itself (in the journal)") {
		t.Errorf("the record does not say look-ups were left out:\n%s", md)
	}
	if strings.ContainsAny(md, "\x1e\x1f") {
		t.Errorf("the record holds control bytes: %q", md)
	}
	styled, err := Terminal(md, 80, "dark")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(styled, "\x1b[") {
		t.Error("the dark style has no colours")
	}
	out := ansi.Strip(styled)
	for _, bad := range []string{"| Window |", "|---|", "**", "<details>", "`"} {
		if strings.Contains(out, bad) {
			t.Errorf("the terminal rendering shows the markup %q:\n%s", bad, out)
		}
	}
	for _, want := range []string{"Backport 1000", "git fetch in php-1.44.0-wmf.5", "e3ed7cd parent Dana"} {
		if !strings.Contains(out, want) {
			t.Errorf("the terminal rendering lacks %q:\n%s", want, out)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if w := ansi.StringWidth(l); w > 80 {
			t.Errorf("a line is %d wide (> 80): %q", w, l)
		}
	}
}
