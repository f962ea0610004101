package gerrittest

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/revlist"
)

// Git protocol v2 for fetches (git sends "Git-Protocol: version=2", as git
// 2.26+ does by default): the capability advertisement, ls-refs and fetch.
// Pushes stay on v0, as with JGit.

// wantsV2 is true when the client asked for protocol v2.
func wantsV2(r *http.Request) bool {
	for _, v := range strings.Split(r.Header.Get("Git-Protocol"), ":") {
		if strings.TrimSpace(v) == "version=2" {
			return true
		}
	}
	return false
}

// delimPkt separates a v2 command's capabilities from its arguments.
const delimPkt = "0001"

// advertiseV2 answers GET info/refs?service=git-upload-pack for a v2 client.
func advertiseV2(w http.ResponseWriter) error {
	var b bytes.Buffer
	pkt(&b, "version 2\n")
	pkt(&b, gitAgent+"\n")
	pkt(&b, "ls-refs\n")
	pkt(&b, "fetch\n")
	pkt(&b, "object-format=sha1\n")
	b.WriteString(flushPkt)
	w.Header().Set("Content-Type", "application/x-git-upload-pack-advertisement")
	w.Header().Set("Cache-Control", "no-cache, max-age=0, must-revalidate")
	_, err := w.Write(b.Bytes())
	return err
}

// v2Request is a command with its arguments.
type v2Request struct {
	command string
	args    []string
}

func readV2(pr *pktReader) (*v2Request, error) {
	req := &v2Request{}
	inArgs := false
	for {
		line, flush, err := pr.next()
		if err != nil {
			return nil, fmt.Errorf("read the v2 request: %v", err)
		}
		if flush {
			return req, nil
		}
		if line == "" { // delim-pkt (0001) reads as an empty line
			inArgs = true
			continue
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case strings.HasPrefix(line, "command="):
			req.command = strings.TrimPrefix(line, "command=")
		case inArgs:
			req.args = append(req.args, line)
		}
	}
}

// uploadPackV2 answers a v2 command: ls-refs or fetch.
func (s *Server) uploadPackV2(w http.ResponseWriter, r *http.Request, g *gitRequest) error {
	body, err := requestBody(r)
	if err != nil {
		return err
	}
	req, err := readV2(&pktReader{r: body})
	if err != nil {
		textError(w, http.StatusBadRequest, err.Error())
		return nil
	}
	var out bytes.Buffer
	switch req.command {
	case "ls-refs":
		s.mu.Lock()
		err = lsRefs(&out, g, req.args)
		s.mu.Unlock()
	case "fetch": // objects only: no server lock (see uploadPack)
		err = fetchV2(&out, g, req.args)
	default:
		textError(w, http.StatusBadRequest, "unknown command "+req.command)
		return nil
	}
	if err != nil {
		return err
	}
	return writeResult(w, g.service, out.Bytes())
}

// lsRefs lists refs under the asked prefixes, HEAD's target as a symref.
func lsRefs(out *bytes.Buffer, g *gitRequest, args []string) error {
	refs, head, err := listRefs(openRepo(g.p))
	if err != nil {
		return err
	}
	var prefixes []string
	symrefs := false
	for _, a := range args {
		switch {
		case strings.HasPrefix(a, "ref-prefix "):
			prefixes = append(prefixes, strings.TrimPrefix(a, "ref-prefix "))
		case a == "symrefs":
			symrefs = true
		}
	}
	for _, r := range refs {
		if len(prefixes) > 0 && !hasAnyPrefix(r[0], prefixes) {
			continue
		}
		line := r[1] + " " + r[0]
		if r[0] == "HEAD" && symrefs && head != "" {
			line += " symref-target:" + head
		}
		pkt(out, line+"\n")
	}
	out.WriteString(flushPkt)
	return nil
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// fetchV2 is one fetch round: without "done", the acknowledgments section
// (ACK per common have, else NAK); with it, the packfile section, the pack
// on side band 1.
func fetchV2(out *bytes.Buffer, g *gitRequest, args []string) error {
	var wants, haves []plumbing.Hash
	done := false
	for _, a := range args {
		f := strings.Fields(a)
		switch {
		case len(f) == 2 && f[0] == "want":
			wants = append(wants, plumbing.NewHash(f[1]))
		case len(f) == 2 && f[0] == "have":
			haves = append(haves, plumbing.NewHash(f[1]))
		case a == "done":
			done = true
		case len(f) > 0 && (f[0] == "shallow" || strings.HasPrefix(f[0], "deepen") || f[0] == "want-ref"):
			return fmt.Errorf("%s is not supported by the emulator", f[0])
		}
	}
	st := openRepo(g.p)
	var common []plumbing.Hash
	for _, h := range haves {
		if st.HasEncodedObject(h) == nil {
			common = append(common, h)
		}
	}
	if !done {
		pkt(out, "acknowledgments\n")
		if len(common) == 0 {
			pkt(out, "NAK\n")
		}
		for _, h := range common {
			pkt(out, "ACK "+h.String()+"\n")
		}
		out.WriteString(flushPkt)
		return nil
	}
	objs, err := revlist.Objects(st, wants, common)
	if err != nil {
		return fmt.Errorf("list the objects to send: %v", err)
	}
	var pack bytes.Buffer
	if _, err := packfile.NewEncoder(&pack, st, false).Encode(objs, 10); err != nil {
		return fmt.Errorf("write the pack: %v", err)
	}
	pkt(out, "packfile\n")
	band(out, 1, pack.String())
	out.WriteString(flushPkt)
	return nil
}
