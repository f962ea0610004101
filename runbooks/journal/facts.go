package journal

import (
	"encoding/json"
	"time"
)

// Facts is what a window's steps learn as they run: each change's approval
// and merge, each repository's fetched state, what was synced, the
// maintenance the diff calls for, the revert. It is typed, journaled whole at
// every change (a "facts" record) and restored on resume. Steps read it with
// StepContext.Facts and change it with StepContext.Learn (package runbooks);
// the TUI reads Runner.Facts.
type Facts struct {
	Changes     map[int]*ChangeFacts  `json:"changes,omitempty"`
	Repos       map[string]*RepoFacts `json:"repos,omitempty"`
	Synced      map[string]bool       `json:"synced,omitempty"` // sync steps that completed, by step id
	Suggestions []Suggestion          `json:"suggestions,omitempty"`
	Suggested   bool                  `json:"suggested,omitempty"` // the diff was read for suggestions (maybe none)
	SAL         string                `json:"sal,omitempty"`       // the window's SAL text, once known
	Runs        map[string]*RunFacts  `json:"runs,omitempty"`      // maintenance runs, by RunKey
	// Rollback is "started" while a rollback of the window runs (staging
	// reset, test servers re-synced), "done" after it.
	Rollback string `json:"rollback,omitempty"`
}

// ChangeFacts is what a window learned about one change.
type ChangeFacts struct {
	ApprovedAt       time.Time `json:"approved_at,omitzero"`
	ApprovedPatchSet int       `json:"approved_ps,omitempty"`
	GerritMerged     string    `json:"gerrit_merged,omitempty"` // the revision Gerrit merged
	Commit           string    `json:"commit,omitempty"`        // its commit in the staging checkout
	Repo             string    `json:"repo,omitempty"`          // the checkout it is in
	MergeCommit      bool      `json:"merge_commit,omitempty"`
	SyncPaths        []string  `json:"sync_paths,omitempty"` // paths synced to production for it
	Synced           bool      `json:"synced,omitempty"`     // it reached production
	// The emergency revert of it:
	RevertChangeID string `json:"revert_change_id,omitempty"`
	Reverted       string `json:"reverted,omitempty"`      // the revert commit on the deployment host
	ReviewCommit   string `json:"review_commit,omitempty"` // the commit pushed for review
	RevertChange   int    `json:"revert_change,omitempty"` // the revert's Gerrit change
	// CI after the +2: RecheckedAt is when porthole commented "recheck";
	// CIFailureShown is the date of a CI failure shown to the deployer, who
	// chose not to recheck it from porthole. Votes up to the later are stale.
	RecheckedAt    time.Time `json:"rechecked_at,omitzero"`
	CIFailureShown time.Time `json:"ci_failure_shown,omitzero"`
}

// RepoFacts is what a window learned about one repository (core, config).
type RepoFacts struct {
	StatusHead      string   `json:"status_head,omitempty"` // HEAD at git status, before the rebase
	Upstream        string   `json:"upstream,omitempty"`    // @{u} after the fetch
	PatchFile       string   `json:"patch_file,omitempty"`  // the saved git log -p HEAD..@{u}
	Incoming        int      `json:"incoming,omitempty"`    // commits in HEAD..@{u}
	MovedSubmodules []string `json:"moved_submodules,omitempty"`
	// RollbackGitlinks are the submodule commits HEAD recorded when a
	// rollback began, by path, read before its reset: what a retry or a
	// resume replays the security patches from.
	RollbackGitlinks map[string]string `json:"rollback_gitlinks,omitempty"`
	SyncExtra        []string          `json:"sync_extra,omitempty"` // paths of accepted extra commits
	// Extras are the unexpected commits the deployer chose to deploy too.
	Extras []ExtraCommit `json:"extras,omitempty"`
}

// ExtraCommit is an unexpected commit that came with a fetch and was
// accepted: who wrote it and the sync paths it needs.
type ExtraCommit struct {
	SHA     string   `json:"sha"`
	Author  string   `json:"author,omitempty"`
	Subject string   `json:"subject,omitempty"`
	Paths   []string `json:"paths,omitempty"`
}

// RunFacts is what a maintenance run (one wiki, or all) left behind.
type RunFacts struct {
	Outcome string `json:"outcome,omitempty"`  // "state: summary"
	TmuxJob string `json:"tmux_job,omitempty"` // remote.TmuxJob, encoded, while it runs
}

// RunKey names a maintenance run of a step: prefix (the step) and key (the wiki or "all").
func RunKey(prefix, key string) string { return prefix + "/" + key }

// Change is the facts of change n, created on first use.
func (f *Facts) Change(n int) *ChangeFacts {
	if f.Changes == nil {
		f.Changes = map[int]*ChangeFacts{}
	}
	if f.Changes[n] == nil {
		f.Changes[n] = &ChangeFacts{}
	}
	return f.Changes[n]
}

// Repo is the facts of repo, created on first use.
func (f *Facts) Repo(repo string) *RepoFacts {
	if f.Repos == nil {
		f.Repos = map[string]*RepoFacts{}
	}
	if f.Repos[repo] == nil {
		f.Repos[repo] = &RepoFacts{}
	}
	return f.Repos[repo]
}

// Run is the facts of a maintenance run, created on first use.
func (f *Facts) Run(key string) *RunFacts {
	if f.Runs == nil {
		f.Runs = map[string]*RunFacts{}
	}
	if f.Runs[key] == nil {
		f.Runs[key] = &RunFacts{}
	}
	return f.Runs[key]
}

// MarkSynced records that the sync step id completed.
func (f *Facts) MarkSynced(id string) {
	if f.Synced == nil {
		f.Synced = map[string]bool{}
	}
	f.Synced[id] = true
}

// Copy is a deep copy, safe to read while the window goes on.
func (f *Facts) Copy() *Facts {
	out := &Facts{}
	if f == nil {
		return out
	}
	b, err := json.Marshal(f)
	if err == nil {
		_ = json.Unmarshal(b, out)
	}
	return out
}

// Suggestion is a maintenance runbook a deployed change calls for.
type Suggestion struct {
	Runbook string            // registered kind: namespaceDupes, updateCollation, purgeList, …
	Params  map[string]string // prefilled parameters
	Reason  string            // one line: "new namespace NS_FOO in wmf-config/InitialiseSettings.php"
}
