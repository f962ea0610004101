package gerrittest

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// queryChanges serves GET /changes/?q=…&n=…&S=…&o=…: one array per q, or
// an array of arrays when q is repeated; the last change of a limited page
// has "_more_changes": true.
func (s *Server) queryChanges(q *request) error {
	o, err := parseOptions(q.query)
	if err != nil {
		return err
	}
	limit := 500
	for _, k := range []string{"n", "limit"} {
		if v := q.query.Get(k); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return &httpError{http.StatusBadRequest, fmt.Sprintf("\"%s\" is not a valid value for \"-n\"", v)}
			}
			if n > 0 {
				limit = n
			}
		}
	}
	start := 0
	for _, k := range []string{"S", "start"} {
		if v := q.query.Get(k); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return &httpError{http.StatusBadRequest, fmt.Sprintf("\"%s\" is not a valid value for \"-S\"", v)}
			}
			start = n
		}
	}
	qs := q.query["q"]
	if len(qs) == 0 {
		qs = []string{"status:open"}
	}
	var pages [][]*changeJSON
	for _, text := range qs {
		pred, err := parseQuery(text)
		if err != nil {
			return err
		}
		var hits []*change
		for _, c := range s.changes {
			if pred(s, c, q.caller) {
				hits = append(hits, c)
			}
		}
		sort.Slice(hits, func(i, j int) bool {
			if !hits[i].Updated.Equal(hits[j].Updated) {
				return hits[i].Updated.After(hits[j].Updated)
			}
			return hits[i].Number > hits[j].Number
		})
		more := false
		if start < len(hits) {
			hits = hits[start:]
		} else {
			hits = nil
		}
		if len(hits) > limit {
			hits, more = hits[:limit], true
		}
		page := []*changeJSON{}
		for _, c := range hits {
			page = append(page, s.changeInfo(c, o, q.caller))
		}
		if more {
			page[len(page)-1].MoreChanges = true
		}
		pages = append(pages, page)
	}
	if len(pages) == 1 {
		return writeJSON(q, http.StatusOK, pages[0])
	}
	return writeJSON(q, http.StatusOK, pages)
}

// pred is a compiled query.
type pred func(s *Server, c *change, caller int) bool

// parseQuery compiles Gerrit's search language, the operators porthole,
// scap and deployers use: change:, status:/is:, project:, branch: (^regex),
// topic:, owner:, message:, revertof:, bare numbers and Change-Ids, AND
// (implicit), OR, NOT/-, and parentheses.
func parseQuery(text string) (pred, error) {
	toks, err := tokenize(text)
	if err != nil {
		return nil, err
	}
	p := &qparser{toks: toks}
	if len(toks) == 0 {
		return nil, &httpError{http.StatusBadRequest, "query is empty"}
	}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, &httpError{http.StatusBadRequest, fmt.Sprintf("line 1:%d no viable alternative at input '%s'", p.i, p.toks[p.i])}
	}
	return e, nil
}

// tokenize splits on spaces, keeping quoted values and parentheses.
func tokenize(text string) ([]string, error) {
	var toks []string
	var cur strings.Builder
	inQuote := false
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for _, r := range text {
		switch {
		case r == '"':
			inQuote = !inQuote
			cur.WriteRune(r)
		case inQuote:
			cur.WriteRune(r)
		case r == ' ' || r == '\t':
			flush()
		case r == '(' || r == ')':
			flush()
			toks = append(toks, string(r))
		default:
			cur.WriteRune(r)
		}
	}
	if inQuote {
		return nil, &httpError{http.StatusBadRequest, "unterminated quote in query"}
	}
	flush()
	return toks, nil
}

type qparser struct {
	toks []string
	i    int
}

func (p *qparser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *qparser) or() (pred, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peek() == "OR" {
		p.i++
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(s *Server, c *change, u int) bool { return l(s, c, u) || right(s, c, u) }
	}
	return left, nil
}

func (p *qparser) and() (pred, error) {
	var terms []pred
	for {
		t := p.peek()
		if t == "" || t == ")" || t == "OR" {
			break
		}
		if t == "AND" {
			p.i++
			continue
		}
		u, err := p.unary()
		if err != nil {
			return nil, err
		}
		terms = append(terms, u)
	}
	if len(terms) == 0 {
		return nil, &httpError{http.StatusBadRequest, "query has an empty expression"}
	}
	return func(s *Server, c *change, u int) bool {
		for _, t := range terms {
			if !t(s, c, u) {
				return false
			}
		}
		return true
	}, nil
}

