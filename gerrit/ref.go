package gerrit

import (
	"fmt"
	"net/url"
	"porthole/internal/lazyre"
	"strconv"
	"strings"
)

// Ref is a change as the deployer named it: what ParseRef could read from a
// number, a web URL, a Change-Id or a REST identifier.
type Ref struct {
	Input    string // what was pasted, trimmed
	Host     string // host of a pasted URL, "" otherwise
	Number   int    // change number, 0 when only a Change-Id was given
	PatchSet int    // patch set named in a URL (/c/N/3, N,3), 0 for none
	Project  string // e.g. mediawiki/core, when named
	Branch   string // without refs/heads/, when named (triplet form)
	ChangeID string // I + 40 hex, when named
}

// ID is the REST {change-id} for the ref, URL-encoded: project~number,
// number, project~branch~Change-Id, or a bare Change-Id.
func (r Ref) ID() string {
	switch {
	case r.Number > 0 && r.Project != "":
		return url.PathEscape(r.Project) + "~" + strconv.Itoa(r.Number)
	case r.Number > 0:
		return strconv.Itoa(r.Number)
	case r.Project != "" && r.Branch != "":
		return url.PathEscape(r.Project) + "~" + url.PathEscape(r.Branch) + "~" + r.ChangeID
	default:
		return r.ChangeID
	}
}

// String names the ref for messages: "12345", "mediawiki/core 12345",
// "I8473b959…" or "mediawiki/core wmf/1.44.0-wmf.5 I8473b959…".
func (r Ref) String() string {
	var parts []string
	if r.Project != "" {
		parts = append(parts, r.Project)
	}
	if r.Branch != "" {
		parts = append(parts, r.Branch)
	}
	if r.Number > 0 {
		parts = append(parts, strconv.Itoa(r.Number))
	} else if r.ChangeID != "" {
		parts = append(parts, r.ChangeID)
	}
	return strings.Join(parts, " ")
}

var (
	changeIDRe = lazyre.New(`^I[0-9a-f]{40}$`)
	numberRe   = lazyre.New(`^[1-9][0-9]{0,9}$`)
	// N,P as gerrit review and gerrit query print it.
	numberPSRe = lazyre.New(`^([1-9][0-9]{0,9}),([1-9][0-9]{0,4})$`)
	// refs/changes/NN/N/P
	changeRefRe = lazyre.New(`^refs/changes/([0-9]{2})/([1-9][0-9]{0,9})(?:/([1-9][0-9]{0,4}|meta))?$`)
	// PolyGerrit CHANGE and DIFF routes, after the base path: c/proj/+/N[/PS[..PS]][/file]
	webChangeRe = lazyre.New(`^(?:.*?/)?c/(.+?)/\+/([0-9]+)(?:/(?:([0-9]+)\.\.)?([0-9]+|edit)(?:/.*)?)?/?$`)
	// CHANGE_LEGACY: c/N[/PS[..PS]]
	webLegacyRe = lazyre.New(`^(?:.*?/)?c/([0-9]+)(?:/(?:([0-9]+)\.\.)?([0-9]+|edit))?/?$`)
	// CHANGE_NUMBER_LEGACY: /N under an optional one-segment base path (/r/N).
	webNumberRe = lazyre.New(`^(?:[^/]+/)?([0-9]+)/?$`)
)

// ParseRef reads every form a deployer pastes: 12345, 12345,3, gerrit:12345,
// https://gerrit.wikimedia.org/r/c/mediawiki/core/+/12345[/3], …/r/12345,
// /c/12345/3, …/r/#/c/12345/, a Change-Id, project~branch~Change-Id,
// project~12345 and refs/changes/45/12345/3, with or without scheme and host.
func ParseRef(s string) (Ref, error) {
	in := strings.TrimSpace(s)
	// Wikitext links ([[gerrit:123|…]]) and angle-bracketed URLs from chat.
	in = strings.TrimSuffix(strings.TrimPrefix(in, "<"), ">")
	in = strings.TrimSuffix(strings.TrimPrefix(in, "[["), "]]")
	if i := strings.IndexByte(in, '|'); i >= 0 && strings.HasPrefix(in, "gerrit:") {
		in = in[:i]
	}
	r := Ref{Input: in}
	if in == "" {
		return r, fmt.Errorf("empty change reference: paste a change number, a Gerrit URL or a Change-Id")
	}
	bad := func(why string) (Ref, error) {
		return Ref{Input: in}, fmt.Errorf("cannot read %q as a Gerrit change: %s; paste a change number (12345), a URL (https://gerrit.wikimedia.org/r/c/mediawiki/core/+/12345) or a Change-Id (I…, 41 characters)", in, why)
	}
	if strings.ContainsAny(in, " \t\n") {
		return bad("it contains spaces")
	}
	if strings.HasPrefix(strings.ToLower(in), "gerrit:") {
		in = in[len("gerrit:"):]
	}

	switch {
	case numberRe.MatchString(in):
		r.Number, _ = strconv.Atoi(in)
		return r, nil
	case numberPSRe.MatchString(in):
		m := numberPSRe.FindStringSubmatch(in)
		r.Number, _ = strconv.Atoi(m[1])
		r.PatchSet, _ = strconv.Atoi(m[2])
		return r, nil
	case changeIDRe.MatchString(in):
		r.ChangeID = in
		return r, nil
	case changeRefRe.MatchString(in):
		m := changeRefRe.FindStringSubmatch(in)
		r.Number, _ = strconv.Atoi(m[2])
		if fmt.Sprintf("%02d", r.Number%100) != m[1] {
			return bad("the shard " + m[1] + " does not match change " + m[2])
		}
		if m[3] != "" && m[3] != "meta" {
			r.PatchSet, _ = strconv.Atoi(m[3])
		}
		return r, nil
	}

	if looksLikeURL(in) {
		return parseURLRef(r, in, bad)
	}
	if strings.Contains(in, "~") {
		return parseTildeRef(r, in, bad)
	}
	if len(in) > 1 && (in[0] == 'I' || in[0] == 'i') && isHex(in[1:]) {
		return bad(fmt.Sprintf("a Change-Id is I followed by 40 hex digits, this one has %d", len(in)-1))
	}
	if isDigits(strings.TrimPrefix(in, "-")) {
		return bad("change numbers are positive")
	}
	return bad("it is not a number, URL or Change-Id")
}

