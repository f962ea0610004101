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
