package gerrittest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/subtle"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Git smart HTTP, served in-process with go-git on the REST port as Gerrit
// serves it with JGit: GET BASE[a/]PROJECT/info/refs?service=…, POST
// BASE[a/]PROJECT/git-upload-pack and …/git-receive-pack (protocol v0, and
// v2 for fetches when git asks for it). Fetches may be
// anonymous; pushes, and anything under a/, need the account's HTTP
// password (git reads it from ~/.netrc after the 401).

// gitAgent is what the emulator calls itself in capability lists.
const gitAgent = "agent=gerrittest/go-git"

// gitRequest is one smart-HTTP request: project and service resolved.
type gitRequest struct {
	p       *project
	service string // git-upload-pack or git-receive-pack
	advert  bool   // GET info/refs
	caller  int
}

// parseGitPath recognises PROJECT[.git]/info/refs, …/git-upload-pack and
// …/git-receive-pack in rest (the path after the base, a/ removed, still
// escaped); ok is false for anything else.
func parseGitPath(r *http.Request, rest string) (project, service string, advert, ok bool) {
	switch {
	case strings.HasSuffix(rest, "/info/refs") && r.Method == http.MethodGet:
		service = r.URL.Query().Get("service")
		if service != "git-upload-pack" && service != "git-receive-pack" {
			return "", "", false, false // dumb HTTP is not served
		}
		project, advert = strings.TrimSuffix(rest, "/info/refs"), true
	case strings.HasSuffix(rest, "/git-upload-pack") && r.Method == http.MethodPost:
		project, service = strings.TrimSuffix(rest, "/git-upload-pack"), "git-upload-pack"
	case strings.HasSuffix(rest, "/git-receive-pack") && r.Method == http.MethodPost:
		project, service = strings.TrimSuffix(rest, "/git-receive-pack"), "git-receive-pack"
	default:
		return "", "", false, false
	}
	project = strings.TrimSuffix(project, ".git")
	if project == "" || strings.HasPrefix(project, "changes/") || strings.HasPrefix(project, "accounts/") {
		return "", "", false, false
	}
	return project, service, advert, true
}

