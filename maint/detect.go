package maint

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"

	"porthole/gerrit"
	"porthole/gitops/gitlog"
	"porthole/internal/lazyre"
	"porthole/runbooks"
)

// Detection of the maintenance a deployed diff calls for (domain/004): a new
// namespace in wmf-config → namespaceDupes on those wikis; a changed
// wgCategoryCollation → updateCollation with --previous-collation from the
// removed line; a changed file under static/ → purgeList with its public URL
// (en.wikipedia.org, whatever the wiki).

func init() { runbooks.RegisterSuggester(DetectMaintenance) }

// DetectMaintenance reads a deployed `git log -p` (or plain diff) and returns
// the maintenance runbooks it calls for, with their parameters filled in.
func DetectMaintenance(patch []byte, _ []*gerrit.Change) []runbooks.Suggestion {
	d := &detection{collation: map[string]collationChange{}}
	for _, chunk := range splitCommits(patch) {
		files, _, _ := gitdiff.Parse(bytes.NewReader(chunk)) // keep what parsed before any error
		for _, f := range files {
			d.file(f)
		}
	}
	return d.suggestions()
}

// splitCommits cuts `git log -p` output at each "commit <sha>" line
// (gitlog.SplitLog), so each part is one patch for gitdiff.Parse; a plain
// diff stays whole.
func splitCommits(patch []byte) [][]byte {
	pre, commits := gitlog.SplitLog(patch)
	if len(commits) == 0 {
		return [][]byte{patch}
	}
	if len(pre) > 0 {
		return append([][]byte{pre}, commits...)
	}
	return commits
}

// detection accumulates findings over a whole log.
type detection struct {
	nsWikis   []string            // wikis (or dblist names) with a new namespace, in order
	nsNames   map[string][]string // wiki → namespaces added
	nsFiles   []string
	nsUnknown []string // namespaces added where the diff does not show the wiki
	collation map[string]collationChange
	collOrder []string
	collFiles []string
	static    []string // static/ paths
	// guessed: an entry was recognised by its shape, the setting's name
	// being outside the diff's context.
	nsGuessed, collGuessed bool
}

type collationChange struct {
	prev, next string
	assumed    bool // prev is MediaWiki's default, not a line of the diff
	file       string
}

// diffLine is one line of a hunk on one side, with its operation.
type diffLine struct {
	op   gitdiff.LineOp
	text string
}

func (d *detection) file(f *gitdiff.File) {
	for _, name := range []string{f.NewName, f.OldName} {
		if strings.HasPrefix(name, "static/") {
			d.static = appendUnique(d.static, name)
		}
	}
	name := f.NewName
	if name == "" {
		name = f.OldName
	}
	if !strings.HasPrefix(name, "wmf-config/") || !strings.HasSuffix(name, ".php") {
		return
	}
	for _, frag := range f.TextFragments {
		var lines []diffLine
		for _, l := range frag.Lines {
			lines = append(lines, diffLine{op: l.Op, text: strings.TrimRight(l.Line, "\r\n")})
		}
		d.fragment(name, lines)
	}
}

