// Package maint holds the maintenance runbooks (namespaceDupes,
// updateCollation, purgeList, createExtensionTables), their detection from a
// deployed diff, and the deployer's own YAML runbooks.
package maint

import (
	"context"
	"fmt"
	"strings"

	"porthole/config"
	"porthole/remote"
	"porthole/runbooks"
)

// The built-in maintenance runbooks (domain/004 "Maintenance scripts";
// reference/eco.md section 5). Each runs on the maintenance host with the
// configured mwscript, over one wiki or a list (one run per wiki, in order,
// with per-wiki progress), with the dry-run-first rule where the script has a
// dry run, and reads each run's output, not only its exit code.

// Names of the built-in maintenance runbooks.
const (
	KindNamespaceDupes        = "namespaceDupes"
	KindUpdateCollation       = "updateCollation"
	KindPurgeList             = "purgeList"
	KindCreateExtensionTables = "createExtensionTables"
)

// Parameters shared by the built-ins.
var (
	paramWikis = runbooks.ParamSpec{Name: "wiki", Type: runbooks.ParamWikiList, Required: true,
		Help: "wiki database names or dblist names, comma-separated (hewiki,frwiki or wikipedia)"}
	paramOnFailure = runbooks.ParamSpec{Name: "on_failure", Type: runbooks.ParamEnum, Allowed: []string{"stop", "continue"}, Default: "stop",
		Help: "with several wikis: stop at the first failure, or continue with the others and sum up"}
	paramTmux = runbooks.ParamSpec{Name: "tmux", Type: runbooks.ParamBool, Default: "true",
		Help: "run inside a tmux session on the maintenance host, so that a dropped connection does not kill the script"}
)

func tmuxParam(def string) runbooks.ParamSpec {
	p := paramTmux
	p.Default = def
	return p
}

func init() {
	registerMaint(KindNamespaceDupes, []runbooks.ParamSpec{paramWikis, paramOnFailure, paramTmux}, namespaceDupesSteps)
	registerMaint(KindUpdateCollation, []runbooks.ParamSpec{
		paramWikis,
		{Name: "previous_collation", Type: runbooks.ParamString, Required: true, Pattern: `[A-Za-z0-9][A-Za-z0-9_.-]*`,
			Help: "the wiki's previous $wgCategoryCollation, the removed line's value; uppercase is MediaWiki's default"},
		{Name: "dry_run", Type: runbooks.ParamBool, Default: "true", Help: "run updateCollation.php --dry-run first and show what it would update"},
		paramOnFailure, paramTmux,
	}, updateCollationSteps)
	registerMaint(KindPurgeList, []runbooks.ParamSpec{
		{Name: "urls", Type: runbooks.ParamURLList, Required: true, Prepare: staticURL, Check: checkPurgeURLs,
			Help: "URLs to purge from the CDN; /static files as https://en.wikipedia.org/static/… (a bare static/… path is completed)"},
		{Name: "wiki", Type: runbooks.ParamWiki, Help: "run purgeList.php with --wiki=WIKI (not needed for /static URLs)"},
		tmuxParam("false"),
	}, purgeListSteps)
	registerMaint(KindCreateExtensionTables, []runbooks.ParamSpec{
		paramWikis,
		{Name: "extension", Type: runbooks.ParamString, Required: true, Pattern: `[A-Za-z][A-Za-z0-9_]*`,
			Help: "the extension, as createExtensionTables.php names it (e.g. pageassessments, babel, echo, linter, oathauth, translate)"},
		paramOnFailure, tmuxParam("false"),
	}, createExtensionTablesSteps)
}

// maintValues are a maintenance runbook's validated parameters, wiki lists expanded.
type maintValues struct {
	vals  map[string]string
	wikis []string
}

func (m maintValues) bool(name string) bool { return m.vals[name] == "true" }
func (m maintValues) stop() bool            { return m.vals["on_failure"] != "continue" }

