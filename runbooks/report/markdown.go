// Package report renders a past window's journal for people: Markdown for
// the task or the SAL, and the terminal.
package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"porthole/runbooks"
	"porthole/runbooks/journal"
)

// exportOutputLines is how many output lines per step the export shows (the last ones).
const exportOutputLines = 40

// Markdown renders a window for the Phabricator task or the SAL: title,
// who, when, the changes with links, every step with its commands (host,
// exit, duration), the decisions and who made them, the failures, and each
// step's output folded away.
func Markdown(w *journal.WindowState) string {
	var b strings.Builder
	writeHeader(&b, w)
	if len(w.Changes) > 0 {
		b.WriteString("\n## Changes\n\n")
		for _, c := range w.Changes {
			writeChange(&b, c)
		}
	}

	b.WriteString("\n## Steps\n\n| # | Step | Where | State | Took |\n|---|---|---|---|---|\n")
	for i, s := range w.Steps {
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s |\n", i+1, mdCell(s.Title), mdCell(stepHosts(s)), mdCell(stepStateWord(s, w)), stepTook(s))
	}
	for i, s := range w.Steps {
		writeStep(&b, i+1, s, w)
	}
	writeDecisions(&b, w)
	writeFailures(&b, w)
	if w.Torn > 0 {
		fmt.Fprintf(&b, "\n%d journal line(s) could not be read (cut short when porthole was killed).\n", w.Torn)
	}
	return b.String()
}

// writeHeader writes the title and the window's facts: who, when, status, parameters.
func writeHeader(b *strings.Builder, w *journal.WindowState) {
	title := w.Title
	if title == "" {
		title = w.Kind + " window " + w.ID
	}
	fmt.Fprintf(b, "# %s\n\n", mdText(title))
	fmt.Fprintf(b, "- **Window:** `%s` (%s)\n", w.ID, mdText(w.Kind))
	who := mdText(w.User)
	if w.Machine != "" {
		who += " on " + mdText(w.Machine)
	}
	fmt.Fprintf(b, "- **Deployer:** %s\n", who)
	fmt.Fprintf(b, "- **Started:** %s\n", mdTime(w.Started))
	if !w.Ended.IsZero() {
		fmt.Fprintf(b, "- **Ended:** %s (took %s)\n", mdTime(w.Ended), mdDuration(w.Ended.Sub(w.Started)))
	}
	if w.Resumes > 0 {
		fmt.Fprintf(b, "- **Resumed:** %d time(s) after porthole stopped\n", w.Resumes)
	}
	fmt.Fprintf(b, "- **Status:** %s\n", mdText(statusLine(w)))
	if len(w.Params) > 0 {
		keys := make([]string, 0, len(w.Params))
		for k := range w.Params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s=%s", k, codeSpan(w.Params[k]))
		}
		fmt.Fprintf(b, "- **Parameters:** %s\n", strings.Join(parts, ", "))
	}
}

// writeChange writes one change of the window as a list item.
func writeChange(b *strings.Builder, c journal.ChangeSummary) {
	link := fmt.Sprintf("gerrit:%d", c.Number)
	if c.URL != "" {
		link = fmt.Sprintf("[gerrit:%d](%s)", c.Number, c.URL)
	}
	fmt.Fprintf(b, "- %s %s %s — %s", link, mdText(c.Project), codeSpan(c.Branch), mdText(c.Subject))
	if len(c.Bugs) > 0 {
		fmt.Fprintf(b, " (%s)", strings.Join(c.Bugs, ", "))
	}
	var meta []string
	if c.Owner != "" {
		meta = append(meta, "by "+mdText(c.Owner))
	}
	if c.PatchSet > 0 {
		meta = append(meta, fmt.Sprintf("patch set %d", c.PatchSet))
	}
	if c.Revision != "" {
		meta = append(meta, codeSpan(shortSHA(c.Revision)))
	}
	if len(meta) > 0 {
		b.WriteString(" — " + strings.Join(meta, ", "))
	}
	b.WriteString("\n")
}

