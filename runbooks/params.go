package runbooks

import (
	"fmt"
	"net/url"
	"porthole/internal/lazyre"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// ParamType is the kind of value a runbook parameter takes.
type ParamType string

// Parameter types, shared by the built-in maintenance runbooks and YAML runbooks.
const (
	ParamWiki     ParamType = "wiki"     // one wiki database name, checked against all.dblist
	ParamWikiList ParamType = "wikilist" // wiki database names or dblist names, comma- or space-separated
	ParamString   ParamType = "string"   // free text (still validated: no control characters)
	ParamURL      ParamType = "url"      // one http(s) URL
	ParamURLList  ParamType = "urllist"  // http(s) URLs, space- or comma-separated
	ParamEnum     ParamType = "enum"     // one of Allowed
	ParamInt      ParamType = "int"      // a decimal integer
	ParamBool     ParamType = "bool"     // true/false (yes/no, 1/0 accepted)
)

// ParamSpec describes one parameter of a runbook, enough for the TUI to render
// a form field and for porthole to validate a value before it is used.
type ParamSpec struct {
	Name     string    `yaml:"name"`
	Type     ParamType `yaml:"type"`
	Required bool      `yaml:"required"`
	Default  string    `yaml:"default"`
	Allowed  []string  `yaml:"allowed"` // for enum (and, if set, any type): the only accepted values
	Pattern  string    `yaml:"pattern"` // regexp the whole value must match
	Help     string    `yaml:"help"`

	// Prepare rewrites a value before its type checks (built-ins only).
	Prepare func(v string) string
	// Check refines a value after its type checks (normalise, apply a
	// runbook's own rule); built-in runbooks only.
	Check func(v string) (string, error)
}

// maxParamLen bounds any one parameter value.
const maxParamLen = 4096

var (
	paramMu    sync.Mutex
	paramSpecs = map[string][]ParamSpec{}
)

// RegisterParams records the parameter schema of a runbook kind.
func RegisterParams(kind string, specs []ParamSpec) {
	paramMu.Lock()
	defer paramMu.Unlock()
	paramSpecs[kind] = append([]ParamSpec(nil), specs...)
}

// Params is the parameter schema of a runbook kind (nil when it has none registered).
func Params(kind string) []ParamSpec {
	paramMu.Lock()
	defer paramMu.Unlock()
	s, ok := paramSpecs[kind]
	if !ok {
		return nil
	}
	return append([]ParamSpec(nil), s...)
}

var (
	wikiRe      = lazyre.New(`^[a-z0-9][a-z0-9_]*$`)
	paramNameRe = lazyre.New(`^[a-z][a-z0-9_]*$`)
)

// ValidateParams checks raw values against specs: unknown names, required
// values, types, allowed values and patterns. It returns the normalised values
// (defaults filled in, lists canonicalised, booleans as "true"/"false"); wiki
// names are only checked for form here (see checkWikis for the dblist).
func ValidateParams(kind string, specs []ParamSpec, raw map[string]string) (map[string]string, error) {
	out, err := validateParams(kind, specs, raw)
	if err != nil {
		return nil, &ParamError{Err: err}
	}
	return out, nil
}

// ParamError is a bad runbook parameter: the deployer's input, not the
// hosts', so the command line reports it as a usage mistake.
type ParamError struct{ Err error }

func (e *ParamError) Error() string { return e.Err.Error() }

func (e *ParamError) Unwrap() error { return e.Err }

func validateParams(kind string, specs []ParamSpec, raw map[string]string) (map[string]string, error) {
	known := map[string]bool{}
	for _, s := range specs {
		known[s.Name] = true
	}
	var unknown []string
	for k := range raw {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("%s has no parameter %q (its parameters: %s)", kind, unknown[0], SpecNames(specs))
	}
	out := make(map[string]string, len(specs))
	for _, s := range specs {
		v, given := raw[s.Name]
		if !given || v == "" {
			v = s.Default
		}
		if v == "" {
			if s.Required {
				return nil, fmt.Errorf("%s needs --param %s=%s%s", kind, s.Name, placeholder(s), helpSuffix(s))
			}
			out[s.Name] = ""
			continue
		}
		nv, err := s.Validate(v)
		if err != nil {
			return nil, fmt.Errorf("%s: parameter %s: %w", kind, s.Name, err)
		}
		out[s.Name] = nv
	}
	return out, nil
}

// Validate checks one value against the spec and returns it normalised.
func (s ParamSpec) Validate(v string) (string, error) {
	if len(v) > maxParamLen {
		return "", fmt.Errorf("value is %d bytes long; the limit is %d", len(v), maxParamLen)
	}
	if s.Prepare != nil {
		v = s.Prepare(v)
	}
	if err := checkPlainText(v); err != nil {
		return "", err
	}
	v, err := s.normalize(v)
	if err != nil {
		return "", err
	}
	if len(s.Allowed) > 0 && !contains(s.Allowed, v) {
		return "", fmt.Errorf("%q is not allowed (choose one of: %s)", v, strings.Join(s.Allowed, ", "))
	}
	if err := s.matchPattern(v); err != nil {
		return "", err
	}
	if s.Check != nil {
		return s.Check(v)
	}
	return v, nil
}

// checkPlainText refuses a value that is not UTF-8 or holds a control character.
func checkPlainText(v string) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("value %q is not valid UTF-8", v)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return fmt.Errorf("value %q holds a control character (%U); remove it", v, r)
		}
	}
	return nil
}

