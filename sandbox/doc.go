// Package sandbox is porthole's embedded default (`porthole demo`): in one
// process and with no network beyond loopback, a Gerrit emulator seeded
// with changes of every kind, SSH hosts that run real shell commands in
// directories of their own, MediaWiki repositories laid out like
// production's, and stand-ins for scap and mwscript. porthole drives it
// exactly as it drives production: over SSH, with the git CLI, scap
// command lines and the Gerrit REST API.
//
// Everything lives under Sandbox.Root:
//
//	bin/                 stand-ins (scap, mwscript, hostname), first on every host's PATH
//	etc/porthole.yaml    porthole's config for this sandbox (Sandbox.Config)
//	etc/ssh/             ssh_config (one Host alias per host), known_hosts, id_ed25519
//	etc/gerrit-password  the deployer's Gerrit HTTP password (0600)
//	etc/sandbox.env      settings the stand-ins source (deploy host, staging path, sync delay)
//	etc/appservers, testservers, canaries, maintservers
//	                     host lists scap's stages sync to
//	etc/fail-hosts       hosts whose scap copy fails (Sandbox.SetFailing)
//	etc/fail-canaries    present: scap's canary checks fail (Sandbox.SetCanariesFailing)
//	gerrit/git/          the emulator's bare repositories, served over git smart
//	                     HTTP at Gerrit.URL()+PROJECT: the deploy host's "origin"
//	                     (its ~/.netrc holds the deployer's HTTP password)
//	hosts/<name>/        one directory per host: home/<user>/ is HOME;
//	                     deploy1002 has srv/mediawiki-staging (config clone with
//	                     php-<version> inside), the others srv/mediawiki
//	state/               porthole's journals and log for the sandbox
//
// Hosts: deploy1002 (deploy), mwdebug1001-1002 (mwdebug), mwmaint1002
// (maintenance), mw1001… (appservers). Each listens on its own 127.0.0.1
// port with a generated ed25519 host key and accepts the generated user
// key. An "exec" runs `/bin/sh -c CMD` (not a login shell) in HOME with only
// HOME, PATH (bin/, /usr/bin, /bin), USER, LOGNAME, SHELL, SANDBOX_HOST,
// SANDBOX_ROOT, SANDBOX_STAGING (deploy1002's staging directory), TMPDIR and
// TMUX_TMPDIR (the host's own tmp/, or a short directory of its own when
// that is too deep for a socket, so each host has its own tmux server)
// and, on hosts with one, SANDBOX_MEDIAWIKI (their /srv/mediawiki), plus
// LANG, LC_* and TERM if the client sends them. A command still running
// when its channel closes or its connection drops (a cancelled client) is
// killed with its whole process group (HUP and TERM, then KILL); "signal"
// requests reach the whole group; "pty-req" and "shell" give an interactive
// bash. What a finished command left in the background (a tmux server, a
// nohup'd job) keeps running, as on a real host, until Close.
//
// gerrit.sandbox (GerritHost) is the emulator's SSH port, as
// gerrit.wikimedia.org:29418 is production's: its own host key in
// known_hosts, the deployer's key, no shell; it answers `gerrit version` and
// `gerrit stream-events [-s TYPE]` (the emulator's events as JSON lines).
// The config sets it as gerrit.ssh_host, and gerrit.web_url to
// GerritWebBase, the host of the change links (pasting one resolves).
//
// Scenarios (Sandbox.Changes, Sandbox.Scenarios) are open changes, each by
// its own owner and with a Bug: footer, editing files no other scenario
// touches, so they can be deployed in any order: core, extension (Echo,
// bumped into core by Gerrit's submodule subscription), config,
// extra-commit (when it is +2'd, a commit lands on its branch before it
// merges), schema, ci-fail, i18n, static, collation, namespace.
package sandbox