// registerMaint registers a built-in: its schema and a builder that
// validates, checks wikis on the host, then lays out the steps.
func registerMaint(kind string, specs []runbooks.ParamSpec, steps func(env *runbooks.Env, m maintValues) (string, []*runbooks.Step)) {
	runbooks.RegisterParams(kind, specs)
	runbooks.Register(kind, func(ctx context.Context, env *runbooks.Env, raw map[string]string) (*runbooks.Plan, error) {
		vals, err := runbooks.ValidateParams(kind, specs, raw)
		if err != nil {
			return nil, err
		}
		exp := make(map[string]string, len(vals))
		for k, v := range vals {
			exp[k] = v
		}
		if err := checkWikis(ctx, env, kind, specs, exp); err != nil {
			return nil, err
		}
		m := maintValues{vals: exp}
		if w := exp["wiki"]; w != "" {
			m.wikis = strings.Split(w, ",")
		}
		title, st := steps(env, m)
		return &runbooks.Plan{Kind: kind, Title: title, Params: vals, Steps: st}, nil
	})
}

// onWikis is "hewiki" or "3 wikis (hewiki, frwiki, dewiki)".
func onWikis(ws []string) string {
	if len(ws) == 1 {
		return ws[0]
	}
	show := ws
	more := ""
	if len(show) > 5 {
		show, more = show[:5], ", …"
	}
	return fmt.Sprintf("%d wikis (%s%s)", len(ws), strings.Join(show, ", "), more)
}

// commandList is a step's Command for several runs: each exact command line,
// at most 20, then the remaining keys.
func commandList(runs []maintRun) string {
	var lines []string
	for i, r := range runs {
		if i == 20 {
			var rest []string
			for _, x := range runs[20:] {
				rest = append(rest, x.Key)
			}
			lines = append(lines, fmt.Sprintf("# … and the same for %d more: %s", len(rest), strings.Join(rest, " ")))
			break
		}
		lines = append(lines, r.Cmd)
	}
	return strings.Join(lines, "\n")
}

// perWiki builds one run per wiki: mwscript followed by args(wiki), each word quoted.
func perWiki(env *runbooks.Env, wikis []string, args func(w string) []string) []maintRun {
	runs := make([]maintRun, len(wikis))
	for i, w := range wikis {
		runs[i] = maintRun{Key: w, Cmd: mwscript(env) + " " + remote.QuoteAll(args(w)...)}
	}
	return runs
}

// loopStep makes a step that runs runs with runLoop.
func loopStep(id, title string, runs []maintRun, ls loopSpec) *runbooks.Step {
	ls.Var = id
	return &runbooks.Step{
		ID:      id,
		Title:   title,
		Role:    ls.Role,
		Command: commandList(runs),
		Do: func(ctx context.Context, sc *runbooks.StepContext) error {
			return runLoop(ctx, sc, runs, ls)
		},
		Check: func(ctx context.Context, sc *runbooks.StepContext) (bool, error) {
			return loopDone(sc, id, runs), nil
		},
		Unneeded: func(f *runbooks.Facts) string { return nothingAfterDry(f, ls.RequireDry, runs) },
	}
}

// nothingAfterDry says why an irreversible step need not run at all (nor
// ask): every run's dry run (step dryID) found nothing to do. "" when one
// found something, one has not run, or there is no dry run.
func nothingAfterDry(f *runbooks.Facts, dryID string, runs []maintRun) string {
	if dryID == "" || len(runs) == 0 {
		return ""
	}
	var keys []string
	for _, r := range runs {
		v := f.Run(runbooks.RunKey(dryID, r.Key)).Outcome
		if v == "" {
			v = f.Run(runbooks.RunKey(dryID, "all")).Outcome
		}
		st, sum := recordState(v)
		if st != stateNothing {
			return ""
		}
		keys = append(keys, r.Key+" ("+sum+")")
	}
	return "its dry run found nothing to do: " + strings.Join(keys, "; ")
}

