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

// uploadPack answers one stateless round of a fetch (multi_ack_detailed):
// without "done", an "ACK id common" per have the repository holds, then
// NAK; with "done", the last common ACK (or NAK) and the pack of what the
// wants reach and the haves do not.
func (s *Server) uploadPack(w http.ResponseWriter, r *http.Request, g *gitRequest) error {
	body, err := requestBody(r)
	if err != nil {
		return err
	}
	pr := &pktReader{r: body}
	var wants, haves []plumbing.Hash
	done := false
	for !done {
		line, flush, err := pr.next()
		if err != nil {
			if len(wants) > 0 && !flush {
				break // a request may end without a final flush
			}
			return fmt.Errorf("read the upload-pack request: %v", err)
		}
		if flush {
			if len(haves) > 0 || len(wants) == 0 {
				break
			}
			continue // the flush after the wants
		}
		f := strings.Fields(strings.TrimSuffix(line, "\n"))
		switch {
		case len(f) >= 2 && f[0] == "want":
			wants = append(wants, plumbing.NewHash(f[1]))
		case len(f) >= 2 && f[0] == "have":
			haves = append(haves, plumbing.NewHash(f[1]))
		case len(f) == 1 && f[0] == "done":
			done = true
		case len(f) >= 1 && (f[0] == "shallow" || strings.HasPrefix(f[0], "deepen")):
			textError(w, http.StatusBadRequest, "shallow fetches are not supported by the emulator")
			return nil
		}
	}
	// Objects never change once written (new ones land by rename): the
	// pack is built without the server lock, so a fetch does not hold up
	// REST calls.
	st := openRepo(g.p)
	var common []plumbing.Hash
	for _, h := range haves {
		if st.HasEncodedObject(h) == nil {
			common = append(common, h)
		}
	}
	var out bytes.Buffer
	if !done {
		for _, h := range common {
			pkt(&out, "ACK "+h.String()+" common\n")
		}
		pkt(&out, "NAK\n")
		return writeResult(w, g.service, out.Bytes())
	}
	if len(common) > 0 {
		pkt(&out, "ACK "+common[len(common)-1].String()+"\n")
	} else {
		pkt(&out, "NAK\n")
	}
	objs, err := revlist.Objects(st, wants, common)
	if err != nil {
		return fmt.Errorf("list the objects to send: %v", err)
	}
	if _, err := packfile.NewEncoder(&out, st, false).Encode(objs, 10); err != nil {
		return fmt.Errorf("write the pack: %v", err)
	}
	return writeResult(w, g.service, out.Bytes())
}

func writeResult(w http.ResponseWriter, service string, b []byte) error {
	w.Header().Set("Content-Type", "application/x-"+service+"-result")
	w.Header().Set("Cache-Control", "no-cache, max-age=0, must-revalidate")
	_, err := w.Write(b)
	return err
}
