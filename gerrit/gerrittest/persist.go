package gerrittest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// savedState is what a Server keeps across restarts in Options.StateFile:
// everything Gerrit keeps in its NoteDb and accounts (the repositories are
// on disk already). Event streams, the Writes log and CI timers are not
// kept: a pending gate is started again when the state is read.
type savedState struct {
	Users       []*account
	NextUser    int
	Projects    []*project
	Changes     []*change
	NextChange  int
	Subs        []subscription
	LastNow     time.Time
	CommitSeq   int
	MsgSeq      int
	LabelRanges map[string][2]int
}

// saveEvery is how often the saver looks for changes made outside a REST
// call (pushes, CI timers, the Go API).
const saveEvery = 250 * time.Millisecond

// snapshotLocked is the server's state as the state file holds it.
func (s *Server) snapshotLocked() ([]byte, error) {
	st := savedState{NextUser: s.nextUser, NextChange: s.nextChange, Subs: s.subs,
		LastNow: s.lastNow, CommitSeq: s.commitSeq, MsgSeq: s.msgSeq, LabelRanges: s.labelRanges}
	for _, a := range s.users {
		st.Users = append(st.Users, a)
	}
	sort.Slice(st.Users, func(i, j int) bool { return st.Users[i].ID < st.Users[j].ID })
	for _, p := range s.projects {
		st.Projects = append(st.Projects, p)
	}
	sort.Slice(st.Projects, func(i, j int) bool { return st.Projects[i].Name < st.Projects[j].Name })
	for _, c := range s.changes {
		st.Changes = append(st.Changes, c)
	}
	sort.Slice(st.Changes, func(i, j int) bool { return st.Changes[i].Number < st.Changes[j].Number })
	return json.MarshalIndent(st, "", " ")
}

// saveLocked writes the state file when the state changed since the last
// write (to a temporary file renamed over it, so a crash keeps the old one).
func (s *Server) saveLocked() error {
	if s.opts.StateFile == "" {
		return nil
	}
	data, err := s.snapshotLocked()
	if err != nil {
		return fmt.Errorf("gerrittest: save the state: %w", err)
	}
	if bytes.Equal(data, s.saved) {
		return nil
	}
	tmp := s.opts.StateFile + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("gerrittest: save the state: %w", err)
	}
	if err := os.Rename(tmp, s.opts.StateFile); err != nil {
		return fmt.Errorf("gerrittest: save the state: %w", err)
	}
	s.saved = data
	return nil
}

// Save writes the state file now (Options.StateFile; nothing without one).
func (s *Server) Save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveLocked()
}

// Restored tells whether New read an earlier state from Options.StateFile.
func (s *Server) Restored() bool { return s.restored }

// loadState reads Options.StateFile when it exists; it is false without one.
func (s *Server) loadState() (bool, error) {
	if s.opts.StateFile == "" {
		return false, nil
	}
	data, err := os.ReadFile(s.opts.StateFile)
	if os.IsNotExist(err) {
		return false, os.MkdirAll(filepath.Dir(s.opts.StateFile), 0o755)
	}
	if err != nil {
		return false, fmt.Errorf("gerrittest: read the state: %w", err)
	}
	var st savedState
	if err := json.Unmarshal(data, &st); err != nil {
		return false, fmt.Errorf("gerrittest: %s is not a state this emulator wrote: %w", s.opts.StateFile, err)
	}
	s.users = map[int]*account{}
	for _, a := range st.Users {
		s.users[a.ID] = a
	}
	for _, p := range st.Projects {
		s.projects[p.Name] = p
	}
	for _, c := range st.Changes {
		s.changes[c.Number] = c
	}
	s.nextUser, s.nextChange, s.subs = st.NextUser, st.NextChange, st.Subs
	s.lastNow, s.commitSeq, s.msgSeq, s.labelRanges = st.LastNow, st.CommitSeq, st.MsgSeq, st.LabelRanges
	s.saved = data
	for _, c := range st.Changes {
		if gatePending(c) {
			s.ciOnApproveLocked(c)
		}
	}
	return true, nil
}

// gatePending is true when an open change's current patch set has its +2
// but the gate has not reported on it yet (the server stopped meanwhile).
func gatePending(c *change) bool {
	if !c.open() || c.CI == CIManual {
		return false
	}
	cur := c.current()
	approved := false
	for _, v := range cur.Votes["Code-Review"] {
		approved = approved || v.Value == 2
	}
	if !approved {
		return false
	}
	for _, m := range c.Messages {
		if m.PatchSet == cur.Number && isGateReport(m.Text) {
			return false
		}
	}
	return true
}

// isGateReport is true for the gate's report (passed, failed, merge failed).
func isGateReport(text string) bool {
	for _, p := range []string{ciGatePassed, ciGateFailed, ciMergeFail} {
		if head, _, _ := strings.Cut(p, "\n"); strings.Contains(text, head) {
			return true
		}
	}
	return false
}

// saver writes the state every saveEvery when it changed, until Close.
func (s *Server) saver(stop <-chan struct{}) {
	defer s.wg.Done()
	t := time.NewTicker(saveEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		s.mu.Lock()
		if !s.closed {
			_ = s.saveLocked() // the next tick, a REST write or Close tries again
		}
		s.mu.Unlock()
	}
}