var (
	// 'key' => [   or   'key' => array(   (an opening line of a nested array)
	openerRe = lazyre.New(`^\s*['"](\+?[^'"]+)['"]\s*=>\s*(?:\[|array\s*\()\s*(?:(?://|#).*)?$`)
	// a line that opens an array without a key: return [, $x = [ …
	bareOpenRe = lazyre.New(`(?:\[|array\s*\()\s*(?:(?://|#).*)?$`)
	// 'key' => 'value',
	strValueRe = lazyre.New(`^\s*['"](\+?[^'"]+)['"]\s*=>\s*['"]([^'"]*)['"]\s*,?\s*(?:(?://|#).*)?$`)
	// 100 => 'Portal',  or  NS_PORTAL => 'Portal',
	nsEntryRe = lazyre.New(`^\s*(\d+|[A-Z][A-Z0-9_]*)\s*=>\s*['"]([^'"]+)['"]`)
	// 'WP' => NS_PROJECT,  or  'WP' => 4,  (namespace aliases)
	aliasEntryRe = lazyre.New(`^\s*['"]([^'"]+)['"]\s*=>\s*(\d+|[A-Z][A-Z0-9_]*)\s*,?`)
	// 'hewiki' => [ 100 => 'פורטל', … ],  (a whole wiki entry on one line)
	inlineWikiRe = lazyre.New(`^\s*['"](\+?[^'"]+)['"]\s*=>\s*(?:\[|array\s*\()(.*)(?:\]|\))\s*,?\s*(?:(?://|#).*)?$`)
	// $wgExtraNamespaces[100] = 'Portal';  (old style)
	oldStyleNsRe = lazyre.New(`\$wg(?:ExtraNamespaces|NamespaceAliases)\s*\[\s*([^\]]+)\]\s*=\s*(.+?);`)
	dbnameIfRe   = lazyre.New(`\$(?:wgDBname|wmgDBname|dbname)\s*===?\s*['"]([a-z0-9_]+)['"]|case\s+['"]([a-z0-9_]+)['"]\s*:`)
	defineNsRe   = lazyre.New(`define\(\s*['"](NS_[A-Z0-9_]+)['"]`)
	// MediaWiki's collation names: uppercase, numeric, identity, uca-default,
	// uca-default-u-kn, xx-uca-fa, uppercase-ab, remote-uca-default, …
	collationNameRe = lazyre.New(`^(?:[a-z]+-)*(?:uppercase|numeric|identity|uca)(?:-[a-z0-9-]+)?$`)
	// an extra namespace entry by its shape: 100+ or NS_X => 'Single_Token'
	// a namespace alias by its shape: 'WP' => NS_PROJECT,  or 'MOS' => 126,
	aliasShapeRe = lazyre.New(`^\s*['"]([^'"]+)['"]\s*=>\s*(NS_[A-Z0-9_]+|\d+)\s*,?\s*(?:(?://|#).*)?$`)
	nsShapeRe    = lazyre.New(`^\s*([1-9]\d{2,}|NS_[A-Z0-9_]+)\s*=>\s*['"]([^'"\s,]+)['"]\s*,?\s*(?:(?://|#).*)?$`)
)

// namespaceSettings are the settings whose change calls for namespaceDupes.
var namespaceSettings = map[string]bool{"wgExtraNamespaces": true, "wgNamespaceAliases": true}

// indent is a line's indentation width (a tab counts 4).
func indent(s string) int {
	n := 0
	for _, c := range s {
		switch c {
		case '\t':
			n += 4
		case ' ':
			n++
		default:
			return n
		}
	}
	return n
}

// keyPath is the chain of array keys enclosing lines[i] on one side of the
// hunk (old side: context and deleted lines; new side: context and added),
// found by indentation. complete is false when the hunk does not reach up to
// the outermost array.
func keyPath(lines []diffLine, i int, newSide bool) (path []string, complete bool) {
	cur := indent(lines[i].text)
	for j := i - 1; j >= 0 && cur > 0; j-- {
		l := lines[j]
		if (newSide && l.op == gitdiff.OpDelete) || (!newSide && l.op == gitdiff.OpAdd) {
			continue
		}
		if strings.TrimSpace(l.text) == "" || strings.HasPrefix(strings.TrimSpace(l.text), "//") || strings.HasPrefix(strings.TrimSpace(l.text), "#") {
			continue
		}
		in := indent(l.text)
		if in >= cur {
			continue
		}
		if m := openerRe.FindStringSubmatch(l.text); m != nil {
			path = append([]string{strings.TrimPrefix(m[1], "+")}, path...)
			cur = in
			continue
		}
		if bareOpenRe.MatchString(l.text) {
			cur = in
			continue
		}
		return path, false
	}
	return path, cur == 0
}

// settingAndWiki finds a setting of interest in a key path and the wiki key under it.
func settingAndWiki(path []string, want func(string) bool) (setting, wiki string, ok bool) {
	for i, k := range path {
		if want(k) {
			if i+1 < len(path) {
				return k, path[i+1], true
			}
			return k, "", true
		}
	}
	return "", "", false
}