// writeDecisions writes every gate's answer, in order.
func writeDecisions(b *strings.Builder, w *journal.WindowState) {
	var decisions []string
	for _, s := range w.Steps {
		for _, g := range s.Gates {
			decisions = append(decisions, fmt.Sprintf("- %s **%s** before *%s*: %s — %s",
				mdTime(g.At), mdText(g.By), mdText(s.Title), mdQuote(g.Prompt), answerWord(g)))
		}
	}
	if len(decisions) > 0 {
		b.WriteString("\n## Decisions\n\n" + strings.Join(decisions, "\n") + "\n")
	}
}

// writeFailures writes what failed, was interrupted or ended the window.
func writeFailures(b *strings.Builder, w *journal.WindowState) {
	var failures []string
	for _, s := range w.Steps {
		switch {
		case s.State == runbooks.Failed && s.Interrupted:
			failures = append(failures, fmt.Sprintf("- *%s* was interrupted: %s", mdText(s.Title), mdText(firstLine(s.Error))))
		case s.State == runbooks.Failed:
			failures = append(failures, fmt.Sprintf("- *%s* failed: %s", mdText(s.Title), mdText(firstLine(s.Error))))
		case s.ID == w.Interrupted:
			failures = append(failures, fmt.Sprintf("- *%s* was running when porthole stopped: not known to be complete", mdText(s.Title)))
		}
	}
	if w.Status != journal.StatusOK && w.Error != "" {
		failures = append(failures, "- The window ended: "+mdText(firstLine(w.Error)))
	}
	if len(failures) > 0 {
		b.WriteString("\n## Failures\n\n" + strings.Join(failures, "\n") + "\n")
	}
}

// writeStep renders one step's section.
func writeStep(b *strings.Builder, n int, s *journal.StepLog, w *journal.WindowState) {
	fmt.Fprintf(b, "\n### %d. %s — %s\n\n", n, mdText(s.Title), stepStateWord(s, w))
	if s.Irreversible {
		b.WriteString("Production-visible.")
		if s.Undo != "" {
			b.WriteString(" Undo: " + mdText(s.Undo))
		}
		b.WriteString("\n\n")
	}
	for _, g := range s.Gates {
		fmt.Fprintf(b, "- Asked %s — %s\n", mdQuote(g.Prompt), answerWord(g))
	}
	if len(s.Commands) == 0 && s.Command != "" && s.State == runbooks.Pending {
		fmt.Fprintf(b, "- Would run %s\n", codeSpan(s.Command))
	}
	internal := 0
	for _, c := range s.Commands {
		if Plumbing(c.Cmd) && c.Error == "" && (c.Exit == nil || *c.Exit == 0) {
			internal++ // a look-up porthole made for itself: in the journal, not in the record
			continue
		}
		line := fmt.Sprintf("- %s on %s", codeSpan(c.Cmd), mdText(c.Host))
		switch {
		case c.Error != "":
			line += " → " + mdText(firstLine(c.Error))
		case c.Exit != nil:
			line += fmt.Sprintf(" → exit %d", *c.Exit)
		}
		line += fmt.Sprintf(" (%s)", mdDuration(time.Duration(c.DurationMS)*time.Millisecond))
		b.WriteString(line + "\n")
	}
	if internal > 0 {
		fmt.Fprintf(b, "- %s porthole made for itself (in the journal)\n", plural(internal, "git look-up"))
	}
	if s.Attempts > 1 {
		fmt.Fprintf(b, "- %d attempts\n", s.Attempts)
	}
	if s.Progress != "" {
		fmt.Fprintf(b, "- Progress: %s\n", codeSpan(s.Progress))
	}
	for _, note := range s.Notes {
		mark := ""
		switch note.Level {
		case "warn":
			mark = "**Warning:** "
		case "danger":
			mark = "**Danger:** "
		}
		fmt.Fprintf(b, "- %s%s\n", mark, mdText(note.Text))
	}
	if s.Error != "" && s.State != runbooks.Done {
		fmt.Fprintf(b, "- **Error:** %s\n", mdText(firstLine(s.Error)))
	}
	var out []string
	for _, o := range s.Output {
		if strings.HasPrefix(o.Text, "$ ") && o.Stream == "stdout" {
			continue // the command line, listed above
		}
		prefix := ""
		if o.Stream == "stderr" {
			prefix = "! "
		}
		out = append(out, prefix+Clean(o.Text))
	}
	if len(out) > 0 {
		omitted := 0
		if len(out) > exportOutputLines {
			omitted = len(out) - exportOutputLines
			out = out[omitted:]
		}
		text := strings.Join(out, "\n")
		fence := codeFence(text)
		fmt.Fprintf(b, "\n**Output** (%s", plural(len(out)+omitted, "line"))
		if omitted > 0 {
			fmt.Fprintf(b, "; the last %d here, the %d earlier ones in the journal", len(out), omitted)
		}
		fmt.Fprintf(b, "):\n\n%stext\n%s\n%s\n", fence, text, fence)
	}
}