// looksLikeURL is true for scheme://…, host/path and /path inputs.
func looksLikeURL(s string) bool {
	if strings.Contains(s, "://") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "#/") {
		return true
	}
	// gerrit.wikimedia.org/r/12345: a dotted first segment is a host.
	first, _, ok := strings.Cut(s, "/")
	return ok && strings.Contains(first, ".") && !strings.Contains(first, "~")
}

func parseURLRef(r Ref, in string, bad func(string) (Ref, error)) (Ref, error) {
	raw := in
	if !strings.Contains(raw, "://") && !strings.HasPrefix(raw, "/") && !strings.HasPrefix(raw, "#") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("it is not a valid URL")
	}
	r.Host = u.Hostname()
	p := u.EscapedPath()
	// Old GWT URLs keep the route in the fragment: /r/#/c/12345/.
	if strings.HasPrefix(u.Fragment, "/") {
		p = u.EscapedFragment()
	}
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return bad("the URL names no change")
	}
	if m := webChangeRe.FindStringSubmatch(p); m != nil {
		proj, err := url.PathUnescape(m[1])
		if err != nil {
			return bad("the project in the URL is badly escaped")
		}
		r.Project = proj
		if r.Number, err = atoiChange(m[2]); err != nil {
			return bad(err.Error())
		}
		if m[4] != "" && m[4] != "edit" {
			r.PatchSet, _ = strconv.Atoi(m[4])
		}
		return r, nil
	}
	if m := webLegacyRe.FindStringSubmatch(p); m != nil {
		if r.Number, err = atoiChange(m[1]); err != nil {
			return bad(err.Error())
		}
		if m[3] != "" && m[3] != "edit" {
			r.PatchSet, _ = strconv.Atoi(m[3])
		}
		return r, nil
	}
	if m := webNumberRe.FindStringSubmatch(p); m != nil {
		if r.Number, err = atoiChange(m[1]); err != nil {
			return bad(err.Error())
		}
		return r, nil
	}
	return bad("the URL is not a change page (expected …/c/PROJECT/+/NUMBER or …/r/NUMBER)")
}

func atoiChange(s string) (int, error) {
	if !numberRe.MatchString(s) {
		return 0, fmt.Errorf("%s is not a change number", s)
	}
	return strconv.Atoi(s)
}

// parseTildeRef reads project~number and project~branch~Change-Id, with the
// parts raw or URL-encoded (mediawiki%2Fcore~wmf%2F1.44.0-wmf.5~I…).
func parseTildeRef(r Ref, in string, bad func(string) (Ref, error)) (Ref, error) {
	parts := strings.Split(in, "~")
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil {
			return bad("it is badly URL-encoded")
		}
		parts[i] = u
	}
	switch len(parts) {
	case 2:
		if parts[0] == "" {
			return bad("the project is empty")
		}
		if !numberRe.MatchString(parts[1]) {
			return bad("project~N needs a change number after ~")
		}
		r.Project = parts[0]
		r.Number, _ = strconv.Atoi(parts[1])
		return r, nil
	case 3:
		if parts[0] == "" || parts[1] == "" {
			return bad("the project or branch is empty")
		}
		if !changeIDRe.MatchString(parts[2]) {
			return bad("project~branch~Change-Id needs a Change-Id (I + 40 hex digits) last")
		}
		r.Project = parts[0]
		r.Branch = strings.TrimPrefix(parts[1], "refs/heads/")
		r.ChangeID = parts[2]
		return r, nil
	}
	return bad("expected project~number or project~branch~Change-Id")
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
