package maint

import (
	"slices"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"

	"porthole/runbooks"
)

type collationChange struct {
	prev, next string
	assumed    bool // prev is MediaWiki's default, not a line of the diff
	file       string
}

// collationScan is what a fragment says of wgCategoryCollation.
type collationScan struct {
	removed  map[string]string // wiki → value on the old side (deleted lines)
	added    map[string]string
	defaults string   // the 'default' value in context
	keys     []string // wikis whose value changed, in order
}

// collationLine reads 'wiki' => 'value' directly under wgCategoryCollation
// (or shaped like it, when the setting is above the hunk).
func (d *detection) collationLine(cs *collationScan, l diffLine, path []string, complete bool) {
	m := strValueRe.FindStringSubmatch(l.text)
	coll := len(path) > 0 && path[len(path)-1] == "wgCategoryCollation"
	if !coll && m != nil && !complete && len(path) == 0 && collationNameRe.MatchString(m[2]) &&
		(runbooks.IsWikiName(strings.TrimPrefix(m[1], "+")) || m[1] == "default") {
		coll = true
		if l.op != gitdiff.OpContext {
			d.collGuessed = true
		}
	}
	if !coll || m == nil {
		return
	}
	w := strings.TrimPrefix(m[1], "+")
	switch l.op {
	case gitdiff.OpDelete:
		cs.removed[w] = m[2]
	case gitdiff.OpAdd:
		cs.added[w] = m[2]
	default:
		if w == "default" {
			cs.defaults = m[2]
		}
	}
	if l.op != gitdiff.OpContext && !slices.Contains(cs.keys, w) {
		cs.keys = append(cs.keys, w)
	}
}

// addCollations records each wiki whose collation the fragment changed, with
// its previous value (the default's when it had none of its own).
func (d *detection) addCollations(file string, cs collationScan) {
	oldDefault, newDefault := cs.defaults, cs.defaults
	if v, ok := cs.removed["default"]; ok {
		oldDefault = v
	}
	if v, ok := cs.added["default"]; ok {
		newDefault = v
	}
	for _, w := range cs.keys {
		prev, hadPrev := cs.removed[w]
		next, hasNext := cs.added[w]
		c := collationChange{prev: prev, next: next, file: file}
		switch {
		case hadPrev && hasNext && prev == next:
			continue
		case !hadPrev && hasNext:
			// A wiki gets its own value: it had the default before.
			c.prev = oldDefault
			if c.prev == "" {
				c.prev, c.assumed = "uppercase", true
			}
		case hadPrev && !hasNext:
			// Its own value is gone: it goes to the default.
			c.next = newDefault
		}
		if _, seen := d.collation[w]; !seen {
			d.collOrder = append(d.collOrder, w)
		}
		d.collation[w] = c
		d.collFiles = appendUnique(d.collFiles, file)
	}
}
