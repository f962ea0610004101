package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"porthole/gerrit/gerrittest"
)

// masterVersion is what core's master calls itself while wmf/<version> is deployed.
const masterVersion = "1.44.0-alpha"

// seedTime is when the seeded history was written (2024-06-03 09:00 UTC),
// fixed so that it reads the same every time.
const seedTime = 1717405200

// startGerrit starts the emulator and creates the sandbox's projects:
// core (master and wmf/<version> with Echo and Vector as submodules),
// Echo and Vector (wmf/<version>, subscribed by core) and
// operations/mediawiki-config (master). It returns the seeded trees the
// scenarios edit.
func (sb *Sandbox) startGerrit(ciDelay time.Duration) (trees, error) {
	var t trees
	g, err := gerrittest.New(gerrittest.Options{
		RepoDir:  filepath.Join(sb.Root, "gerrit", "git"),
		CIDelay:  ciDelay,
		BasePath: "/r/",
		WebHost:  GerritHost,
		// a sandbox that stays on disk keeps Gerrit's state, to be reopened
		StateFile: sb.keptGerritState(),
	})
	if err != nil {
		return t, fmt.Errorf("sandbox: start the Gerrit emulator: %w", err)
	}
	sb.Gerrit = g
	if err := sb.addUsers(); err != nil {
		return t, err
	}

	wmf := "wmf/" + sb.Version
	if t.echo, err = seedTree("echo", sb.Version); err != nil {
		return t, err
	}
	vector, err := seedTree("vector", sb.Version)
	if err != nil {
		return t, err
	}
	if t.core, err = seedTree("core", sb.Version); err != nil {
		return t, err
	}
	coreMaster, err := seedTree("core", masterVersion)
	if err != nil {
		return t, err
	}
	if t.config, err = configFiles(sb.Version); err != nil {
		return t, err
	}

	// Extensions and skins: master, and the wmf branch cut from it.
	const devs = "MediaWiki developers <wikitech-l@example.org>"
	for _, p := range []struct {
		name  string
		files map[string]string
	}{{ProjectEcho, t.echo}, {ProjectVector, vector}} {
		if err := importRepo(g.RepoPath(p.name), []seedCommit{{
			branch: "master", parent: -1, author: devs, when: seedTime, also: []string{wmf},
			message: "Import " + p.name + " (porthole sandbox seed)\n", files: p.files,
		}}); err != nil {
			return t, fmt.Errorf("sandbox: create %s: %w", p.name, err)
		}
	}
	// Core: master, then the train's branch cut: version, .gitmodules and the
	// submodules' gitlinks, their URLs the emulator's bare repositories.
	subs := map[string]string{"extensions/Echo": ProjectEcho, "skins/Vector": ProjectVector}
	urls, links := map[string]string{}, map[string]string{}
	for path, project := range subs {
		urls[path] = g.RepoPath(project)
		if links[path], err = tipOf(g.RepoPath(project), wmf); err != nil {
			return t, err
		}
	}
	cut := map[string]string{".gitmodules": gitmodules(urls, wmf), "includes/Defines.php": t.core["includes/Defines.php"]}
	if err := importRepo(g.RepoPath(ProjectCore), []seedCommit{
		{branch: "master", parent: -1, author: devs, when: seedTime, files: coreMaster,
			message: "Import mediawiki/core (porthole sandbox seed)\n"},
		{branch: wmf, parent: 0, author: "TrainBranchBot <trainbranchbot@example.org>", when: seedTime + 3600, files: cut, links: links,
			message: "Creating new " + wmf + " branch\n\nAdds the extensions and skins deployed with " + sb.Version + " as submodules.\n"},
	}); err != nil {
		return t, fmt.Errorf("sandbox: create %s: %w", ProjectCore, err)
	}
	if err := importRepo(g.RepoPath(ProjectConfig), []seedCommit{{
		branch: "master", parent: -1, author: devs, when: seedTime, files: t.config,
		message: "Import operations/mediawiki-config (porthole sandbox seed)\n",
	}}); err != nil {
		return t, fmt.Errorf("sandbox: create %s: %w", ProjectConfig, err)
	}
	return t, sb.registerProjects(wmf, subs)
}

