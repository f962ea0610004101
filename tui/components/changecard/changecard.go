// Package changecard draws one Gerrit change the way a careful deployer
// reads it: project, branch, owner, tasks, approvals, CI, files and the
// warnings porthole found, with terminal hyperlinks to Gerrit and Phabricator.
package changecard

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"porthole/gerrit"
	"porthole/runbooks"
	"porthole/tui/internal/textutil"
	"porthole/tui/styles"
)

// DefaultPhabricator is where task links point when no other is configured.
const DefaultPhabricator = "https://phabricator.wikimedia.org/"

// Card is what one card shows.
type Card struct {
	Change      *gerrit.Change
	Warnings    []runbooks.Warning // the window's, filtered to this change (and window-wide ones)
	CIAccount   string             // whose Verified counts ("jenkins-bot"); "" for anyone
	Phabricator string             // base URL for T123 links
	Focused     bool
}

// link wraps text in an OSC 8 hyperlink (terminals without support show the text).
func link(url, text string) string {
	if url == "" {
		return text
	}
	return ansi.SetHyperlink(url) + text + ansi.ResetHyperlink()
}

// TaskURL is the Phabricator link of a task.
func TaskURL(base, task string) string {
	if base == "" {
		base = DefaultPhabricator
	}
	return strings.TrimRight(base, "/") + "/" + task
}

// View draws the card in width columns and at most height lines (0: no limit).
func View(s *styles.Styles, width, height int, c Card) string {
	if c.Change == nil {
		return ""
	}
	box := s.Card.Box
	if c.Focused {
		box = s.Card.BoxFocused
	}
	inner := max(10, width-box.GetHorizontalFrameSize())
	lines := body(s, inner, c)
	if height > 0 {
		room := max(1, height-box.GetVerticalFrameSize())
		if len(lines) > room {
			lines = append(lines[:room-1], s.App.Muted.Render(fmt.Sprintf("… %d more lines", len(lines)-room+1)))
		}
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, inner, "…")
	}
	return box.Width(width).Render(strings.Join(lines, "\n"))
}

// body is the card's lines, before the box.
func body(s *styles.Styles, w int, c Card) []string {
	ch := c.Change
	st := s.Card
	label := func(l string) string { return st.Label.Render(fmt.Sprintf("%-8s", l)) }
	num := link(ch.WebURL, fmt.Sprintf("%d", ch.Number))
	lines := []string{st.Title.Render(num + " " + textutil.OneLine(ch.Subject))}

	lines = append(lines, label("project")+st.Value.Render(ch.Project)+st.Label.Render("  branch ")+st.Value.Render(ch.Branch))
	owner := ch.Owner.Name
	if ch.Owner.Username != "" {
		owner += " (" + ch.Owner.Username + ")"
	}
	state := ch.Status
	if ch.WIP {
		state += " · WIP"
	}
	if ch.PatchSet > 0 {
		state += fmt.Sprintf(" · PS%d", ch.PatchSet)
	}
	lines = append(lines, label("owner")+st.Value.Render(owner)+st.Label.Render("  ")+statusStyle(s, ch).Render(state))

	var links []string
	for _, t := range ch.Bugs {
		links = append(links, s.App.Link.Render(link(TaskURL(c.Phabricator, t), t)))
	}
	if ch.WebURL != "" {
		links = append(links, s.App.Link.Render(link(ch.WebURL, "gerrit")))
	}
	if len(links) > 0 {
		lines = append(lines, label("links")+strings.Join(links, " "))
	}
	lines = append(lines, label("review")+votes(s, ch, "Code-Review", ""))
	lines = append(lines, label("CI")+ci(s, ch, c.CIAccount))
	if len(ch.DependsOn) > 0 {
		lines = append(lines, label("depends")+st.Value.Render(strings.Join(ch.DependsOn, " ")))
	}
	for _, wn := range c.Warnings {
		lines = append(lines, warning(s, w, wn)...)
	}
	lines = append(lines, files(s, ch)...)
	return lines
}

