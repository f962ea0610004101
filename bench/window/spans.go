package main

import (
	"cmp"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
	"time"
)

// span is a stretch of time spent outside porthole (or, from gaps, inside it).
type span struct {
	start, end time.Time
	label      string
}

// covered is how much of [from, to] the spans cover, overlaps counted once.
func covered(spans []span, from, to time.Time) time.Duration {
	var total time.Duration
	for _, s := range merge(spans, from, to) {
		total += s.end.Sub(s.start)
	}
	return total
}

// merge clips the spans to [from, to] and joins the overlapping ones, in time order.
func merge(spans []span, from, to time.Time) []span {
	var in []span
	for _, s := range spans {
		if s.start.Before(from) {
			s.start = from
		}
		if s.end.After(to) {
			s.end = to
		}
		if s.end.After(s.start) {
			in = append(in, s)
		}
	}
	slices.SortFunc(in, func(a, b span) int { return a.start.Compare(b.start) })
	var out []span
	for _, s := range in {
		if n := len(out); n > 0 && !s.start.After(out[n-1].end) {
			if s.end.After(out[n-1].end) {
				out[n-1].end = s.end
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// gaps are the stretches of [from, to] no span covers (porthole's own
// time), longest first, each labelled with what came next.
func gaps(spans []span, from, to time.Time) []span {
	var out []span
	at := from
	for _, s := range merge(spans, from, to) {
		if s.start.After(at) {
			out = append(out, span{at, s.start, s.label})
		}
		at = s.end
	}
	if to.After(at) {
		out = append(out, span{at, to, "the end"})
	}
	slices.SortFunc(out, func(a, b span) int { return cmp.Compare(b.end.Sub(b.start), a.end.Sub(a.start)) })
	return out
}

// proxy forwards HTTP to the Gerrit emulator and times every request.
type proxy struct {
	url string
	srv *http.Server
	mu  sync.Mutex
	log []span
}

func newProxy(target string) (*proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{url: "http://" + l.Addr().String() + u.Path}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	p.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		rp.ServeHTTP(w, r)
		p.mu.Lock()
		p.log = append(p.log, span{t0, time.Now(), "gerrit " + r.Method + " " + r.URL.Path})
		p.mu.Unlock()
	})}
	go func() { _ = p.srv.Serve(l) }()
	return p, nil
}

func (p *proxy) spans() []span {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.log)
}

func (p *proxy) close() { _ = p.srv.Close() }
