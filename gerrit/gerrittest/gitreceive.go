package gerrittest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// refCommand is one "old new ref" line of a push.
type refCommand struct{ Old, New, Ref string }

// receiveRequest is a parsed git-receive-pack request.
type receiveRequest struct {
	cmds     []refCommand
	caps     map[string]bool
	options  []string // push options (git push -o)
	packfile io.Reader
}

func parseReceive(r *http.Request) (*receiveRequest, error) {
	body, err := requestBody(r)
	if err != nil {
		return nil, err
	}
	pr := &pktReader{r: body}
	req := &receiveRequest{caps: map[string]bool{}}
	for {
		line, flush, err := pr.next()
		if err != nil {
			return nil, fmt.Errorf("read the push commands: %v", err)
		}
		if flush {
			break
		}
		line = strings.TrimSuffix(line, "\n")
		if cmd, caps, ok := strings.Cut(line, "\x00"); ok {
			line = cmd
			for _, c := range strings.Fields(caps) {
				req.caps[c] = true
			}
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("bad push command %q", line)
		}
		req.cmds = append(req.cmds, refCommand{f[0], f[1], f[2]})
	}
	if req.caps["push-options"] {
		for {
			line, flush, err := pr.next()
			if err != nil {
				return nil, fmt.Errorf("read the push options: %v", err)
			}
			if flush {
				break
			}
			req.options = append(req.options, strings.TrimSuffix(line, "\n"))
		}
	}
	req.packfile = body
	return req, nil
}

// looseStorer hides the storage's PackfileWriter, so a received pack is
// parsed and stored as loose objects, thin deltas resolved against the
// repository: what lands on disk is readable by any git.
type looseStorer struct{ storer.Storer }

// receivePack answers a push: objects are stored, each refs/for/BRANCH
// becomes changes (receiveForLocked), other refs are refused as Gerrit
// refuses a deployer's direct push; messages go to the side band as
// Gerrit's "remote: " lines, results in the report status.
func (s *Server) receivePack(w http.ResponseWriter, r *http.Request, g *gitRequest) error {
	req, err := parseReceive(r)
	if err != nil {
		textError(w, http.StatusBadRequest, err.Error())
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := openRepo(g.p)
	unpack := "ok"
	if hasNewObjects(req.cmds) {
		if err := packfile.UpdateObjectStorage(looseStorer{st}, req.packfile); err != nil && !errors.Is(err, packfile.ErrEmptyPackfile) {
			unpack = "unpack error " + err.Error()
		}
	}
	var msgs, status bytes.Buffer
	pkt(&status, "unpack "+unpack+"\n")
	var done []pushResult
	for _, c := range req.cmds {
		reason := ""
		switch {
		case unpack != "ok":
			reason = "n/a (unpacker error)"
		case c.New == plumbing.ZeroHash.String():
			reason = "prohibited by Gerrit: not permitted: delete"
		case !strings.HasPrefix(c.Ref, "refs/for/") && c.Old == plumbing.ZeroHash.String():
			reason = "prohibited by Gerrit: not permitted: create"
		case !strings.HasPrefix(c.Ref, "refs/for/"):
			reason = "prohibited by Gerrit: not permitted: update"
		default:
			res, err := s.receiveForLocked(g.p, strings.TrimPrefix(c.Ref, "refs/for/"), c.New, req.options, g.caller)
			done = append(done, res...)
			if err != nil {
				reason = err.Error()
				if strings.Contains(reason, "missing Change-Id") {
					fmt.Fprintf(&msgs, "ERROR: %s\n\n%s", reason, s.changeIDHint())
				}
			}
		}
		if reason == "" {
			pkt(&status, "ok "+c.Ref+"\n")
		} else {
			pkt(&status, "ng "+c.Ref+" "+reason+"\n")
		}
	}
	status.WriteString(flushPkt)
	var out bytes.Buffer
	if !req.caps["side-band-64k"] {
		out.Write(status.Bytes())
		return writeResult(w, g.service, out.Bytes())
	}
	band(&out, 2, s.pushSummary(done)+msgs.String())
	band(&out, 1, status.String())
	out.WriteString(flushPkt)
	return writeResult(w, g.service, out.Bytes())
}

func hasNewObjects(cmds []refCommand) bool {
	for _, c := range cmds {
		if c.New != plumbing.ZeroHash.String() {
			return true
		}
	}
	return false
}

// band writes data to a side-band-64k channel in pkt-lines.
func band(w *bytes.Buffer, channel byte, data string) {
	for len(data) > 0 {
		n := min(len(data), 65515)
		pkt(w, string([]byte{channel})+data[:n])
		data = data[n:]
	}
}

// pushSummary is what Gerrit prints after a push for review: the
// processing line, then SUCCESS and one line per change.
func (s *Server) pushSummary(done []pushResult) string {
	news := 0
	for _, r := range done {
		if r.New {
			news++
		}
	}
	var b strings.Builder
	if news > 0 {
		fmt.Fprintf(&b, "Processing changes: refs: 1, new: %d, done\n", news)
	} else if len(done) > 0 {
		fmt.Fprintf(&b, "Processing changes: refs: 1, updated: %d, done\n", len(done))
	} else {
		b.WriteString("Processing changes: refs: 1, done\n")
	}
	if len(done) == 0 {
		return b.String()
	}
	b.WriteString("\nSUCCESS\n\n")
	for _, r := range done {
		c := s.changes[r.Number]
		line := "  " + s.WebURL(c.Project, c.Number) + " " + c.subject()
		switch {
		case c.WIP:
			line += " [WIP]"
		case r.New:
			line += " [NEW]"
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("\n")
	return b.String()
}

// changeIDHint is Gerrit's hint after a commit without Change-Id, with the
// commit-msg hook's HTTP address.
func (s *Server) changeIDHint() string {
	return "Hint: to automatically insert a Change-Id, install the hook:\n" +
		"  f=\"$(git rev-parse --git-dir)/hooks/commit-msg\"; curl -o \"$f\" " + s.webBase + "tools/hooks/commit-msg ; chmod +x \"$f\"\n" +
		"and then amend the commit:\n" +
		"  git commit --amend --no-edit\n" +
		"Finally, push your changes again\n\n"
}
