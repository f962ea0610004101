// Package gerrittest is an in-process Gerrit that answers as stock Gerrit
// 3.x (older behaviours behind Options.Compat): the REST API porthole and
// go-gerrit use (XSSI prefix, /a/ basic auth, escaped-path routing, every
// change-id form, o= options, text/plain errors), access rules, git smart
// HTTP on the same port (go-git, no git process), real bare repositories on
// disk with refs/changes/NN/N/P, review/submit/revert side effects, emulated
// CI (jenkins-bot and Zuul's gate-and-submit), superproject subscriptions,
// pushes to refs/for/ (over HTTP, or to the repository path through hooks),
// and a stream-events feed. Tests and the sandbox use it.
package gerrittest

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a Server.
type Options struct {
	RepoDir  string        // bare repos live at RepoDir/<project>.git (e.g. RepoDir/mediawiki/core.git)
	CIDelay  time.Duration // after a +2, jenkins-bot votes and Zuul submits this much later; 0 = at once
	BasePath string        // "/r/" like Wikimedia; "/" when empty
	WebHost  string        // host shown in web URLs, e.g. "gerrit.sandbox"; default from the listener
	// The emulator answers as stock Gerrit 3.x does; these bring back older
	// or non-default behaviours.
	Compat Compat
	// FirstChange is the number the first change gets (1000 when 0).
	FirstChange int
	// CommitTime is the date of the first commit the emulator writes; each
	// later one is a second after. Fixed dates keep SHA-1s reproducible.
	// 2024-06-03 12:00 UTC when zero.
	CommitTime time.Time
	// StateFile keeps the changes, accounts and projects across restarts
	// (the repositories in RepoDir are on disk already): New reads it when
	// it exists, and the server writes it after every REST write, within
	// a quarter of a second of any other change, and at Close. "" keeps
	// nothing.
	StateFile string
	// Addr is where to listen; 127.0.0.1 on a free port when "".
	Addr string
}

// Server is a running emulator. All methods are safe for concurrent use.
type Server struct {
	opts     Options
	base     string // "/r/"
	ln       net.Listener
	srv      *http.Server
	url      string
	webBase  string
	repoDir  string
	ownsRepo bool

	mu         sync.Mutex
	closed     bool
	users      map[int]*account
	nextUser   int
	projects   map[string]*project
	changes    map[int]*change
	nextChange int
	subs       []subscription
	writes     []Write
	lastNow    time.Time
	commitSeq  int
	msgSeq     int
	mergeCache map[[2]string]bool
	// labelRanges narrow a label on a project: project\x00label → min, max.
	labelRanges map[string][2]int
	listeners   map[int]*listener
	nextListen  int
	wg          sync.WaitGroup
	saved       []byte        // the state file's contents as last written
	restored    bool          // New read Options.StateFile
	stopSaver   chan struct{} // closed by Close
}

type project struct {
	Name string
	Dir  string
}

type subscription struct{ Super, Path, Sub string }

// JenkinsBot is the CI account that exists on every server.
const JenkinsBot = "jenkins-bot"

