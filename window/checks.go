package window

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"porthole/gerrit"
	"porthole/gitops"
	"porthole/internal/lazyre"
	"porthole/runbooks"
)

var (
	sqlDirRe  = lazyre.New(`(^|/)sql/`)
	l10nDirRe = lazyre.New(`(^|/)(i18n|languages)/`)
)

// IsSchemaFile is true for a file that changes the database schema: anything
// under sql/, a .sql patch, or core's abstract schema maintenance/tables.json.
func IsSchemaFile(p string) bool {
	return sqlDirRe.MatchString(p) || strings.HasSuffix(p, ".sql") ||
		p == "maintenance/tables.json" || strings.HasSuffix(p, "/maintenance/tables.json")
}

// IsL10nFile is true for a file whose change needs a localisation-cache rebuild.
func IsL10nFile(p string) bool { return l10nDirRe.MatchString(p) }

// IsStaticFile is true for a mediawiki-config file served from /static.
func IsStaticFile(p string) bool { return strings.HasPrefix(p, "static/") }

func ownerName(ch *gerrit.Change) string {
	switch {
	case ch.Owner.Name != "":
		return ch.Owner.Name
	case ch.Owner.Username != "":
		return ch.Owner.Username
	case ch.Owner.Email != "":
		return ch.Owner.Email
	}
	return "the owner"
}

func firstPaths(ps []string, n int) string {
	if len(ps) <= n {
		return strings.Join(ps, ", ")
	}
	return strings.Join(ps[:n], ", ") + fmt.Sprintf(" and %d more", len(ps)-n)
}

// ChangeWarnings are what a careful deployer notices about one change and
// where it lands (the window-wide ones come from WindowWarnings).
func ChangeWarnings(ch *gerrit.Change, loc *Location) []runbooks.Warning {
	var ws []runbooks.Warning
	add := func(l runbooks.Level, code, format string, args ...any) {
		ws = append(ws, runbooks.Warning{Level: l, Code: code, Change: ch.Number, Text: fmt.Sprintf(format, args...)})
	}
	if loc != nil && !loc.Live {
		add(runbooks.Danger, "not-deployed", "change %d is on %s but %s is not in wikiversions.json: no wiki runs that version, so the backport changes nothing live (check the MediaWiki versions before going on)",
			ch.Number, ch.Branch, loc.Repo)
	}
	var schema, l10n, static []string
	for _, f := range ch.Files {
		for _, p := range []string{f.Path, f.OldPath} {
			if p == "" {
				continue
			}
			if IsSchemaFile(p) {
				schema = append(schema, p)
			}
			if IsL10nFile(p) {
				l10n = append(l10n, p)
			}
			if ch.IsConfig() && IsStaticFile(p) {
				static = append(static, p)
			}
		}
	}
	if len(schema) > 0 {
		add(runbooks.Danger, "schema", "change %d changes the database schema (%s): schema changes never ride a backport window (MediaWiki database policy); ask %s to file a schema-change task for the DBAs instead",
			ch.Number, firstPaths(schema, 3), ownerName(ch))
	}
	if len(l10n) > 0 {
		add(runbooks.Warn, "l10n", "change %d touches localisation files (%s): messages only change after a localisation-cache rebuild, which scap sync-file does not do; porthole syncs this window with the full sync (scap sync-world, ~20 minutes), which does",
			ch.Number, firstPaths(l10n, 3))
	}
	if len(static) > 0 {
		var urls []string
		for _, p := range static {
			urls = append(urls, "https://en.wikipedia.org/"+p)
		}
		add(runbooks.Warn, "static", "change %d changes files under /static, cached for up to a year: after the sync purge them (echo URL | mwscript purgeList.php): %s",
			ch.Number, firstPaths(urls, 3))
	}
	for _, v := range ch.Labels["Code-Review"] {
		if v.Value <= -2 {
			add(runbooks.Danger, "rejected", "change %d has Code-Review -2 from %s: it will not merge", ch.Number, accountName(v.Account))
		}
	}
	if ch.Status != "MERGED" {
		if ch.Mergeable != nil && !*ch.Mergeable {
			add(runbooks.Warn, "not-mergeable", "change %d is not mergeable as is (Gerrit says it needs a rebase): ask %s to rebase it", ch.Number, ownerName(ch))
		}
		for _, v := range ch.Labels["Verified"] {
			if v.Value < 0 {
				add(runbooks.Warn, "ci-failed", "change %d has Verified %d from %s: CI failed on it; the +2 will re-run the gate, but look at the failure first", ch.Number, v.Value, accountName(v.Account))
			}
		}
	} else {
		add(runbooks.Info, "merged", "change %d is already merged: no +2 needed, it only needs deploying", ch.Number)
	}
	return ws
}

func accountName(a gerrit.Account) string {
	switch {
	case a.Username != "":
		return a.Username
	case a.Name != "":
		return a.Name
	}
	return fmt.Sprintf("account %d", a.ID)
}

