package gerrit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// streamEvent is one gerrit stream-events line; "any field may be missing".
// project and changeKey come as "snix"/{"id":…} or {"name":"snix"}/{"key":…}.
type streamEvent struct {
	Type           string          `json:"type"`
	EventCreatedOn int64           `json:"eventCreatedOn"`
	Project        json.RawMessage `json:"project"`
	ChangeKey      json.RawMessage `json:"changeKey"`
	RefName        string          `json:"refName"`
	NewRev         string          `json:"newRev"`
	Change         *struct {
		Project string  `json:"project"`
		Branch  string  `json:"branch"`
		ID      string  `json:"id"`
		Number  flexInt `json:"number"`
	} `json:"change"`
	PatchSet *struct {
		Number   flexInt `json:"number"`
		Revision string  `json:"revision"`
	} `json:"patchSet"`
	RefUpdate *struct {
		OldRev  string `json:"oldRev"`
		NewRev  string `json:"newRev"`
		RefName string `json:"refName"`
		Project string `json:"project"`
	} `json:"refUpdate"`
}

// flexInt accepts 42 and "42" (very old servers sent numbers as strings).
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("not a number: %s", b)
	}
	*f = flexInt(n)
	return nil
}

// ParseStreamEvent decodes one stream-events line (SSH or the emulator's),
// accepting both shapes of project ("name" or {"name":…}) and changeKey
// ({"id":…}, {"key":…} or a string). NewRev is newRev, refUpdate.newRev or
// the patch set's revision, whichever the event has.
func ParseStreamEvent(line []byte) (Event, error) {
	line = bytes.TrimSpace(line)
	var se streamEvent
	if err := json.Unmarshal(line, &se); err != nil {
		return Event{}, fmt.Errorf("stream-events: not a JSON event line (%v): %.80q", err, line)
	}
	if se.Type == "" {
		return Event{}, fmt.Errorf("stream-events: line has no type: %.80q", line)
	}
	ev := Event{Type: se.Type, NewRev: se.NewRev}
	if se.EventCreatedOn > 0 {
		ev.Created = time.Unix(se.EventCreatedOn, 0).UTC()
	}
	ev.Project = nameOf(se.Project, "name")
	ev.ChangeID = nameOf(se.ChangeKey, "id", "key")
	if c := se.Change; c != nil {
		if ev.Project == "" {
			ev.Project = c.Project
		}
		ev.Branch = c.Branch
		if ev.ChangeID == "" {
			ev.ChangeID = c.ID
		}
		ev.Number = int(c.Number)
	}
	if ps := se.PatchSet; ps != nil {
		ev.PatchSet = int(ps.Number)
		if ev.NewRev == "" {
			ev.NewRev = ps.Revision
		}
	}
	ref := se.RefName
	if ru := se.RefUpdate; ru != nil {
		if ev.Project == "" {
			ev.Project = ru.Project
		}
		if ev.NewRev == "" {
			ev.NewRev = ru.NewRev
		}
		if ref == "" {
			ref = ru.RefName
		}
	}
	if ev.Branch == "" && strings.HasPrefix(ref, "refs/heads/") {
		ev.Branch = strings.TrimPrefix(ref, "refs/heads/")
	}
	return ev, nil
}

// nameOf reads a JSON string, or the first of keys present in a JSON object.
func nameOf(raw json.RawMessage, keys ...string) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	for _, k := range keys {
		if v, ok := m[k]; ok && json.Unmarshal(v, &s) == nil {
			return s
		}
	}
	return ""
}