// statusLine says how the window ended, in words.
func statusLine(w *journal.WindowState) string {
	failed := w.Summary().FailedStep
	title := failed
	if s := w.Step(failed); s != nil {
		title = s.Title
	}
	switch w.Status {
	case journal.StatusOK:
		return "finished: every step done"
	case journal.StatusFailed:
		if failed != "" {
			return "failed at " + title
		}
		return "failed"
	case journal.StatusDeclined:
		if failed != "" {
			return "stopped by the deployer before " + title
		}
		return "stopped by the deployer"
	case journal.StatusCancelled:
		if w.Interrupted != "" {
			return "cancelled during " + title
		}
		return "cancelled"
	default:
		if w.Interrupted != "" {
			return "unfinished: porthole stopped during " + title
		}
		return "unfinished"
	}
}

func stepStateWord(s *journal.StepLog, w *journal.WindowState) string {
	switch {
	case s.Rechecked:
		return "done (re-checked after porthole stopped)"
	case s.ID == w.Interrupted:
		return "interrupted"
	case s.State == runbooks.Pending:
		return "not run"
	}
	return s.State.String()
}

func stepHosts(s *journal.StepLog) string {
	var hosts []string
	seen := map[string]bool{}
	for _, c := range s.Commands {
		if c.Host != "" && !seen[c.Host] {
			seen[c.Host] = true
			hosts = append(hosts, c.Host)
		}
	}
	switch {
	case len(hosts) == 0:
		return s.Role
	case len(hosts) > 3:
		return fmt.Sprintf("%d hosts (%s)", len(hosts), s.Role)
	}
	return strings.Join(hosts, ", ")
}

func stepTook(s *journal.StepLog) string {
	if s.State == runbooks.Pending || s.State == runbooks.Running {
		return ""
	}
	return mdDuration(s.Duration)
}

// answerWord renders a gate's answer: "yes by bob", "no (the default) by alice".
func answerWord(g journal.GateRecord) string {
	word := g.Decision
	switch g.Decision {
	case "y":
		word = "yes"
	case "n":
		word = "no"
	default:
		for _, c := range g.Choices {
			if c.Key == g.Decision {
				word = fmt.Sprintf("%s (%s)", c.Key, c.Label)
			}
		}
	}
	return fmt.Sprintf("**%s** by %s", mdText(word), mdText(g.By))
}

func mdTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func mdDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// mdText escapes what Markdown would take for markup in running text.
func mdText(s string) string {
	r := strings.NewReplacer("\\", "\\\\", "*", "\\*", "_", "\\_", "`", "\\`", "<", "&lt;", ">", "&gt;", "[", "\\[", "]", "\\]", "|", "\\|", "\n", " ")
	return r.Replace(s)
}

// mdCell is mdText for a table cell.
func mdCell(s string) string { return mdText(s) }

// codeSpan renders s as inline code, fenced with more backticks than s
// holds in a row (and padded when it starts or ends with one); newlines
// become spaces. (Not for table cells: a pipe there would end the cell.)
func codeSpan(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

func longestRun(s string, c rune) int {
	longest, run := 0, 0
	for _, r := range s {
		if r == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// mdQuote quotes a prompt.
func mdQuote(s string) string { return "“" + mdText(s) + "”" }

// codeFence is a backtick fence longer than any backtick run in text.
func codeFence(text string) string {
	longest := longestRun(text, '`')
	if longest < 3 {
		return "```"
	}
	return strings.Repeat("`", longest+1)
}

// plural counts: "1 line", "3 lines".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
