package gerrit

import (
	"porthole/internal/lazyre"
	"strings"
)

// Footer is one "Key: value" trailer line of a commit message.
type Footer struct {
	Key   string
	Value string
}

var (
	footerRe    = lazyre.New(`^([A-Za-z0-9][A-Za-z0-9-]*):[ \t]*(.*?)[ \t]*$`)
	taskRe      = lazyre.New(`\bT[1-9][0-9]*\b`)
	dependsOnRe = lazyre.New(`(?im)^Depends-On:[ \t]*(\S.*?)[ \t]*$`)
)

// Footers returns the trailers of a commit message: the "Key: value" lines of
// its last paragraph, as Gerrit reads them (Bug, Change-Id, Depends-On, …).
func Footers(message string) []Footer {
	msg := strings.TrimRight(strings.ReplaceAll(message, "\r\n", "\n"), " \t\n")
	paras := splitParagraphs(msg)
	if len(paras) < 2 { // the subject alone has no footers
		return nil
	}
	var out []Footer
	for _, line := range strings.Split(paras[len(paras)-1], "\n") {
		if m := footerRe.FindStringSubmatch(line); m != nil && !strings.Contains(m[1], "://") {
			out = append(out, Footer{Key: m[1], Value: m[2]})
		}
	}
	return out
}

// splitParagraphs splits on blank (or whitespace-only) lines.
func splitParagraphs(msg string) []string {
	var paras []string
	var cur []string
	for _, line := range strings.Split(msg, "\n") {
		if strings.TrimSpace(line) == "" {
			if len(cur) > 0 {
				paras = append(paras, strings.Join(cur, "\n"))
				cur = nil
			}
			continue
		}
		cur = append(cur, line)
	}
	if len(cur) > 0 {
		paras = append(paras, strings.Join(cur, "\n"))
	}
	return paras
}

// Bugs returns the Phabricator tasks of the "Bug:" footers, in order,
// without duplicates ("Bug: T123" and "Bug: T1, T2" forms).
func Bugs(message string) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range Footers(message) {
		if !strings.EqualFold(f.Key, "Bug") {
			continue
		}
		for _, t := range taskRe.FindAllString(f.Value, -1) {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}

// DependsOn returns the values of "Depends-On:" lines anywhere in the
// message (Zuul reads them so), in order, without duplicates: Change-Ids,
// change URLs or numbers as the author wrote them.
func DependsOn(message string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range dependsOnRe.FindAllStringSubmatch(message, -1) {
		v := strings.TrimSpace(m[1])
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