func (d *detection) fragment(file string, lines []diffLine) {
	cs := collationScan{removed: map[string]string{}, added: map[string]string{}}
	for i, l := range lines {
		path, complete := keyPath(lines, i, l.op != gitdiff.OpDelete)
		d.collationLine(&cs, l, path, complete)
		if l.op == gitdiff.OpAdd {
			d.namespaceLine(file, lines, i, path, complete)
		}
	}
	d.addCollations(file, cs)
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

// namespaceLine reads an added line for a new namespace or alias.
func (d *detection) namespaceLine(file string, lines []diffLine, i int, path []string, complete bool) {
	l := lines[i]
	if m := defineNsRe.FindStringSubmatch(l.text); m != nil {
		d.nsUnknown = appendUnique(d.nsUnknown, m[1])
		d.nsFiles = appendUnique(d.nsFiles, file)
	}
	if m := oldStyleNsRe.FindStringSubmatch(l.text); m != nil {
		w := ""
		for j := i - 1; j >= 0 && w == ""; j-- {
			if lines[j].op == gitdiff.OpDelete {
				continue
			}
			if mm := dbnameIfRe.FindStringSubmatch(lines[j].text); mm != nil {
				w = mm[1] + mm[2]
			}
		}
		d.addNamespace(file, w, strings.Trim(m[2], `'" `))
		return
	}
	setting, wiki, ok := settingAndWiki(path, func(k string) bool { return namespaceSettings[k] })
	switch {
	case ok && wiki != "":
		if m := nsEntryRe.FindStringSubmatch(l.text); m != nil && setting == "wgExtraNamespaces" {
			d.addNamespace(file, wiki, m[2]+" ("+m[1]+")")
		} else if m := aliasEntryRe.FindStringSubmatch(l.text); m != nil && setting == "wgNamespaceAliases" {
			d.addNamespace(file, wiki, "alias "+m[1])
		}
	case ok:
		d.wikiEntry(file, l.text)
	case !complete && len(path) <= 1:
		d.namespaceShape(file, lines, l.text, path)
	}
}

// wikiEntry reads a line that is a wiki's entry itself, opening or whole.
func (d *detection) wikiEntry(file, text string) {
	m := inlineWikiRe.FindStringSubmatch(text)
	if m == nil {
		return
	}
	w := strings.TrimPrefix(m[1], "+")
	names := nsEntryRe.FindAllStringSubmatch(strings.ReplaceAll(m[2], ",", ",\n"), -1)
	if len(names) == 0 {
		d.addNamespace(file, w, "new entry")
	}
	for _, n := range names {
		d.addNamespace(file, w, strings.TrimSpace(n[2])+" ("+n[1]+")")
	}
}

// namespaceShape reads an added entry shaped like an extra namespace whose
// setting the hunk does not show: under a wiki key (path of one), or with no key visible.
func (d *detection) namespaceShape(file string, lines []diffLine, text string, path []string) {
	name := ""
	if m := nsShapeRe.FindStringSubmatch(text); m != nil {
		name = m[2] + " (" + m[1] + ")"
	} else if m := aliasShapeRe.FindStringSubmatch(text); m != nil && (strings.HasPrefix(m[2], "NS_") || hunkHasNSConstant(lines)) {
		name = "alias " + m[1]
	}
	if name == "" {
		return
	}
	w := ""
	if len(path) == 1 {
		w = path[0]
		if !runbooks.IsWikiName(w) && w != "default" {
			return
		}
	}
	d.nsGuessed = true
	d.addNamespace(file, w, name)
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

func (d *detection) addNamespace(file, wiki, name string) {
	d.nsFiles = appendUnique(d.nsFiles, file)
	if wiki == "" {
		d.nsUnknown = appendUnique(d.nsUnknown, name)
		return
	}
	wiki = strings.TrimPrefix(wiki, "+")
	if wiki == "default" {
		wiki = "all"
	}
	if d.nsNames == nil {
		d.nsNames = map[string][]string{}
	}
	d.nsWikis = appendUnique(d.nsWikis, wiki)
	d.nsNames[wiki] = appendUnique(d.nsNames[wiki], name)
}

func (d *detection) suggestions() []runbooks.Suggestion {
	var out []runbooks.Suggestion
	if len(d.nsWikis) > 0 {
		var parts []string
		for _, w := range d.nsWikis {
			parts = append(parts, w+": "+strings.Join(d.nsNames[w], ", "))
		}
		out = append(out, runbooks.Suggestion{
			Runbook: KindNamespaceDupes,
			Params:  map[string]string{"wiki": strings.Join(d.nsWikis, ",")},
			Reason:  "new namespace in " + strings.Join(d.nsFiles, ", ") + " (" + strings.Join(parts, "; ") + ")" + guessNote(d.nsGuessed) + ": run namespaceDupes, dry run first",
		})
	}
	if len(d.nsUnknown) > 0 && len(d.nsWikis) == 0 {
		out = append(out, runbooks.Suggestion{
			Runbook: KindNamespaceDupes,
			Params:  map[string]string{},
			Reason:  "new namespace " + strings.Join(d.nsUnknown, ", ") + " in " + strings.Join(d.nsFiles, ", ") + guessNote(d.nsGuessed) + ", for wikis the diff does not show: fill in the wiki",
		})
	}
	// updateCollation: one suggestion per previous collation.
	byPrev := map[string][]string{}
	var prevs []string
	var notes = map[string][]string{}
	for _, w := range d.collOrder {
		c := d.collation[w]
		if w == "default" {
			out = append(out, runbooks.Suggestion{
				Runbook: KindUpdateCollation,
				Params:  map[string]string{"previous_collation": c.prev},
				Reason: fmt.Sprintf("wgCategoryCollation 'default' changed from %s to %s in %s: every wiki without its own value needs updateCollation; fill in the wikis",
					c.prev, orDefault(c.next), c.file),
			})
			continue
		}
		if _, ok := byPrev[c.prev]; !ok {
			prevs = append(prevs, c.prev)
		}
		byPrev[c.prev] = append(byPrev[c.prev], w)
		n := fmt.Sprintf("%s %s → %s", w, c.prev, orDefault(c.next))
		if c.assumed {
			n += " (previous value assumed: MediaWiki's default, the diff does not show 'default')"
		}
		notes[c.prev] = append(notes[c.prev], n)
	}
	for _, p := range prevs {
		out = append(out, runbooks.Suggestion{
			Runbook: KindUpdateCollation,
			Params:  map[string]string{"wiki": strings.Join(byPrev[p], ","), "previous_collation": p},
			Reason:  "wgCategoryCollation changed in " + strings.Join(d.collFiles, ", ") + " (" + strings.Join(notes[p], "; ") + ")" + guessNote(d.collGuessed),
		})
	}
	if len(d.static) > 0 {
		urls := make([]string, len(d.static))
		for i, p := range d.static {
			urls[i] = "https://en.wikipedia.org/" + p
		}
		out = append(out, runbooks.Suggestion{
			Runbook: KindPurgeList,
			Params:  map[string]string{"urls": strings.Join(urls, " ")},
			Reason:  "changed /static file(s) " + strings.Join(d.static, ", ") + ": cached for up to a year, purge their public URLs (with en.wikipedia.org)",
		})
	}
	return out
}

// hunkHasNSConstant: some line maps a key to an NS_ constant (an alias list).
func hunkHasNSConstant(lines []diffLine) bool {
	for _, l := range lines {
		if strings.Contains(l.text, "=> NS_") {
			return true
		}
	}
	return false
}

func guessNote(g bool) string {
	if g {
		return " [recognised by its shape: the setting's name is outside the diff context; check it]"
	}
	return ""
}

func orDefault(s string) string {
	if s == "" {
		return "the default"
	}
	return s
}

func appendUnique(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}
