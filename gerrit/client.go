package gerrit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	gg "github.com/andygrunwald/go-gerrit"
)

// Options configure a Client.
type Options struct {
	User       string       // for /a/ basic auth; "" for anonymous reads
	Password   string       // the HTTP password (Gerrit → Settings → HTTP Credentials); never logged
	HTTPClient *http.Client // nil for one with a 30 s timeout, like scap
	WebURL     string       // base of web links, e.g. https://gerrit.wikimedia.org/r/; defaults to the REST base
}

// Client talks to one Gerrit over REST with go-gerrit.
type Client struct {
	api  *gg.Client
	base *url.URL // REST base, ends with /
	web  *url.URL // web base, ends with /
	user string
}

// New makes a client for the REST base (e.g. https://gerrit.wikimedia.org/r/).
// Credentials go in opts, never in the URL; New sends no request.
func New(baseURL string, opts Options) (*Client, error) {
	base, err := parseBase(baseURL, "gerrit.url")
	if err != nil {
		return nil, err
	}
	// A base ending in /a/ would make go-gerrit ask for /a/a/…
	if strings.HasSuffix(base.Path, "/a/") {
		base.Path = strings.TrimSuffix(base.Path, "a/")
	}
	web := base
	if opts.WebURL != "" {
		if web, err = parseBase(opts.WebURL, "gerrit web URL"); err != nil {
			return nil, err
		}
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	api, err := gg.NewClient(context.Background(), base.String(), hc)
	if err != nil {
		return nil, fmt.Errorf("gerrit: %s: %v", redactURL(base), err)
	}
	if opts.User != "" {
		if opts.Password == "" {
			return nil, fmt.Errorf("gerrit user %q has no HTTP password: put it in the file named by gerrit.password_file, or unset gerrit.user for anonymous read-only access", opts.User)
		}
		api.Authentication.SetBasicAuth(opts.User, opts.Password)
	}
	return &Client{api: api, base: base, web: web, user: opts.User}, nil
}

func parseBase(s, what string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s %q is not an http(s) URL: set it to the REST base, e.g. https://gerrit.wikimedia.org/r/", what, s)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%s must not hold credentials: put the user in gerrit.user and the HTTP password in gerrit.password_file", what)
	}
	u.RawQuery, u.Fragment = "", ""
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawPath = ""
	return u, nil
}

// API is the underlying go-gerrit client, for calls porthole does not wrap.
func (c *Client) API() *gg.Client { return c.api }

// Host is the Gerrit host name, for messages.
func (c *Client) Host() string { return c.base.Host }

// WebURL is the web link to a change: https://host/r/c/project/+/N.
func (c *Client) WebURL(project string, number int) string {
	return c.web.String() + "c/" + project + "/+/" + strconv.Itoa(number)
}

// Self returns the account the client authenticates as (GET /a/accounts/self):
// the cheapest way to check credentials before a window.
func (c *Client) Self(ctx context.Context) (Account, error) {
	if c.user == "" {
		return Account{}, fmt.Errorf("no gerrit.user configured: porthole can read changes anonymously but needs an account to approve them")
	}
	a, resp, err := c.api.Accounts.GetAccount(ctx, "self")
	if err := c.fail(ctx, "check the account", resp, err); err != nil {
		return Account{}, err
	}
	return account(*a), nil
}

// fail turns what go-gerrit returned into porthole's typed errors, reading
// and closing the body go-gerrit leaves open on non-2xx answers.
func (c *Client) fail(ctx context.Context, action string, resp *gg.Response, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", action, ctx.Err())
	}
	if resp != nil && resp.Response != nil && (resp.StatusCode < 200 || resp.StatusCode > 299) {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		msg := strings.TrimSpace(string(body))
		switch resp.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return &AuthError{Status: resp.StatusCode, User: c.user, Host: c.base.Host, Message: msg, Action: action}
		}
		return &APIError{Status: resp.StatusCode, Message: msg, Method: resp.Request.Method, URL: redactURL(resp.Request.URL), Action: action}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return &NetworkError{Host: c.base.Host, Action: action, Err: ue.Err}
	}
	return fmt.Errorf("gerrit at %s: %s: unexpected answer: %s", c.base.Host, action, oneLine(scrub(err.Error())))
}

// getJSON GETs path (relative to the base, query included) into v with
// go-gerrit's request machinery.
func (c *Client) getJSON(ctx context.Context, action, path string, v any) error {
	req, err := c.api.NewRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return fmt.Errorf("gerrit: %s: %v", action, err)
	}
	resp, err := c.api.Do(req, v)
	return c.fail(ctx, action, resp, err)
}

// changeID is the REST id of a change: project~number, URL-encoded.
func changeID(ch *Change) string {
	if ch.Project == "" {
		return strconv.Itoa(ch.Number)
	}
	return url.PathEscape(ch.Project) + "~" + strconv.Itoa(ch.Number)
}

// isNotFound is true for a 404 APIError.
func isNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound
}