func (p *qparser) unary() (pred, error) {
	t := p.peek()
	switch {
	case t == "NOT" || t == "-":
		p.i++
		inner, err := p.unary()
		if err != nil {
			return nil, err
		}
		return func(s *Server, c *change, u int) bool { return !inner(s, c, u) }, nil
	case strings.HasPrefix(t, "-") && len(t) > 1:
		p.toks[p.i] = t[1:]
		inner, err := p.unary()
		if err != nil {
			return nil, err
		}
		return func(s *Server, c *change, u int) bool { return !inner(s, c, u) }, nil
	case t == "(":
		p.i++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, &httpError{http.StatusBadRequest, "missing ) in query"}
		}
		p.i++
		return e, nil
	}
	p.i++
	return term(t)
}

// term compiles one operator:value.
func term(t string) (pred, error) {
	op, val, hasOp := strings.Cut(t, ":")
	if !hasOp {
		op, val = "", t
	}
	val = strings.Trim(val, `"`)
	switch op {
	case "":
		if n, err := strconv.Atoi(val); err == nil {
			return func(_ *Server, c *change, _ int) bool { return c.Number == n }, nil
		}
		if changeIDRe.MatchString(val) {
			return func(_ *Server, c *change, _ int) bool { return c.ChangeID == val }, nil
		}
		// Free text searches the message, as Gerrit's default field does.
		return term("message:" + val)
	case "change":
		if n, err := strconv.Atoi(val); err == nil {
			return func(_ *Server, c *change, _ int) bool { return c.Number == n }, nil
		}
		if strings.HasPrefix(val, "I") && len(val) >= 2 {
			return func(_ *Server, c *change, _ int) bool { return strings.HasPrefix(c.ChangeID, val) }, nil
		}
	case "status", "is":
		if p := statusTerm(op, val); p != nil {
			return p, nil
		}
	case "project":
		return func(_ *Server, c *change, _ int) bool { return c.Project == val }, nil
	case "branch":
		if strings.HasPrefix(val, "^") {
			re, err := regexp.Compile(val)
			if err != nil {
				return nil, &httpError{http.StatusBadRequest, "invalid regular expression " + val}
			}
			return func(_ *Server, c *change, _ int) bool { return re.MatchString(c.Branch) }, nil
		}
		b := strings.TrimPrefix(val, "refs/heads/")
		return func(_ *Server, c *change, _ int) bool { return c.Branch == b }, nil
	case "topic":
		return func(_ *Server, c *change, _ int) bool { return c.Topic == val }, nil
	case "owner":
		return func(s *Server, c *change, u int) bool {
			if val == "self" {
				return c.Owner == u
			}
			a := s.findAccount(val)
			return a != nil && c.Owner == a.ID
		}, nil
	case "message":
		low := strings.ToLower(val)
		return func(_ *Server, c *change, _ int) bool {
			return strings.Contains(strings.ToLower(c.current().Commit.Message), low)
		}, nil
	case "revertof":
		n, err := strconv.Atoi(val)
		if err == nil {
			return func(_ *Server, c *change, _ int) bool { return c.RevertOf == n }, nil
		}
	}
	return nil, &httpError{http.StatusBadRequest, fmt.Sprintf("Unsupported operator %s:%s", op, val)}
}

// statusTerm compiles status:VALUE and is:VALUE; nil for a value it does
// not know.
func statusTerm(op, val string) pred {
	switch strings.ToLower(val) {
	case "open", "pending", "new":
		return func(_ *Server, c *change, _ int) bool { return c.open() }
	case "closed":
		return func(_ *Server, c *change, _ int) bool { return !c.open() }
	case "merged":
		return func(_ *Server, c *change, _ int) bool { return c.Status == "MERGED" }
	case "abandoned":
		return func(_ *Server, c *change, _ int) bool { return c.Status == "ABANDONED" }
	case "wip":
		if op == "is" {
			return func(_ *Server, c *change, _ int) bool { return c.WIP }
		}
	case "owner":
		if op == "is" {
			return func(_ *Server, c *change, u int) bool { return c.Owner == u }
		}
	case "submittable":
		if op == "is" {
			return func(s *Server, c *change, _ int) bool { return s.submittable(c) }
		}
	}
	return nil
}
