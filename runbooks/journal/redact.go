package journal

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"

	"porthole/config"
	"porthole/internal/lazyre"
)

// Redacted replaces a secret in journals and logs.
const Redacted = "[redacted]"

// minSecretLen keeps short values (a "1", a "yes") from being blanked everywhere.
const minSecretLen = 4

// secretEnvWords mark environment variables whose values are secrets.
var secretEnvWords = []string{"TOKEN", "PASSWORD", "PASSWD", "SECRET", "API_KEY", "CREDENTIAL"}

// redactPatterns blank credentials by their shape, whatever their value: the
// first group is kept, the second (the credential) is blanked, the rest kept.
var redactPatterns = []*lazyre.Regexp{
	// https://user:pass@host → https://user:[redacted]@host
	lazyre.New(`(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)([^/\s@]+)(@)`),
	// Authorization: Basic dXNlcjpwYXNz, Proxy-Authorization: Bearer x
	lazyre.New(`(?i)(\b(?:proxy-)?authorization\s*[:=]\s*"?(?:(?:basic|bearer|digest|token|negotiate)\s+)?)([^\s"]+)`),
	// netrc: [machine h] login u password x, on one line or (below) on its own
	lazyre.New(`(?i)(\blogin\s+\S+\s+password\s+)(\S+)`),
	lazyre.New(`(?im)(^\s*password\s+)(\S+)(\s*)$`),
	// ?access_token=x, &password=x in URLs and form bodies
	lazyre.New(`(?i)([?&](?:access_token|token|password|passwd|secret|api_key)=)([^&\s"']+)`),
	// PASSWORD=x, GERRIT_TOKEN: x, password: 'x' in shell exports, configs and prompts
	lazyre.New(`(?i)(\b[a-z0-9_]*(?:token|password|passwd|secret|api_key)[a-z0-9_]*\s*[=:]\s*)('[^']*'|"[^"]*"|[^\s'"&]+)`),
}

// Redactor blanks secrets out of text bound for journals and logs: known
// values (the Gerrit HTTP password, secret environment variables) and
// credential shapes (URL userinfo, Authorization headers, netrc passwords).
type Redactor struct {
	mu      sync.RWMutex
	secrets []string // longest first
}

// NewRedactor builds a Redactor from cfg (the Gerrit password file's
// content) and the environment (variables named *TOKEN*, *PASSWORD*,
// *SECRET*, …). cfg may be nil.
func NewRedactor(cfg *config.Config) *Redactor {
	r := &Redactor{}
	if cfg != nil && cfg.Gerrit.PasswordFile != "" {
		if b, err := os.ReadFile(cfg.Gerrit.PasswordFile); err == nil {
			r.Add(strings.TrimSpace(string(b)))
			for _, l := range strings.Split(string(b), "\n") {
				r.Add(strings.TrimSpace(l))
			}
		}
	}
	for _, kv := range os.Environ() {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		uk := strings.ToUpper(k)
		for _, w := range secretEnvWords {
			if strings.Contains(uk, w) {
				r.Add(v)
				break
			}
		}
	}
	return r
}

// Add makes r blank these values too (values shorter than 4 characters are ignored).
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if len(s) < minSecretLen {
			continue
		}
		dup := false
		for _, have := range r.secrets {
			if have == s {
				dup = true
				break
			}
		}
		if !dup {
			r.secrets = append(r.secrets, s)
		}
	}
	sort.SliceStable(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

// Redact returns s with every known secret and credential shape blanked.
// A nil Redactor still applies the patterns.
func (r *Redactor) Redact(s string) string {
	if s == "" {
		return s
	}
	if r != nil {
		r.mu.RLock()
		for _, sec := range r.secrets {
			if strings.Contains(s, sec) {
				s = strings.ReplaceAll(s, sec, Redacted)
			}
		}
		r.mu.RUnlock()
	}
	for _, re := range redactPatterns {
		s = redactGroup(re.Re(), s)
	}
	return s
}

// RedactMap returns a copy of m with every value redacted.
func (r *Redactor) RedactMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = r.Redact(v)
	}
	return out
}

// redactGroup blanks group 2 of every match of re, keeping the rest.
func redactGroup(re *regexp.Regexp, s string) string {
	ms := re.FindAllStringSubmatchIndex(s, -1)
	if ms == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		if m[4] < 0 || s[m[4]:m[5]] == Redacted {
			continue
		}
		b.WriteString(s[last:m[4]])
		b.WriteString(Redacted)
		last = m[5]
	}
	b.WriteString(s[last:])
	return b.String()
}