// serveGit answers a smart-HTTP request; authed is true under a/.
func (s *Server) serveGit(w http.ResponseWriter, r *http.Request, name, service string, advert, authed bool) {
	user, pass, hasAuth := r.BasicAuth()
	s.mu.Lock()
	closed := s.closed
	a := s.userByName(user)
	p, perr := s.project(name)
	s.mu.Unlock()
	if closed {
		textError(w, http.StatusServiceUnavailable, "server is shutting down")
		return
	}
	caller := 0
	if hasAuth {
		if a == nil || a.HTTPPassword == "" || subtle.ConstantTimeCompare([]byte(pass), []byte(a.HTTPPassword)) != 1 {
			unauthorized(w)
			return
		}
		caller = a.ID
	}
	if caller == 0 && (authed || service == "git-receive-pack") {
		unauthorized(w)
		return
	}
	if perr != nil {
		textError(w, http.StatusNotFound, "Repository not found")
		return
	}
	g := &gitRequest{p: p, service: service, advert: advert, caller: caller}
	var err error
	v2 := service == "git-upload-pack" && wantsV2(r)
	switch {
	case advert && v2:
		err = advertiseV2(w)
	case advert:
		err = s.advertise(w, g)
	case v2:
		err = s.uploadPackV2(w, r, g)
	case service == "git-upload-pack":
		err = s.uploadPack(w, r, g)
	default:
		err = s.receivePack(w, r, g)
	}
	if err != nil {
		textError(w, http.StatusInternalServerError, "Internal server error: "+err.Error())
	}
}

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Basic realm="Gerrit Code Review"`)
	textError(w, http.StatusUnauthorized, "Unauthorized")
}

// openRepo opens a project's bare repository with go-git; a new storage per
// request, so objects and refs written meanwhile are seen.
func openRepo(p *project) *filesystem.Storage {
	return filesystem.NewStorage(osfs.New(p.Dir), cache.NewObjectLRUDefault())
}

// pkt writes one pkt-line.
func pkt(w io.Writer, s string) {
	fmt.Fprintf(w, "%04x%s", len(s)+4, s)
}

// flushPkt is the pkt-line flush.
const flushPkt = "0000"

// advertise answers GET info/refs?service=…: the service line, then the
// refs with the capabilities on the first.
func (s *Server) advertise(w http.ResponseWriter, g *gitRequest) error {
	s.mu.Lock()
	refs, head, err := listRefs(openRepo(g.p))
	s.mu.Unlock()
	if err != nil {
		return err
	}
	caps := "report-status side-band-64k push-options quiet ofs-delta " + gitAgent
	if g.service == "git-upload-pack" {
		caps = "multi_ack_detailed ofs-delta " + gitAgent
		if head != "" {
			caps += " symref=HEAD:" + head
		}
	}
	var b bytes.Buffer
	pkt(&b, "# service="+g.service+"\n")
	b.WriteString(flushPkt)
	if len(refs) == 0 {
		pkt(&b, plumbing.ZeroHash.String()+" capabilities^{}\x00"+caps+"\n")
	}
	for i, ref := range refs {
		line := ref[1] + " " + ref[0]
		if i == 0 {
			line += "\x00" + caps
		}
		pkt(&b, line+"\n")
	}
	b.WriteString(flushPkt)
	h := w.Header()
	h.Set("Content-Type", "application/x-"+g.service+"-advertisement")
	h.Set("Cache-Control", "no-cache, max-age=0, must-revalidate")
	_, err = w.Write(b.Bytes())
	return err
}

// listRefs are the refs a client sees, [name, sha], HEAD first then by
// name; the emulator's own spool refs are hidden. head is HEAD's target.
func listRefs(st *filesystem.Storage) (refs [][2]string, head string, err error) {
	iter, err := st.IterReferences()
	if err != nil {
		return nil, "", err
	}
	err = iter.ForEach(func(r *plumbing.Reference) error {
		n := r.Name().String()
		if r.Type() != plumbing.HashReference || n == "HEAD" || strings.HasPrefix(n, spoolRefs) || strings.HasPrefix(n, "refs/for/") {
			return nil
		}
		refs = append(refs, [2]string{n, r.Hash().String()})
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i][0] < refs[j][0] })
	if h, err := st.Reference(plumbing.HEAD); err == nil && h.Type() == plumbing.SymbolicReference {
		for _, r := range refs {
			if r[0] == h.Target().String() {
				head = r[0]
				refs = append([][2]string{{"HEAD", r[1]}}, refs...)
				break
			}
		}
	}
	return refs, head, nil
}

// pktReader reads pkt-lines; a flush reads as "" with flush true.
type pktReader struct{ r *bufio.Reader }

func (p *pktReader) next() (line string, flush bool, err error) {
	var hdr [4]byte
	if _, err := io.ReadFull(p.r, hdr[:]); err != nil {
		return "", false, err
	}
	var n int
	if _, err := fmt.Sscanf(string(hdr[:]), "%04x", &n); err != nil {
		return "", false, fmt.Errorf("bad pkt-line length %q", hdr[:])
	}
	if n == 0 {
		return "", true, nil
	}
	if n == 1 || n == 2 {
		return "", false, nil // v2 delim-pkt and response-end-pkt
	}
	if n < 4 || n > 65520 {
		return "", false, fmt.Errorf("bad pkt-line length %d", n)
	}
	buf := make([]byte, n-4)
	if _, err := io.ReadFull(p.r, buf); err != nil {
		return "", false, err
	}
	return string(buf), false, nil
}

// requestBody is the request body, gunzipped when git compressed it, and
// bounded.
func requestBody(r *http.Request) (*bufio.Reader, error) {
	var body io.Reader = io.LimitReader(r.Body, 512<<20)
	if r.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(body)
		if err != nil {
			return nil, err
		}
		body = gz
	}
	return bufio.NewReader(body), nil
}
