package gerrittest

import (
	"context"
	"encoding/json"
	"io"
	"sync"

	"porthole/gerrit"
)

// listener is one open stream-events session.
type listener struct {
	lines chan []byte
	once  sync.Once
	done  chan struct{}
	pw    *io.PipeWriter
}

// close ends the session, also unblocking a write to a reader that stopped
// reading.
func (l *listener) close() {
	l.once.Do(func() {
		close(l.done)
		l.pw.CloseWithError(errClosed)
	})
}

// Events is the server's stream-events feed: the same JSON lines
// `gerrit stream-events` prints over SSH, decoded with gerrit.ParseStreamEvent.
// Every event has "project" as a string and "changeKey" as {"id":…}, as
// Gerrit's EventGsonProvider writes them (Compat.ObjectShapedMergeEvents
// gives change-merged the object shapes one 3.x server was seen to send).
func (s *Server) Events() gerrit.EventSource {
	return gerrit.NewStreamEvents(s.OpenStream)
}

// OpenStream opens one raw stream-events session: JSON lines until ctx ends
// or the server closes. Events() decodes it; the sandbox can serve it over SSH.
func (s *Server) OpenStream(ctx context.Context) (io.ReadCloser, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, errClosed
	}
	pr, pw := io.Pipe()
	l := &listener{lines: make(chan []byte, 1024), done: make(chan struct{}), pw: pw}
	id := s.nextListen
	s.nextListen++
	s.listeners[id] = l
	s.mu.Unlock()

	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			delete(s.listeners, id)
			s.mu.Unlock()
			pw.Close()
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case <-l.done:
				return
			case line := <-l.lines:
				if _, err := pw.Write(line); err != nil {
					return
				}
			}
		}
	}()
	return &streamReader{PipeReader: pr, l: l}, nil
}

// streamReader ends its session when closed.
type streamReader struct {
	*io.PipeReader
	l *listener
}

func (r *streamReader) Close() error {
	r.l.close()
	return r.PipeReader.Close()
}

// emit sends an event to every listener; a listener too slow to keep up
// loses events rather than stalling the server (Gerrit drops them too).
func (s *Server) emit(ev map[string]any) {
	ev["eventCreatedOn"] = s.now().Unix()
	b, err := json.Marshal(ev)
	if err != nil {
		return
	}
	b = append(b, '\n')
	for _, l := range s.listeners {
		select {
		case l.lines <- b:
		default:
		}
	}
}

func (s *Server) accountAttr(id int) map[string]any {
	a := s.users[id]
	if a == nil {
		return map[string]any{"name": "Gerrit Code Review"}
	}
	m := map[string]any{"name": a.Name, "username": a.Username}
	if a.Email != "" {
		m["email"] = a.Email
	}
	return m
}

func (s *Server) changeAttr(c *change) map[string]any {
	m := map[string]any{
		"project": c.Project, "branch": c.Branch, "id": c.ChangeID, "number": c.Number,
		"subject": c.subject(), "owner": s.accountAttr(c.Owner), "url": s.WebURL(c.Project, c.Number),
		"commitMessage": c.current().Commit.Message, "createdOn": c.Created.Unix(), "status": c.Status,
	}
	if c.Topic != "" {
		m["topic"] = c.Topic
	}
	if c.WIP {
		m["wip"] = true
	}
	if c.open() {
		m["open"] = true
	}
	return m
}

func (s *Server) patchSetAttr(ps *patchSet) map[string]any {
	var parents []string
	for _, p := range ps.Parents {
		parents = append(parents, p.SHA)
	}
	return map[string]any{
		"number": ps.Number, "revision": ps.Rev, "parents": parents, "ref": ps.Ref,
		"uploader": s.accountAttr(ps.Uploader), "createdOn": ps.Created.Unix(),
		"author":         map[string]any{"name": ps.Commit.Author.Name, "email": ps.Commit.Author.Email},
		"kind":           ps.Kind,
		"sizeInsertions": ps.Inserted, "sizeDeletions": ps.Deleted,
	}
}

// changeEvent is the common part of change events, string-shaped.
func (s *Server) changeEvent(typ string, c *change, ps *patchSet) map[string]any {
	return map[string]any{
		"type": typ, "change": s.changeAttr(c), "patchSet": s.patchSetAttr(ps),
		"project": c.Project, "refName": "refs/heads/" + c.Branch,
		"changeKey": map[string]any{"id": c.ChangeID},
	}
}

func (s *Server) emitPatchSetCreated(c *change, ps *patchSet) {
	ev := s.changeEvent("patchset-created", c, ps)
	ev["uploader"] = s.accountAttr(ps.Uploader)
	s.emit(ev)
}

func (s *Server) emitCommentAdded(c *change, ps *patchSet, author int, approvals []map[string]any, comment string) {
	ev := s.changeEvent("comment-added", c, ps)
	ev["author"] = s.accountAttr(author)
	if len(approvals) > 0 {
		ev["approvals"] = approvals
	}
	ev["comment"] = comment
	s.emit(ev)
}

func (s *Server) emitChangeMerged(c *change, ps *patchSet, submitter int, newRev string) {
	ev := s.changeEvent("change-merged", c, ps)
	if s.opts.Compat.ObjectShapedMergeEvents {
		ev["project"] = map[string]any{"name": c.Project}
		ev["changeKey"] = map[string]any{"key": c.ChangeID}
	}
	ev["submitter"] = s.accountAttr(submitter)
	ev["newRev"] = newRev
	s.emit(ev)
}

func (s *Server) emitChangeAbandoned(c *change, who int, reason string) {
	ev := s.changeEvent("change-abandoned", c, c.current())
	ev["abandoner"] = s.accountAttr(who)
	if reason != "" {
		ev["reason"] = reason
	}
	s.emit(ev)
}

func (s *Server) emitRefUpdated(project, ref, oldRev, newRev string, submitter int) {
	ev := map[string]any{
		"type":      "ref-updated",
		"refUpdate": map[string]any{"oldRev": oldRev, "newRev": newRev, "refName": ref, "project": project},
	}
	if submitter != 0 {
		ev["submitter"] = s.accountAttr(submitter)
	}
	s.emit(ev)
}