// normalize checks v against s.Type and returns it in its one spelling
// (trimmed, lists joined, booleans as true or false).
func (s ParamSpec) normalize(v string) (string, error) {
	switch s.Type {
	case ParamWiki:
		v = strings.TrimSpace(v)
		if !wikiRe.MatchString(v) {
			return "", fmt.Errorf("%q is not a wiki database name (like enwiki or zh_min_nanwiki)", v)
		}
		return v, nil
	case ParamWikiList:
		return normalizeWikiList(v)
	case ParamURL:
		return checkURL(strings.TrimSpace(v))
	case ParamURLList:
		return normalizeURLList(v)
	case ParamEnum:
		if len(s.Allowed) == 0 {
			return "", fmt.Errorf("enum parameter without allowed values")
		}
		return v, nil
	case ParamInt:
		v = strings.TrimSpace(v)
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return "", fmt.Errorf("%q is not a whole number", v)
		}
		return v, nil
	case ParamBool:
		return normalizeBool(v)
	case ParamString, "":
		return v, nil
	default:
		return "", fmt.Errorf("unknown parameter type %q", s.Type)
	}
}

// normalizeWikiList checks a list of wiki or dblist names and joins it with commas.
func normalizeWikiList(v string) (string, error) {
	ws := splitList(v)
	if len(ws) == 0 {
		return "", fmt.Errorf("no wiki given")
	}
	for _, w := range ws {
		if !wikiRe.MatchString(w) {
			return "", fmt.Errorf("%q is not a wiki database name or dblist name (like enwiki or wikipedia)", w)
		}
	}
	return strings.Join(ws, ","), nil
}

// normalizeURLList checks a list of URLs and joins it with spaces.
func normalizeURLList(v string) (string, error) {
	us := splitList(v)
	if len(us) == 0 {
		return "", fmt.Errorf("no URL given")
	}
	for _, u := range us {
		if _, err := checkURL(u); err != nil {
			return "", err
		}
	}
	return strings.Join(us, " "), nil
}

// normalizeBool reads the usual spellings of yes and no as true or false.
func normalizeBool(v string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "y", "1", "on":
		return "true", nil
	case "false", "no", "n", "0", "off":
		return "false", nil
	default:
		return "", fmt.Errorf("%q is not true or false", v)
	}
}