// skipUnlessDry tells whether key must be left out of an irreversible step
// because its dry run (step dryID, per key or for "all") failed or found
// nothing to do.
func skipUnlessDry(sc *runbooks.StepContext, dryID, key string) (bool, string) {
	v := outcomeOf(sc, dryID, key)
	if v == "" {
		v = outcomeOf(sc, dryID, "all")
	}
	st, sum := recordState(v)
	switch st {
	case stateOK:
		return false, ""
	case stateNothing:
		return true, "its dry run found nothing to do (" + sum + ")"
	}
	return true, "its dry run failed (" + sum + ")"
}

// irreversibleGate asks before an irreversible step; the runner adds the
// exact commands and the host to its detail.
func irreversibleGate(prompt, note string) *runbooks.Gate {
	return &runbooks.Gate{Kind: runbooks.GateConfirm, Prompt: prompt, Detail: note, Default: "n"}
}

// namespaceDupes: `mwscript namespaceDupes.php WIKI` (a dry run), its result
// shown, then `--fix` only after confirmation and only where the dry run
// ended in "Looks good!".
func namespaceDupesSteps(env *runbooks.Env, m maintValues) (string, []*runbooks.Step) {
	dry := perWiki(env, m.wikis, func(w string) []string { return []string{"namespaceDupes.php", w} })
	fix := perWiki(env, m.wikis, func(w string) []string { return []string{"namespaceDupes.php", w, "--fix"} })
	tmux := m.bool("tmux")
	s1 := loopStep("dry-run", "Dry run: namespaceDupes.php on "+onWikis(m.wikis), dry, loopSpec{
		Name: "namespaceDupes (dry run)", Role: config.RoleMaintenance, Tmux: tmux,
		StopOnFailure: m.stop(), Tolerate: !m.stop(), Interpret: interpretNamespaceDupes,
	})
	s2 := loopStep("fix", "namespaceDupes.php --fix on "+onWikis(m.wikis), fix, loopSpec{
		Name: "namespaceDupes --fix", Role: config.RoleMaintenance, Tmux: tmux,
		StopOnFailure: m.stop(), Interpret: interpretNamespaceDupes,
		RequireDry: "dry-run",
	})
	s1.DryRun = true
	s2.Irreversible = true
	s2.Gate = irreversibleGate(fmt.Sprintf("Run namespaceDupes.php --fix on %s? It moves pages and rewrites links.", onWikis(m.wikis)),
		"Only wikis whose dry run ended in \"Looks good!\" with something to fix are run.")
	s2.Undo = "namespaceDupes moves pages: move them back by hand (each wiki's Special:Log/move)"
	return "namespaceDupes on " + onWikis(m.wikis), []*runbooks.Step{s1, s2}
}

// updateCollation: `mwscript updateCollation.php --wiki=WIKI
// --previous-collation=VALUE`, after a --dry-run that shows how many rows it
// would update (and that the previous collation is right).
func updateCollationSteps(env *runbooks.Env, m maintValues) (string, []*runbooks.Step) {
	prev := m.vals["previous_collation"]
	args := func(w string) []string {
		return []string{"updateCollation.php", "--wiki=" + w, "--previous-collation=" + prev}
	}
	run := perWiki(env, m.wikis, args)
	tmux := m.bool("tmux")
	var steps []*runbooks.Step
	requireDry := ""
	note := ""
	if m.bool("dry_run") {
		dry := perWiki(env, m.wikis, func(w string) []string { return append(args(w), "--dry-run") })
		d := loopStep("dry-run", "Dry run: updateCollation.php on "+onWikis(m.wikis), dry, loopSpec{
			Name: "updateCollation (dry run)", Role: config.RoleMaintenance, Tmux: tmux,
			StopOnFailure: m.stop(), Tolerate: !m.stop(), Interpret: interpretUpdateCollationDry,
		})
		d.DryRun = true
		steps = append(steps, d)
		requireDry = "dry-run"
		note = "Only wikis whose dry run found rows to update are run."
	}
	s := loopStep("update", "updateCollation.php on "+onWikis(m.wikis), run, loopSpec{
		Name: "updateCollation", Role: config.RoleMaintenance, Tmux: tmux,
		StopOnFailure: m.stop(), Interpret: interpretUpdateCollation, RequireDry: requireDry,
	})
	s.Irreversible = true
	s.Gate = irreversibleGate(fmt.Sprintf("Run updateCollation.php on %s (previous collation %s)?", onWikis(m.wikis), prev), note)
	s.Undo = "run updateCollation.php again with the collation set back in wmf-config"
	steps = append(steps, s)
	return "updateCollation on " + onWikis(m.wikis) + " from " + prev, steps
}