func statusStyle(s *styles.Styles, ch *gerrit.Change) lipgloss.Style {
	switch {
	case ch.Status == "ABANDONED" || ch.WIP:
		return s.Card.Rejected
	case ch.Status == "MERGED":
		return s.Card.Approved
	}
	return s.Card.Pending
}

// votes lists a label's non-zero votes, strongest first: "+2 Jane, -1 Bob".
func votes(s *styles.Styles, ch *gerrit.Change, label, only string) string {
	vs := append([]gerrit.Vote(nil), ch.Labels[label]...)
	sort.SliceStable(vs, func(i, j int) bool { return abs(vs[i].Value) > abs(vs[j].Value) })
	var out []string
	for _, v := range vs {
		if v.Value == 0 || (only != "" && v.Account.Username != only) {
			continue
		}
		who := v.Account.Name
		if who == "" {
			who = v.Account.Username
		}
		txt := fmt.Sprintf("%+d %s", v.Value, who)
		switch {
		case v.Value < 0:
			out = append(out, s.Card.Rejected.Render(txt))
		case v.Value >= 2 || label == "Verified":
			out = append(out, s.Card.Approved.Render(txt))
		default:
			out = append(out, s.Card.Value.Render(txt))
		}
	}
	if len(out) == 0 {
		return s.Card.Pending.Render("no votes yet")
	}
	return strings.Join(out, ", ")
}

// ci sums up CI's verdict and whether Gerrit can merge the change.
func ci(s *styles.Styles, ch *gerrit.Change, account string) string {
	v := votes(s, ch, "Verified", account)
	if account != "" && v == s.Card.Pending.Render("no votes yet") {
		v = s.Card.Pending.Render("no Verified vote from " + account + " yet")
	}
	switch {
	case ch.Status == "MERGED":
		return v + s.Card.Label.Render(" · ") + s.Card.Approved.Render("merged")
	case ch.Mergeable == nil:
		return v
	case *ch.Mergeable:
		return v + s.Card.Label.Render(" · ") + s.Card.Approved.Render("mergeable")
	}
	return v + s.Card.Label.Render(" · ") + s.Card.Rejected.Render("NOT mergeable (needs a rebase?)")
}

// warning draws one warning, wrapped, with its level as an icon and a word
// (so it reads the same without colour).
func warning(s *styles.Styles, w int, wn runbooks.Warning) []string {
	icon, st := "ℹ info:", s.App.Info
	switch wn.Level {
	case runbooks.Warn:
		icon, st = "⚠ warning:", s.App.Warning
	case runbooks.Danger:
		icon, st = "✖ DANGER:", s.App.Danger
	}
	text := ansi.Wrap(icon+" "+textutil.OneLine(wn.Text), max(10, w-2), " ")
	var out []string
	for i, l := range strings.Split(text, "\n") {
		if i > 0 {
			l = "  " + l
		}
		out = append(out, st.Render(l))
	}
	return out
}

// files lists the change's files with their status and line counts.
func files(s *styles.Styles, ch *gerrit.Change) []string {
	if len(ch.Files) == 0 {
		return nil
	}
	out := []string{s.Card.Label.Render(fmt.Sprintf("files (%d)", len(ch.Files)))}
	for _, f := range ch.Files {
		st := s.Card.FileMod
		switch f.Status {
		case "A":
			st = s.Card.FileAdd
		case "D":
			st = s.Card.FileDel
		}
		name := f.Path
		if f.OldPath != "" && f.OldPath != f.Path {
			name = f.OldPath + " → " + f.Path
		}
		counts := fmt.Sprintf("+%d −%d", f.Inserted, f.Deleted)
		if f.Binary {
			counts = "binary"
		}
		status := f.Status
		if status == "" {
			status = "M"
		}
		out = append(out, "  "+st.Render(status)+" "+s.Card.Value.Render(name)+" "+s.Card.Label.Render(counts))
	}
	return out
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// ForChange picks the warnings about change n (and those about the whole window).
func ForChange(ws []runbooks.Warning, n int) []runbooks.Warning {
	var out []runbooks.Warning
	for _, w := range ws {
		if w.Change == n || w.Change == 0 {
			out = append(out, w)
		}
	}
	return out
}
