package maint

import (
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"

	"porthole/runbooks"
)

// namespaceSettings are the settings whose change calls for namespaceDupes.
var namespaceSettings = map[string]bool{"wgExtraNamespaces": true, "wgNamespaceAliases": true}

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

// hunkHasNSConstant: some line maps a key to an NS_ constant (an alias list).
func hunkHasNSConstant(lines []diffLine) bool {
	for _, l := range lines {
		if strings.Contains(l.text, "=> NS_") {
			return true
		}
	}
	return false
}
