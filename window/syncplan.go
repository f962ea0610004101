package window

import (
	"fmt"
	"strings"

	"porthole/config"
	"porthole/gerrit"
	"porthole/runbooks"
)

// syncCmd is one production sync a sync step runs: the path (none for the
// full sync) and the SAL text of what it deploys.
type syncCmd struct {
	Path    string // "" for the full sync (scap sync-world)
	Message string
	Cmd     string // the command line, from the configured template
}

// syncCommands is what sync step sg runs, recomputed from what the window
// has learned: its own path with the SAL text of its changes, and, once the
// deployer accepted unexpected commits at the review, their paths too, each
// with an honest "unexpected commit by AUTHOR" text. A path of an extra
// commit that a planned sync covers adds that text to the covering sync's
// message; the others are synced by the checkout's last sync step.
func (bp *backport) syncCommands(sg *syncGroup, f *runbooks.Facts) []syncCmd {
	var links []string
	for _, ch := range sg.Changes {
		links = append(links, gerrit.SALLink(ch))
	}
	var extraPaths []string
	extraLinks := map[string][]string{}
	for _, g := range bp.repos {
		if !sg.World && g != sg.Repo {
			continue
		}
		for _, e := range repoExtras(f, g.Repo) {
			covered := false
			for _, p := range e.Paths {
				switch {
				case sg.World || coveredBy(p, sg.Path):
					covered = true
				case g.lastSync == sg && !bp.syncCovered(g, p):
					if extraLinks[p] == nil {
						extraPaths = append(extraPaths, p)
					}
					extraLinks[p] = append(extraLinks[p], extraLink(e))
				}
			}
			if covered {
				links = append(links, extraLink(e))
			}
		}
	}
	cmds := []syncCmd{bp.syncCmdOf(sg.Path, sg.World, links)}
	for _, p := range extraPaths {
		cmds = append(cmds, bp.syncCmdOf(p, false, extraLinks[p]))
	}
	return cmds
}

func (bp *backport) syncCmdOf(p string, world bool, links []string) syncCmd {
	cfg := bp.env.Config
	msg := salOf(links, cfg.SALFormat)
	if world {
		return syncCmd{Message: msg, Cmd: config.ExpandCommand(cfg.Commands.SyncWorld, map[string]string{"message": msg})}
	}
	return syncCmd{Path: p, Message: msg, Cmd: config.ExpandCommand(cfg.Commands.SyncFile, map[string]string{"path": p, "message": msg})}
}

// salOf puts SAL links into the configured format, as gerrit.SAL does.
func salOf(links []string, format string) string {
	if format == "" {
		format = gerrit.DefaultSALFormat
	}
	joined := strings.Join(links, ", ")
	if !strings.Contains(format, "{links}") {
		return strings.TrimSpace(format + " " + joined)
	}
	return strings.ReplaceAll(format, "{links}", joined)
}

// extraLink is the SAL text of an unexpected commit: what it is and who wrote it.
func extraLink(e runbooks.ExtraCommit) string {
	who := e.Author
	if i := strings.Index(who, " <"); i > 0 {
		who = who[:i]
	}
	if who == "" {
		who = "an unknown author"
	}
	text := "unexpected commit " + abbrev(e.SHA) + " by " + who
	if e.SHA == "" {
		text = "unexpected commits by " + who
	}
	if e.Subject != "" {
		text += " (" + strings.Join(strings.Fields(e.Subject), " ") + ")"
	}
	return text
}

// repoExtras are the unexpected commits accepted for repo (a journal of
// before Extras only has their paths).
func repoExtras(f *runbooks.Facts, repo string) []runbooks.ExtraCommit {
	if f == nil || f.Repos[repo] == nil {
		return nil
	}
	rf := f.Repos[repo]
	if len(rf.Extras) == 0 && len(rf.SyncExtra) > 0 {
		return []runbooks.ExtraCommit{{Paths: rf.SyncExtra}}
	}
	return rf.Extras
}

// syncGate is sync step sg's gate, asked with what the window knows then.
func (bp *backport) syncGate(sg *syncGroup) func(*runbooks.Facts) *runbooks.Gate {
	return func(f *runbooks.Facts) *runbooks.Gate { return bp.syncGateOf(sg, f, false) }
}

// syncGateOf shows every command the step will run, each with its SAL text;
// planned is the version `porthole plan` shows, before any fetch.
func (bp *backport) syncGateOf(sg *syncGroup, f *runbooks.Facts, planned bool) *runbooks.Gate {
	cfg := bp.env.Config
	cmds := bp.syncCommands(sg, f)
	var prompt string
	switch {
	case sg.World:
		prompt = "Run the full sync (scap sync-world, rebuilds the l10n cache) to production (every app server)?"
	case len(cmds) == 1:
		prompt = fmt.Sprintf("Sync %s to production (every app server)?", sg.Path)
	default:
		prompt = fmt.Sprintf("Sync %s and %s of unexpected commits to production (every app server)?", sg.Path, countOf(len(cmds)-1, "more path"))
	}
	var b strings.Builder
	for _, c := range cmds {
		b.WriteString("$ " + c.Cmd + "\n")
	}
	b.WriteString("in " + cfg.StagingDir + " on the deployment host; it deploys " + changeList(sg.Changes))
	for _, g := range bp.repos {
		if !sg.World && g != sg.Repo {
			continue
		}
		for _, e := range repoExtras(f, g.Repo) {
			b.WriteString("\n⚠ and " + extraLink(e) + ", which you chose to deploy too")
		}
	}
	if sg.World {
		b.WriteString("\n" + bp.worldReason())
	}
	if planned && !sg.World && sg.Repo.lastSync == sg {
		b.WriteString("\nIf the fetch brings unexpected commits and you deploy them too, their paths are added to this sync, each with its own SAL text, and shown here before it runs.")
	}
	return &runbooks.Gate{Kind: runbooks.GateConfirm, Prompt: prompt, Detail: b.String(), Default: "n"}
}

// worldReason says why the window uses the full sync.
func (bp *backport) worldReason() string {
	var files []string
	for _, ch := range bp.changes {
		for _, f := range ch.Files {
			if IsL10nFile(f.Path) || IsL10nFile(f.OldPath) {
				files = append(files, f.Path)
			}
		}
	}
	return "localisation files change (" + firstPaths(files, 3) + "): scap sync-file does not rebuild the l10n cache, so the messages would never change; the full sync rebuilds it (about 20 minutes in production)"
}

// needsWorld is true when a change of the window touches i18n/ or languages/.
func needsWorld(changes []*gerrit.Change) bool {
	for _, ch := range changes {
		for _, f := range ch.Files {
			if IsL10nFile(f.Path) || IsL10nFile(f.OldPath) {
				return true
			}
		}
	}
	return false
}