// addUsers gives the sandbox's deployer an account with a fresh HTTP
// password (written where the config points), and adds the other people.
func (sb *Sandbox) addUsers() error {
	secret := make([]byte, 18)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	password := hex.EncodeToString(secret)
	if err := os.WriteFile(sb.passwordFile(), []byte(password+"\n"), 0o600); err != nil {
		return err
	}
	sb.Gerrit.AddUser(gerrittest.User{Username: sb.User, Name: sb.User + " (sandbox deployer)", Email: sb.email(), HTTPPassword: password, Groups: []string{gerrittest.ApproverGroup}})
	for _, u := range people {
		sb.Gerrit.AddUser(u)
	}
	return nil
}

// registerProjects has the emulator adopt the imported repositories; Gerrit
// then keeps core's gitlinks (subs: path → project) current.
func (sb *Sandbox) registerProjects(wmf string, subs map[string]string) error {
	for _, p := range []struct {
		name     string
		branches []string
	}{{ProjectEcho, []string{"master", wmf}}, {ProjectVector, []string{"master", wmf}},
		{ProjectCore, []string{"master", wmf}}, {ProjectConfig, []string{"master"}}} {
		branches := map[string]map[string]string{}
		for _, b := range p.branches {
			branches[b] = nil
		}
		if err := sb.Gerrit.CreateProject(p.name, branches); err != nil {
			return fmt.Errorf("sandbox: register project %s: %w", p.name, err)
		}
	}
	for path, project := range subs {
		sb.Gerrit.SubscribeSubmodule(ProjectCore, path, project)
	}
	return nil
}

// seedChanges creates one open change per scenario.
func (sb *Sandbox) seedChanges(t trees) error {
	for _, sp := range scenarioSpecs {
		files, err := sp.files(t)
		if err != nil {
			return err
		}
		branch := "wmf/" + sb.Version
		if sp.onConfig {
			branch = "master"
		}
		n, err := sb.Gerrit.CreateChange(gerrittest.ChangeSpec{
			Project: sp.project, Branch: branch, Subject: sp.subject, Body: sp.body,
			Files: files, Owner: sp.owner, CI: sp.ci,
		})
		if err != nil {
			return fmt.Errorf("sandbox: create the %s change: %w", sp.name, err)
		}
		if sp.name == "extra-commit" {
			// CI is driven by the sandbox for this one (see watchExtraCommit);
			// the test pipeline has passed, as for the others.
			if err := sb.Gerrit.Vote(n, gerrittest.JenkinsBot, "Verified", 1); err != nil {
				return err
			}
		}
		sb.Changes[sp.name] = n
		sb.Scenarios = append(sb.Scenarios, Scenario{
			Name: sp.name, Change: n, Project: sp.project, Branch: branch,
			Subject: sp.subject, Owner: sp.owner, About: sp.about,
		})
	}
	return nil
}

// watchExtraCommit plays the extra-commit scenario: when the change gets
// its +2, someone pushes a commit straight to the same branch, then the
// gate reports and the change merges on top of it. The deployer's fetch
// therefore brings a commit nobody asked them to deploy.
func (sb *Sandbox) watchExtraCommit(ctx context.Context, number int, ciDelay time.Duration) {
	defer sb.wg.Done()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		st := sb.Gerrit.Change(number)
		if st.Status != "NEW" {
			return
		}
		approved := false
		for _, v := range st.Votes["Code-Review"] {
			approved = approved || v == 2
		}
		if !approved {
			continue
		}
		cur, err := tipOf(sb.Gerrit.RepoPath(st.Project), st.Branch)
		if err != nil {
			sb.logf("extra-commit: %v", err)
			return
		}
		file, err := readBlob(sb.Gerrit.RepoPath(st.Project), cur, extraCommit.path)
		if err == nil {
			file, err = edit(map[string]string{extraCommit.path: file}, extraCommit.path, extraCommit.old, extraCommit.new)
		}
		if err == nil {
			_, err = sb.Gerrit.PushDirect(st.Project, st.Branch, extraCommit.subject, map[string]string{extraCommit.path: file})
		}
		if err != nil {
			sb.logf("extra-commit: push the extra commit: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(ciDelay):
		}
		if st := sb.Gerrit.Change(number); st.Status != "NEW" || st.Revision == "" {
			return
		}
		if err := sb.Gerrit.Vote(number, gerrittest.JenkinsBot, "Verified", 2); err != nil {
			sb.logf("extra-commit: gate vote: %v", err)
		}
		if err := sb.Gerrit.Submit(number); err != nil {
			sb.logf("extra-commit: submit: %v", err)
		}
		return
	}
}

// readBlob reads path at commit in a bare repository.
func readBlob(bare, commit, path string) (string, error) {
	return runGit(gitEnv(bare), bare, "", "cat-file", "blob", commit+":"+path)
}