// New starts an emulator on 127.0.0.1 on a free port.
func New(opts Options) (*Server, error) {
	base := opts.BasePath
	if base == "" {
		base = "/"
	}
	if !strings.HasPrefix(base, "/") {
		base = "/" + base
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	s := &Server{
		opts: opts, base: base, repoDir: opts.RepoDir,
		users: map[int]*account{}, nextUser: 1000000,
		projects: map[string]*project{}, changes: map[int]*change{},
		nextChange: opts.FirstChange, mergeCache: map[[2]string]bool{},
		listeners: map[int]*listener{},
	}
	if s.nextChange <= 0 {
		s.nextChange = 1000
	}
	if s.opts.CommitTime.IsZero() {
		s.opts.CommitTime = time.Date(2024, 6, 3, 12, 0, 0, 0, time.UTC)
	}
	if s.repoDir == "" {
		d, err := os.MkdirTemp("", "gerrittest-repos-*")
		if err != nil {
			return nil, err
		}
		s.repoDir, s.ownsRepo = d, true
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("gerrittest: listen: %v", err)
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String() + base
	if opts.WebHost != "" {
		s.webBase = "https://" + opts.WebHost + base
	} else {
		s.webBase = s.url
	}
	restored, err := s.loadState()
	if err != nil {
		ln.Close()
		return nil, err
	}
	if s.restored = restored; !restored {
		s.AddUser(User{Username: JenkinsBot, Name: "jenkins-bot", Email: "jenkins-bot@example.org"})
	}
	if s.opts.StateFile != "" {
		s.stopSaver = make(chan struct{})
		s.wg.Add(1)
		go s.saver(s.stopSaver)
	}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// URL is the REST base, e.g. http://127.0.0.1:PORT/r/.
func (s *Server) URL() string { return s.url }

// WebURL is the web link of a change: https://WebHost/r/c/project/+/N.
func (s *Server) WebURL(project string, number int) string {
	return s.webBase + "c/" + project + "/+/" + itoa(number)
}

// RepoDir is where the bare repositories live.
func (s *Server) RepoDir() string { return s.repoDir }

// RepoPath is the bare repository of a project: RepoDir/<project>.git.
func (s *Server) RepoPath(project string) string {
	return filepath.Join(s.repoDir, filepath.FromSlash(project)+".git")
}

// Close stops the server, CI timers and event streams.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	for _, c := range s.changes {
		if c.ciTimer != nil {
			c.ciTimer.Stop()
		}
	}
	for id, l := range s.listeners {
		l.close()
		delete(s.listeners, id)
	}
	_ = s.saveLocked() // the last word; a failure leaves the previous state, at most a quarter of a second old
	if s.stopSaver != nil {
		close(s.stopSaver)
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s.srv.Shutdown(ctx)
	s.wg.Wait()
	if s.ownsRepo {
		os.RemoveAll(s.repoDir)
	}
}

// AddUser creates an account (or updates the one with that username) and
// returns its id.
func (s *Server) AddUser(u User) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.userByName(u.Username); a != nil {
		if u.Name == "" {
			u.Name = a.Name
		}
		if u.Email == "" {
			u.Email = a.Email
		}
		a.User = u
		return a.ID
	}
	return s.addUserLocked(u)
}

func (s *Server) addUserLocked(u User) int {
	if u.Name == "" {
		u.Name = u.Username
	}
	if u.Email == "" {
		u.Email = u.Username + "@example.org"
	}
	id := s.nextUser
	s.nextUser++
	s.users[id] = &account{ID: id, User: u}
	return id
}

func (s *Server) userByName(name string) *account {
	for _, a := range s.users {
		if a.Username == name {
			return a
		}
	}
	return nil
}

// findAccount resolves an account by id, username, email or full name.
func (s *Server) findAccount(q string) *account {
	if n, err := strconv.Atoi(q); err == nil {
		return s.users[n]
	}
	for _, a := range s.users {
		if a.Username == q || strings.EqualFold(a.Email, q) {
			return a
		}
	}
	for _, a := range s.users {
		if a.Name == q {
			return a
		}
	}
	return nil
}

// Writes returns the write requests served so far, oldest first.
func (s *Server) Writes() []Write {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Write(nil), s.writes...)
}

// Change returns a read-only view of a change; Number is 0 when there is none.
func (s *Server) Change(number int) ChangeState {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.changes[number]
	if c == nil {
		return ChangeState{}
	}
	return s.state(c)
}

// now is the server clock: UTC, millisecond precision like Gerrit, and
// strictly increasing so events keep their order.
func (s *Server) now() time.Time {
	t := time.Now().UTC().Truncate(time.Millisecond)
	if !t.After(s.lastNow) {
		t = s.lastNow.Add(time.Millisecond)
	}
	s.lastNow = t
	return t
}

// commitClock is the date of the next commit the emulator writes.
func (s *Server) commitClock() time.Time {
	t := s.opts.CommitTime.Add(time.Duration(s.commitSeq) * time.Second)
	s.commitSeq++
	return t
}

func (s *Server) gerritIdent() ident {
	host := s.opts.WebHost
	if host == "" {
		host = "gerrit.example.org"
	}
	return ident{Name: "Gerrit Code Review", Email: "gerrit@" + host, When: s.commitClock()}
}

func (s *Server) identOf(id int) ident {
	a := s.users[id]
	return ident{Name: a.Name, Email: a.Email, When: s.commitClock()}
}

// newChangeID makes a deterministic Change-Id.
func newChangeID(parts ...string) string {
	h := sha1.Sum([]byte(strings.Join(parts, "\x00")))
	return "I" + hex.EncodeToString(h[:])
}

func itoa(n int) string { return strconv.Itoa(n) }

var errClosed = errors.New("gerrittest: server closed")