// matchPattern checks every item of v (each wiki or URL of a list) against
// s.Pattern, anchored at both ends.
func (s ParamSpec) matchPattern(v string) error {
	if s.Pattern == "" {
		return nil
	}
	re, err := regexp.Compile(`^(?:` + s.Pattern + `)$`)
	if err != nil {
		return fmt.Errorf("bad pattern %q: %v", s.Pattern, err)
	}
	parts := []string{v}
	switch s.Type {
	case ParamWikiList:
		parts = strings.Split(v, ",")
	case ParamURLList:
		parts = strings.Fields(v)
	}
	for _, p := range parts {
		if !re.MatchString(p) {
			return fmt.Errorf("%q does not match %s%s", p, s.Pattern, helpSuffix(s))
		}
	}
	return nil
}

// splitList splits a comma- or whitespace-separated list, dropping empty
// items and duplicates, keeping the order.
func splitList(v string) []string {
	f := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	seen := map[string]bool{}
	var out []string
	for _, x := range f {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// checkURL accepts an absolute http(s) URL with a host and nothing a shell or
// a log would trip on.
func checkURL(u string) (string, error) {
	if u == "" {
		return "", fmt.Errorf("empty URL")
	}
	if strings.ContainsAny(u, " \t\\\"'`<>") {
		return "", fmt.Errorf("%q is not a valid URL (spaces, quotes and backslashes must be percent-encoded)", u)
	}
	p, err := url.Parse(u)
	if err != nil {
		return "", fmt.Errorf("%q is not a valid URL: %v", u, err)
	}
	if p.Scheme != "https" && p.Scheme != "http" {
		return "", fmt.Errorf("%q is not an http(s) URL", u)
	}
	if p.Host == "" || p.User != nil {
		return "", fmt.Errorf("%q needs a host and no user part", u)
	}
	return u, nil
}

func SpecNames(specs []ParamSpec) string {
	var n []string
	for _, s := range specs {
		n = append(n, s.Name)
	}
	if len(n) == 0 {
		return "none"
	}
	return strings.Join(n, ", ")
}

func placeholder(s ParamSpec) string {
	switch s.Type {
	case ParamWiki:
		return "WIKI"
	case ParamWikiList:
		return "WIKI[,WIKI...]"
	case ParamURL:
		return "URL"
	case ParamURLList:
		return "URL[,URL...]"
	case ParamEnum:
		return strings.Join(s.Allowed, "|")
	case ParamInt:
		return "N"
	case ParamBool:
		return "true|false"
	}
	return "VALUE"
}

func helpSuffix(s ParamSpec) string {
	if s.Help == "" {
		return ""
	}
	return " (" + s.Help + ")"
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// ValidateSpecs checks a schema itself (YAML runbooks are written by people).
func ValidateSpecs(specs []ParamSpec) error {
	seen := map[string]bool{}
	for _, s := range specs {
		if !paramNameRe.MatchString(s.Name) {
			return fmt.Errorf("parameter name %q: use lower case letters, digits and _ (like wiki or previous_collation)", s.Name)
		}
		if seen[s.Name] {
			return fmt.Errorf("parameter %q is declared twice", s.Name)
		}
		seen[s.Name] = true
		switch s.Type {
		case ParamWiki, ParamWikiList, ParamString, ParamURL, ParamURLList, ParamEnum, ParamInt, ParamBool:
		default:
			return fmt.Errorf("parameter %s: unknown type %q (use wiki, wikilist, string, url, urllist, enum, int or bool)", s.Name, s.Type)
		}
		if s.Type == ParamEnum && len(s.Allowed) == 0 {
			return fmt.Errorf("parameter %s: an enum needs allowed values", s.Name)
		}
		if s.Pattern != "" {
			if _, err := regexp.Compile(s.Pattern); err != nil {
				return fmt.Errorf("parameter %s: bad pattern %q: %v", s.Name, s.Pattern, err)
			}
		}
		if s.Default != "" {
			if _, err := s.Validate(s.Default); err != nil {
				return fmt.Errorf("parameter %s: default %q: %v", s.Name, s.Default, err)
			}
		}
	}
	return nil
}

// IsWikiName says whether v has the form of a wiki database name (enwiki).
func IsWikiName(v string) bool { return wikiRe.MatchString(v) }

// IsParamName says whether v has the form of a parameter name (previous_collation).
func IsParamName(v string) bool { return paramNameRe.MatchString(v) }
