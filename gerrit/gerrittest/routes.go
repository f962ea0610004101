package gerrittest

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// request is one REST call being served.
type request struct {
	w      http.ResponseWriter
	r      *http.Request
	caller int      // account id, 0 for anonymous
	segs   []string // path segments after the base path and a/, still escaped
	body   []byte
	query  url.Values
}

// statusWriter remembers the status for the write log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// ServeHTTP serves the REST API under the base path, anonymously at /…
// and with HTTP basic auth at /a/…, routing on the escaped path so
// mediawiki%2Fcore stays one segment.
func (s *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w := &statusWriter{ResponseWriter: rw}
	path := r.URL.EscapedPath()
	if !strings.HasPrefix(path, s.base) {
		textError(w, http.StatusNotFound, "Not Found")
		return
	}
	rest := strings.TrimPrefix(path, s.base)
	authed := rest == "a" || strings.HasPrefix(rest, "a/")
	gitPath := rest
	if authed {
		gitPath = strings.TrimPrefix(strings.TrimPrefix(rest, "a"), "/")
	}
	if project, service, advert, ok := parseGitPath(r, gitPath); ok {
		if name, err := url.PathUnescape(project); err == nil {
			s.serveGit(w, r, name, service, advert, authed)
			return
		}
	}
	req := &request{w: w, r: r, query: r.URL.Query()}
	if rest == "a" || strings.HasPrefix(rest, "a/") {
		rest = strings.TrimPrefix(strings.TrimPrefix(rest, "a"), "/")
		user, pass, ok := r.BasicAuth()
		s.mu.Lock()
		a := s.userByName(user)
		s.mu.Unlock()
		if !ok || a == nil || a.HTTPPassword == "" || subtle.ConstantTimeCompare([]byte(pass), []byte(a.HTTPPassword)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="Gerrit Code Review"`)
			textError(w, http.StatusUnauthorized, "Unauthorized")
			return
		}
		req.caller = a.ID
	}
	if r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		if err != nil {
			textError(w, http.StatusBadRequest, "cannot read request body")
			return
		}
		req.body = b
	}
	req.segs = strings.Split(rest, "/")

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		textError(w, http.StatusServiceUnavailable, "server is shutting down")
		return
	}
	s.processPushesLocked()
	if err := s.route(req); err != nil {
		var he *httpError
		if errors.As(err, &he) {
			textError(w, he.Status, he.Msg)
		} else {
			textError(w, http.StatusInternalServerError, "Internal server error: "+err.Error())
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		dec, _ := url.PathUnescape(rest)
		wr := Write{Method: r.Method, Path: dec, Body: string(req.body), Status: w.status, Time: s.now()}
		if req.caller != 0 {
			wr.User = s.users[req.caller].Username
		}
		s.writes = append(s.writes, wr)
		_ = s.saveLocked() // failing, the saver tries again
	}
}

// Error texts: "Not found: <id>", "Multiple changes found for <id>",
// "Authentication required", the label errors, "change is <status>",
// "Change N is not ready: submit requirement 'Code-Review' is unsatisfied.",
// "Change N is marked work in progress", "Failed to submit 1 change due to
// the following problems:\nChange N: …",
// "revision … is not current revision", "Revision has no parent." and
// "Revision has more than 1 parent." are Gerrit's literals (see
// reference/gerrit.md). The texts for a bad o= option, an unsupported query
// operator and a body that is not JSON are close guesses.
var (
	errNotFound   = &httpError{http.StatusNotFound, "Not Found"}
	errMethod     = &httpError{http.StatusMethodNotAllowed, "Method Not Allowed"}
	errAuthNeeded = &httpError{http.StatusForbidden, "Authentication required"}
)

// route dispatches on the path segments.
func (s *Server) route(q *request) error {
	seg := q.segs
	method := q.r.Method
	if len(seg) > 1 && seg[len(seg)-1] == "" {
		seg = seg[:len(seg)-1] // changes/ and files/ as well as changes and files
	}
	if method == http.MethodPost && q.caller == 0 {
		return errAuthNeeded
	}
	switch {
	case len(seg) == 0 || seg[0] == "":
		return errNotFound
	case seg[0] == "accounts" && len(seg) == 2:
		return get(method, func() error { return s.getAccount(q, seg[1]) })
	case seg[0] == "config" && len(seg) == 3 && seg[1] == "server" && seg[2] == "version":
		return get(method, func() error { return writeJSON(q, http.StatusOK, "3.10.1") })
	case seg[0] != "changes":
		return errNotFound
	case len(seg) == 1:
		return get(method, func() error { return s.queryChanges(q) })
	}
	c, err := s.findChange(seg[1])
	if err != nil {
		return err
	}
	switch {
	case len(seg) == 2:
		return get(method, func() error { return s.getChange(q, c, false) })
	case len(seg) == 3:
		switch seg[2] {
		case "detail":
			return get(method, func() error { return s.getChange(q, c, true) })
		case "topic":
			return get(method, func() error { return writeJSON(q, http.StatusOK, c.Topic) })
		case "submit":
			return post(method, func() error { return s.postSubmit(q, c, nil) })
		case "abandon":
			return post(method, func() error { return s.postAbandon(q, c) })
		case "restore":
			return post(method, func() error { return s.postRestore(q, c) })
		case "revert":
			return post(method, func() error { return s.postRevert(q, c) })
		}
		return errNotFound
	case seg[2] != "revisions" || len(seg) < 4:
		return errNotFound
	}
	ps, err := findRevision(c, seg[3])
	if err != nil {
		return err
	}
	if len(seg) == 4 {
		return errNotFound
	}
	switch {
	case len(seg) == 5 && seg[4] == "commit":
		return get(method, func() error { return writeJSON(q, http.StatusOK, s.commitInfo(ps, true)) })
	case len(seg) == 5 && seg[4] == "files":
		return get(method, func() error { return writeJSON(q, http.StatusOK, s.fileInfos(ps)) })
	case len(seg) == 5 && seg[4] == "patch":
		return get(method, func() error { return s.getPatch(q, c, ps) })
	case len(seg) == 5 && seg[4] == "related":
		return get(method, func() error { return s.getRelated(q, c, ps) })
	case len(seg) == 5 && seg[4] == "mergeable":
		return get(method, func() error { return s.getMergeable(q, c, ps) })
	case len(seg) == 5 && seg[4] == "review":
		if method == http.MethodGet {
			return s.getChange(q, c, true)
		}
		return post(method, func() error { return s.postReview(q, c, ps) })
	case len(seg) == 5 && seg[4] == "submit":
		return post(method, func() error { return s.postSubmit(q, c, ps) })
	case len(seg) == 5 && seg[4] == "cherrypick":
		return post(method, func() error { return s.postCherryPick(q, c, ps) })
	}
	return errNotFound
}

func get(method string, f func() error) error {
	if method != http.MethodGet && method != http.MethodHead {
		return errMethod
	}
	return f()
}

func post(method string, f func() error) error {
	if method != http.MethodPost {
		return errMethod
	}
	return f()
}

// writeJSON answers with Gerrit's XSSI prefix; pretty-printed unless the
// client asked for compact output (pp=0 or Accept: application/json).
func writeJSON(q *request, status int, v any) error {
	var b []byte
	var err error
	if q.query.Get("pp") == "0" || strings.Contains(q.r.Header.Get("Accept"), "application/json") {
		b, err = json.Marshal(v)
	} else {
		b, err = json.MarshalIndent(v, "", "  ")
	}
	if err != nil {
		return err
	}
	h := q.w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Disposition", "attachment")
	h.Set("X-Content-Type-Options", "nosniff")
	q.w.WriteHeader(status)
	q.w.Write([]byte(")]}'\n"))
	q.w.Write(b)
	q.w.Write([]byte("\n"))
	return nil
}

// textError answers as Gerrit does on errors: text/plain, message and a newline.
func textError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	io.WriteString(w, msg)
}

func decodeBody(q *request, v any) error {
	if len(bytes.TrimSpace(q.body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(q.body, v); err != nil {
		return &httpError{http.StatusBadRequest, "Invalid JSON in request: " + err.Error()}
	}
	return nil
}

func (s *Server) getAccount(q *request, id string) error {
	id, _ = url.PathUnescape(id)
	var a *account
	if id == "self" {
		if q.caller == 0 {
			return errAuthNeeded
		}
		a = s.users[q.caller]
	} else {
		a = s.findAccount(id)
	}
	if a == nil {
		return &httpError{http.StatusNotFound, "Not found: " + id}
	}
	return writeJSON(q, http.StatusOK, s.acctFull(a.ID))
}

func (s *Server) getChange(q *request, c *change, detail bool) error {
	o, err := parseOptions(q.query)
	if err != nil {
		return err
	}
	if detail {
		o = o.withDetail()
	}
	return writeJSON(q, http.StatusOK, s.changeInfo(c, o, q.caller))
}

// reviewInput is Gerrit's ReviewInput, the fields the emulator honours.
type reviewInput struct {
	Message        string         `json:"message"`
	Tag            string         `json:"tag"`
	Labels         map[string]int `json:"labels"`
	Ready          bool           `json:"ready"`
	WorkInProgress bool           `json:"work_in_progress"`
}

func (s *Server) postReview(q *request, c *change, ps *patchSet) error {
	var in reviewInput
	if err := decodeBody(q, &in); err != nil {
		return err
	}
	if in.Ready && in.WorkInProgress {
		return &httpError{http.StatusBadRequest, "work_in_progress and ready are mutually exclusive"}
	}
	kept, canon, err := s.checkLabels(c.Project, in.Labels, q.caller)
	if err != nil {
		return err
	}
	if err := s.checkPostSubmit(c, ps, q.caller, canon); err != nil {
		return err
	}
	if err := s.reviewLocked(c, ps, q.caller, canon, in.Message, in.Tag); err != nil {
		return err
	}
	// ReviewResult.labels is what was applied: dropped labels are missing.
	out := map[string]any{}
	if in.Labels != nil {
		out["labels"] = kept
	}
	switch {
	case in.Ready && c.WIP:
		c.WIP = false
		out["ready"] = true
	case in.WorkInProgress:
		c.WIP = true
	}
	return writeJSON(q, http.StatusOK, out)
}

func (s *Server) postSubmit(q *request, c *change, ps *patchSet) error {
	if !c.open() {
		return &httpError{http.StatusConflict, "change is " + strings.ToLower(c.Status)}
	}
	if ps != nil && ps != c.current() {
		return &httpError{http.StatusConflict, fmt.Sprintf("revision %s is not current revision", ps.Rev)}
	}
	if p := s.submitProblems(c); len(p) > 0 {
		return &httpError{http.StatusConflict, submitRefusal(c.Number, p)}
	}
	if err := s.submitLocked(c, q.caller); err != nil {
		return err
	}
	if ps != nil {
		return writeJSON(q, http.StatusOK, map[string]string{"status": "MERGED"})
	}
	return writeJSON(q, http.StatusOK, s.changeInfo(c, options{}, q.caller))
}

func (s *Server) postAbandon(q *request, c *change) error {
	var in struct {
		Message string `json:"message"`
	}
	if err := decodeBody(q, &in); err != nil {
		return err
	}
	if err := s.abandonLocked(c, q.caller, in.Message); err != nil {
		return err
	}
	return writeJSON(q, http.StatusOK, s.changeInfo(c, options{}, q.caller))
}

func (s *Server) postRestore(q *request, c *change) error {
	if c.Status != "ABANDONED" {
		return &httpError{http.StatusConflict, "change is " + strings.ToLower(c.Status)}
	}
	c.Status = "NEW"
	s.addMessageLocked(c, q.caller, "Restored", "autogenerated:gerrit:restore")
	return writeJSON(q, http.StatusOK, s.changeInfo(c, options{}, q.caller))
}

// submitRefusal is Gerrit 3.x's 409 body for a change that cannot be
// submitted (reference/gerrit.md, "Submit refusals"): unmet submit
// requirements read "Change N is not ready: submit requirement 'X' is
// unsatisfied.", work in progress "Change N is marked work in progress", and
// other problems (a conflict) "Failed to submit 1 change due to the following
// problems:\nChange N: …".
func submitRefusal(n int, problems []string) string {
	p := strings.Join(problems, "; ")
	switch {
	case strings.HasPrefix(p, "submit requirement"):
		return fmt.Sprintf("Change %d is not ready: %s", n, p)
	case strings.HasSuffix(p, "is marked work in progress"):
		return p
	}
	return fmt.Sprintf("Failed to submit 1 change due to the following problems:\nChange %d: %s", n, p)
}
