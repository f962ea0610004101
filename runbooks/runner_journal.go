package runbooks

import (
	"fmt"
	"os"

	"porthole/runbooks/journal"
)

// begin journals the window's start (or its resumption). A journal that
// already holds a window is only continued by a resume.
func (r *Runner) begin() error {
	seen := map[string]bool{}
	for i, s := range r.plan.Steps {
		if s == nil || s.ID == "" {
			return fmt.Errorf("step %d of the %s plan has no id: this is a bug in the runbook", i+1, r.plan.Kind)
		}
		if seen[s.ID] {
			return fmt.Errorf("the %s plan has two steps with id %q: this is a bug in the runbook", r.plan.Kind, s.ID)
		}
		seen[s.ID] = true
	}
	if r.j == nil {
		return nil
	}
	if r.j.Resumed() && r.opts.Resume == nil {
		return fmt.Errorf("window %s already has a journal (%s): resume it, or give the new window another id", r.j.ID(), r.j.Path())
	}
	if r.j.Redactor() == nil {
		r.j.SetRedactor(journal.NewRedactor(r.env.Config))
	}
	typ := journal.RecWindowStart
	if r.opts.Resume != nil {
		typ = journal.RecWindowResume
	}
	host, _ := os.Hostname()
	rec := journal.Record{Type: typ, Kind: r.plan.Kind, Title: r.plan.Title, Params: r.plan.Params,
		User: r.user(), Machine: host}
	for _, c := range r.plan.Changes {
		if c == nil {
			continue
		}
		rec.Changes = append(rec.Changes, journal.ChangeSummary{Number: c.Number, Project: c.Project, Branch: c.Branch,
			Subject: c.Subject, Owner: c.Owner.Name, Revision: c.CurrentRevision, PatchSet: c.PatchSet,
			Bugs: c.Bugs, URL: c.WebURL})
	}
	for _, s := range r.plan.Steps {
		rec.Steps = append(rec.Steps, journal.StepSummary{ID: s.ID, Title: s.Title, Role: s.Role, Command: s.Command,
			Dir: s.Dir, Irreversible: s.Irreversible, Undo: s.Undo, Inert: s.Inert})
	}
	r.journal(rec, true)
	if rs := r.opts.Resume; rs != nil {
		done := 0
		for _, s := range r.plan.Steps {
			if r.state(s.ID) == Done {
				done++
			}
		}
		msg := fmt.Sprintf("resumed by %s: %d of %d steps already done", r.user(), done, len(r.plan.Steps))
		if rs.Interrupted != "" {
			msg += fmt.Sprintf("; step %q was running when porthole stopped", rs.Interrupted)
		}
		r.emit(StepNote{Level: Info, Text: msg})
	}
	return r.journalErr()
}

// finish journals the window's end and reports it.
func (r *Runner) finish(err error) {
	rec := journal.Record{Type: journal.RecWindowEnd, Status: statusOf(err)}
	if err != nil {
		rec.Error = err.Error()
	}
	r.journal(rec, true)
	if r.j != nil && err == nil {
		if jerr := r.j.Err(); jerr != nil {
			err = jerr
		}
	}
	r.q.push(RunFinished{Err: err})
}

// journalErr stops the run when the journal can no longer be written: a
// window that cannot be recorded cannot be resumed.
func (r *Runner) journalErr() error {
	if r.j == nil {
		return nil
	}
	if err := r.j.Err(); err != nil {
		return fmt.Errorf("%w; porthole stopped the window because it can no longer record it", err)
	}
	return nil
}