// purgeList: `echo URL | mwscript purgeList.php`, for /static files with
// en.wikipedia.org as the host (their cache is shared by every wiki).
func purgeListSteps(env *runbooks.Env, m maintValues) (string, []*runbooks.Step) {
	urls := strings.Fields(m.vals["urls"])
	cmd := "printf '%s\\n' " + remote.QuoteAll(urls...) + " | " + mwscript(env) + " purgeList.php"
	if w := m.vals["wiki"]; w != "" {
		cmd += " " + remote.Quote("--wiki="+w)
	}
	run := []maintRun{{Key: "all", Cmd: cmd}}
	s := loopStep("purge", fmt.Sprintf("Purge %d URL(s) from the CDN", len(urls)), run, loopSpec{
		Name: "purgeList", Role: config.RoleMaintenance, Tmux: m.bool("tmux"), StopOnFailure: true,
		Interpret: interpretPurgeList(len(urls)),
	})
	s.Gate = &runbooks.Gate{Kind: runbooks.GateConfirm, Prompt: fmt.Sprintf("Purge %d URL(s) from the CDN?", len(urls)),
		Default: "y"}
	s.Retries = 1
	title := "purgeList " + urls[0]
	if len(urls) > 1 {
		title = fmt.Sprintf("purgeList %s and %d more", urls[0], len(urls)-1)
	}
	return title, []*runbooks.Step{s}
}

// staticURL completes a bare static/… path to its public URL.
func staticURL(v string) string {
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		switch {
		case strings.HasPrefix(f, "static/"):
			f = "https://en.wikipedia.org/" + f
		case strings.HasPrefix(f, "/static/"):
			f = "https://en.wikipedia.org" + f
		}
		out = append(out, f)
	}
	return strings.Join(out, " ")
}

// checkPurgeURLs applies the /static host rule.
func checkPurgeURLs(v string) (string, error) {
	for _, u := range strings.Fields(v) {
		rest := u[strings.Index(u, "://")+3:]
		host, path, _ := strings.Cut(rest, "/")
		if strings.HasPrefix("/"+path, "/static/") && host != "en.wikipedia.org" {
			return "", fmt.Errorf("%s: /static files are purged with en.wikipedia.org as the host, whatever wiki they are for (the /static cache is shared): use https://en.wikipedia.org/%s", u, path)
		}
	}
	return v, nil
}

// createExtensionTables: `mwscript
// extensions/WikimediaMaintenance/createExtensionTables.php WIKI EXTENSION`.
func createExtensionTablesSteps(env *runbooks.Env, m maintValues) (string, []*runbooks.Step) {
	ext := m.vals["extension"]
	runs := perWiki(env, m.wikis, func(w string) []string {
		return []string{"extensions/WikimediaMaintenance/createExtensionTables.php", w, ext}
	})
	s := loopStep("create", fmt.Sprintf("Create %s tables on %s", ext, onWikis(m.wikis)), runs, loopSpec{
		Name: "createExtensionTables " + ext, Role: config.RoleMaintenance, Tmux: m.bool("tmux"),
		StopOnFailure: m.stop(), Interpret: interpretCreateExtensionTables,
	})
	s.Irreversible = true
	s.Gate = irreversibleGate(fmt.Sprintf("Create the %s tables on %s?", ext, onWikis(m.wikis)), "")
	s.Undo = "drop the created tables (ask a DBA)"
	return fmt.Sprintf("createExtensionTables %s on %s", ext, onWikis(m.wikis)), []*runbooks.Step{s}
}
