package gerrit

import (
	"fmt"
	"net/http"
	"net/url"
	"porthole/internal/lazyre"
	"strings"
)

// APIError is a non-2xx answer from Gerrit, with the text/plain message
// Gerrit sent (go-gerrit drops it; porthole reads it).
type APIError struct {
	Status  int    // HTTP status code
	Message string // Gerrit's message, trimmed
	Method  string // GET, POST
	URL     string // request URL, never with credentials
	Action  string // what porthole was doing: "approve change 12345"
}

// Error is one line: what failed, Gerrit's status and message, what to do.
func (e *APIError) Error() string {
	msg := oneLine(e.Message)
	if msg == "" {
		msg = "(no message)"
	}
	action := e.Action
	if action == "" {
		action = "answer " + e.Method + " " + e.URL
	}
	return fmt.Sprintf("Gerrit could not %s: %d %s: %s; %s", action, e.Status, http.StatusText(e.Status), msg, apiHint(e.Status))
}

func apiHint(status int) string {
	switch {
	case status == http.StatusConflict || status == http.StatusPreconditionFailed:
		return "the change moved on: look at it in Gerrit, then resolve it again"
	case status == http.StatusNotFound:
		return "check the change number or URL"
	case status == http.StatusTooManyRequests:
		return "Gerrit's quota is exhausted: wait a minute and retry"
	case status >= 500:
		return "Gerrit is failing: retry in a minute or check its status page"
	}
	return "this is likely a porthole bug: report it with this message"
}

// NotFoundError says Gerrit has no visible change for a reference.
type NotFoundError struct {
	Ref  string // what was asked for
	Host string // the Gerrit host asked
	User string // the account that asked; "" when anonymous
}

// Error names the change and what to do.
func (e *NotFoundError) Error() string {
	if e.User != "" {
		return fmt.Sprintf("change %s not found on %s: check the number or URL (private and deleted changes are not visible to %s either)", e.Ref, e.Host, e.User)
	}
	return fmt.Sprintf("change %s not found on %s: check the number or URL (private and deleted changes are not visible, and anonymous access sees less: set gerrit.user and gerrit.password_file)", e.Ref, e.Host)
}

// AmbiguousError says a bare Change-Id matches several changes, usually
// cherry-picks of one fix to several wmf/* branches.
type AmbiguousError struct {
	ChangeID   string
	Candidates []*Change
}

// Error lists the candidates so the deployer can pick one.
func (e *AmbiguousError) Error() string {
	var c []string
	for _, ch := range e.Candidates {
		c = append(c, fmt.Sprintf("%d (%s %s, %s)", ch.Number, ch.Project, ch.Branch, ch.Status))
	}
	return fmt.Sprintf("Change-Id %s matches %d changes: %s; paste the change number or URL of the one to deploy",
		e.ChangeID, len(e.Candidates), strings.Join(c, ", "))
}

// AuthError says Gerrit refused our credentials (401) or our permission (403).
type AuthError struct {
	Status  int
	User    string // "" when anonymous
	Host    string
	Message string // Gerrit's message
	Action  string // what was attempted: "approve change 12345"
}

// Error names the account and what to fix; it never includes the password.
func (e *AuthError) Error() string {
	who := "anonymous access"
	if e.User != "" {
		who = "user " + e.User
	}
	if e.Status == 401 {
		return fmt.Sprintf("Gerrit at %s rejected the credentials of %s (401) while trying to %s: check gerrit.user and the HTTP password in gerrit.password_file (Gerrit → Settings → HTTP Credentials)", e.Host, who, e.Action)
	}
	msg := oneLine(e.Message)
	if msg == "" {
		msg = "permission denied"
	}
	return fmt.Sprintf("Gerrit at %s refused to let %s %s (%d: %s): check that the account has the right (e.g. Code-Review +2 on the project) and that gerrit.user is set", e.Host, who, e.Action, e.Status, msg)
}

// NetworkError says Gerrit could not be reached at all.
type NetworkError struct {
	Host   string
	Action string
	Err    error
}

// Error names the host and what to check.
func (e *NetworkError) Error() string {
	return fmt.Sprintf("cannot reach Gerrit at %s to %s: %s: check the network (VPN, proxy) and gerrit.url in the config", e.Host, e.Action, oneLine(scrub(e.Err.Error())))
}

// Unwrap gives the transport error.
func (e *NetworkError) Unwrap() error { return e.Err }

// StateError says a change is in a state that forbids the requested action.
type StateError struct {
	Change *Change
	Action string // "approve", "backport"
	Reason string // "is abandoned", "is work in progress"
	Hint   string // what to do next
}

// Error names the change, its state and what to do.
func (e *StateError) Error() string {
	return fmt.Sprintf("cannot %s change %d (%s %s): it %s; %s", e.Action, e.Change.Number, e.Change.Project, e.Change.Branch, e.Reason, e.Hint)
}

// oneLine folds a multi-line Gerrit message into one line.
func oneLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	var out []string
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, " ")
}

// scrub removes user:password@ from any URL quoted in an error text.
func scrub(s string) string { return userinfoRe.ReplaceAllString(s, "$1") }

var userinfoRe = lazyre.New(`([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s"']*@`)

// redactURL drops user info from a URL for messages.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}
