package gerrit

import (
	"strconv"
	"strings"
)

// DefaultSALFormat is the Server Admin Log text of the deployers' procedure;
// scap backport uses "Backport for {links}".
const DefaultSALFormat = "Backport: {links}"

// SAL builds the Server Admin Log message for a set of changes:
// format with {links} replaced by "[[gerrit:N|subject (T1 T2)]]" links joined
// with ", " (when format has no {links}, the links follow it after a space).
// An empty format is DefaultSALFormat.
func SAL(changes []*Change, format string) string {
	if format == "" {
		format = DefaultSALFormat
	}
	links := make([]string, 0, len(changes))
	for _, ch := range changes {
		if ch != nil {
			links = append(links, SALLink(ch))
		}
	}
	joined := strings.Join(links, ", ")
	if !strings.Contains(format, "{links}") {
		return strings.TrimSpace(format + " " + joined)
	}
	return strings.ReplaceAll(format, "{links}", joined)
}

// SALLink is one change as a wikitext link: [[gerrit:N|subject (T1 T2)]].
// A "]]" in the subject would end the link early, so it is escaped.
func SALLink(ch *Change) string {
	text := strings.Join(strings.Fields(ch.Subject), " ")
	text = strings.ReplaceAll(text, "]]", "]&#93;")
	if len(ch.Bugs) > 0 {
		text += " (" + strings.Join(ch.Bugs, " ") + ")"
	}
	return "[[gerrit:" + strconv.Itoa(ch.Number) + "|" + text + "]]"
}