// WindowWarnings are about the window as a whole: its time, and Depends-On
// footers that point outside it and are not merged.
func WindowWarnings(ctx context.Context, env *runbooks.Env, changes []*gerrit.Change) []runbooks.Warning {
	var ws []runbooks.Warning
	now := time.Now()
	if env.Now != nil {
		now = env.Now()
	}
	switch now.UTC().Weekday() {
	case time.Friday, time.Saturday, time.Sunday:
		ws = append(ws, runbooks.Warning{Level: runbooks.Warn, Code: "weekend", Text: fmt.Sprintf(
			"it is %s (UTC): deploying on Fridays and weekends needs approval from RelEng and SRE; if in doubt, stick to the normal windows",
			now.UTC().Weekday())})
	}
	inWindow := map[string]bool{}
	for _, ch := range changes {
		inWindow[ch.ChangeID] = true
		inWindow[fmt.Sprint(ch.Number)] = true
	}
	for _, ch := range changes {
		for _, dep := range ch.DependsOn {
			if inWindow[dep] {
				continue
			}
			if env.Gerrit == nil {
				continue
			}
			d, err := env.Gerrit.Resolve(ctx, dep)
			switch {
			case err != nil:
				ws = append(ws, runbooks.Warning{Level: runbooks.Warn, Code: "depends-on", Change: ch.Number, Text: fmt.Sprintf(
					"change %d has Depends-On: %s, which porthole could not check (%v): make sure it is merged and deployed", ch.Number, dep, err)})
			case d.Status != "MERGED":
				ws = append(ws, runbooks.Warning{Level: runbooks.Warn, Code: "depends-on", Change: ch.Number, Text: fmt.Sprintf(
					"change %d has Depends-On: %s (change %d, %s %s) which is %s, not merged: deploy it in this window too or wait",
					ch.Number, dep, d.Number, d.Project, d.Branch, strings.ToLower(d.Status))})
			}
		}
	}
	return ws
}

// StatusFindings sorts a repository's `git status` into what is expected on
// a deployment host (local security-patch commits, in the repository or in a
// submodule) and what stops the window (anything else dirty).
type StatusFindings struct {
	Expected []string // one line each
	Problems []string // one line each
}

// AssessStatus reads a RepoStatus the way a careful deployer reads `git status`.
func AssessStatus(st *gitops.RepoStatus) StatusFindings {
	var f StatusFindings
	switch {
	case st.Branch == "":
		f.Problems = append(f.Problems, fmt.Sprintf("%s has a detached HEAD (a rebase, bisect or checkout left half done?)", st.Dir))
	case st.Upstream == "":
		f.Problems = append(f.Problems, fmt.Sprintf("%s: branch %s has no upstream, so HEAD..@{u} means nothing", st.Dir, st.Branch))
	}
	if len(st.LocalCommits) > 0 {
		var subj []string
		for _, c := range st.LocalCommits {
			subj = append(subj, c.Short()+" "+c.Subject)
		}
		f.Expected = append(f.Expected, fmt.Sprintf("%d local commit(s) on top of %s (security patches, kept by the rebase): %s",
			len(st.LocalCommits), st.Upstream, strings.Join(subj, "; ")))
	}
	if st.Behind > 0 {
		f.Expected = append(f.Expected, fmt.Sprintf("%d commit(s) were already fetched but not rebased before this window: the review will show them", st.Behind))
	}
	subs := map[string]gitops.SubmoduleState{}
	for _, s := range st.Submodules {
		subs[s.Path] = s
	}
	for _, e := range st.Entries {
		switch {
		case e.Submodule && e.CommitChanged && !e.Modified && !e.Untracked && e.XY == ".M":
			s := subs[e.Path]
			switch s.Relation {
			case gitops.SubAhead:
				var subj []string
				for _, c := range s.LocalCommits {
					subj = append(subj, c.Short()+" "+c.Subject)
				}
				f.Expected = append(f.Expected, fmt.Sprintf("%s has %d local commit(s) (security patches): %s", e.Path, len(s.LocalCommits), strings.Join(subj, "; ")))
			case gitops.SubBehind:
				f.Problems = append(f.Problems, fmt.Sprintf("%s is checked out at %s but %s records %s: a `git submodule update %s` was forgotten, so production may not run what git says",
					e.Path, abbrev(s.CheckedOut), path.Base(st.Dir), abbrev(s.Recorded), e.Path))
			default:
				f.Problems = append(f.Problems, fmt.Sprintf("%s is checked out at %s, %s from the recorded %s", e.Path, abbrev(s.CheckedOut), s.Relation, abbrev(s.Recorded)))
			}
		case e.Submodule:
			what := []string{}
			if e.Modified {
				what = append(what, "modified files")
			}
			if e.Untracked {
				what = append(what, "untracked files")
			}
			if e.CommitChanged && e.XY != ".M" {
				what = append(what, "a staged gitlink ("+e.XY+")")
			}
			if len(what) == 0 {
				what = append(what, "changes ("+e.XY+")")
			}
			f.Problems = append(f.Problems, fmt.Sprintf("submodule %s has %s", e.Path, strings.Join(what, " and ")))
		case e.Kind == '?':
			f.Problems = append(f.Problems, fmt.Sprintf("untracked %s (scap sync-file would ship it)", e.Path))
		case e.Kind == 'u':
			f.Problems = append(f.Problems, fmt.Sprintf("unmerged %s (a conflict left unresolved)", e.Path))
		default:
			f.Problems = append(f.Problems, fmt.Sprintf("uncommitted change %s", strings.TrimSpace(e.String())))
		}
	}
	return f
}

func abbrev(sha string) string {
	if len(sha) > 10 {
		return sha[:10]
	}
	if sha == "" {
		return "(nothing)"
	}
	return sha
}
