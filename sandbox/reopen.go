package sandbox

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"porthole/gerrit/gerrittest"
)

// kept is what a sandbox writes beside its world so that a later Start in
// the same directory reopens that world as it was: Gerrit's changes (the
// emulator's own state file), the hosts' files, the journals.
type kept struct {
	Version   string
	User      string
	GerritURL string // where Gerrit listened: the checkouts' origins name it
	Scenarios []Scenario
}

func keptPath(root string) string        { return filepath.Join(root, "etc", "sandbox.json") }
func gerritStatePath(root string) string { return filepath.Join(root, "gerrit", "state.json") }

// KeepsWorld is true when dir holds a whole sandbox that Start reopens as
// it was left; a sandbox dir without it (killed before its Start finished,
// or made by an older porthole) keeps only its journals (see Reopens).
func KeepsWorld(dir string) bool {
	_, errKept := os.Stat(keptPath(dir))
	_, errState := os.Stat(gerritStatePath(dir))
	return errKept == nil && errState == nil
}

// keptGerritState is where Gerrit keeps its state when the sandbox stays
// on disk after Close (a given Dir, or Keep); "" otherwise.
func (sb *Sandbox) keptGerritState() string {
	if sb.ownRoot && !sb.keep {
		return ""
	}
	return gerritStatePath(sb.Root)
}

// readKept reads what an earlier sandbox in root left (see kept).
func readKept(root string) (kept, error) {
	var k kept
	data, err := os.ReadFile(keptPath(root))
	if err == nil {
		err = json.Unmarshal(data, &k)
	}
	if err != nil {
		return k, fmt.Errorf("sandbox: reopen %s: %w", root, err)
	}
	return k, nil
}

// writeKept records what a later Start needs to reopen this sandbox.
func (sb *Sandbox) writeKept() error {
	data, err := json.MarshalIndent(kept{Version: sb.Version, User: sb.User,
		GerritURL: sb.Gerrit.URL(), Scenarios: sb.Scenarios}, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(keptPath(sb.Root), data, 0o644)
}

// restore takes the scenarios of the sandbox being reopened.
func (sb *Sandbox) restore(k kept) {
	sb.Scenarios = k.Scenarios
	for _, s := range k.Scenarios {
		sb.Changes[s.Name] = s.Change
	}
}

// reopenGerrit starts the emulator on its saved state, on the port it had
// when that is free (the checkouts' origins name it) or on another one.
func (sb *Sandbox) reopenGerrit(ciDelay time.Duration, old string) error {
	opts := gerrittest.Options{
		RepoDir: filepath.Join(sb.Root, "gerrit", "git"), StateFile: gerritStatePath(sb.Root),
		CIDelay: ciDelay, BasePath: "/r/", WebHost: GerritHost,
	}
	if u, err := url.Parse(old); err == nil && u.Host != "" {
		opts.Addr = u.Host
	}
	g, err := gerrittest.New(opts)
	if err != nil && opts.Addr != "" {
		opts.Addr = "" // the old port is taken: another, and the origins follow it
		g, err = gerrittest.New(opts)
	}
	if err != nil {
		return fmt.Errorf("sandbox: start the Gerrit emulator again: %w", err)
	}
	sb.Gerrit = g
	if !g.Restored() {
		return fmt.Errorf("sandbox: %s holds no Gerrit state to reopen", sb.Root)
	}
	return nil
}

// repointOrigins rewrites the Gerrit URL in the deploy host's git
// configurations (checkouts and their submodules) when Gerrit came back
// on another port (~/.netrc names the host, not the port: it stays).
func (sb *Sandbox) repointOrigins(old string) error {
	now := sb.Gerrit.URL()
	if old == now {
		return nil
	}
	err := filepath.WalkDir(sb.HostDir(DeployHost), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "config" || !strings.Contains(filepath.ToSlash(p), "/.git/") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil || !strings.Contains(string(data), old) {
			return err
		}
		return os.WriteFile(p, []byte(strings.ReplaceAll(string(data), old, now)), 0o644)
	})
	if err != nil {
		return fmt.Errorf("sandbox: point the checkouts at Gerrit's new address: %w", err)
	}
	return nil
}
