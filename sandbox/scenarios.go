package sandbox

import (
	"porthole/gerrit/gerrittest"
)

// Projects the sandbox serves, as production names them.
const (
	ProjectCore   = "mediawiki/core"
	ProjectEcho   = "mediawiki/extensions/Echo"
	ProjectVector = "mediawiki/skins/Vector"
	ProjectConfig = "operations/mediawiki-config"
)

// Scenario is one seeded change and what it rehearses.
type Scenario struct {
	Name    string // key in Sandbox.Changes: "core", "extension", …
	Change  int    // Gerrit change number
	Project string
	Branch  string
	Subject string
	Owner   string // Gerrit username of the patch owner
	About   string // one line for the newcomer: what this change makes them meet
}

// people are the sandbox's Gerrit accounts besides the deployer and jenkins-bot.
var people = []gerrittest.User{
	{Username: "aokafor", Name: "Amara Okafor", Email: "aokafor@example.org"},
	{Username: "blindqvist", Name: "Bruno Lindqvist", Email: "blindqvist@example.org"},
	{Username: "cwei", Name: "Chen Wei", Email: "cwei@example.org"},
	{Username: "dlevi", Name: "Dana Levi", Email: "dlevi@example.org"},
	{Username: "enovak", Name: "Emil Novak", Email: "enovak@example.org"},
	{Username: "fhaddad", Name: "Farah Haddad", Email: "fhaddad@example.org"},
	{Username: "greyes", Name: "Gustavo Reyes", Email: "greyes@example.org"},
	{Username: "hsato", Name: "Hana Sato", Email: "hsato@example.org"},
	{Username: "iduarte", Name: "Ines Duarte", Email: "iduarte@example.org"},
	{Username: "jberg", Name: "Jonas Berg", Email: "jberg@example.org"},
	{Username: "kpark", Name: "Kim Park", Email: "kpark@example.org"},
}

// scenarioSpec is how a scenario's change is made from the seeded trees.
type scenarioSpec struct {
	name, project, about string
	onConfig             bool // on operations/mediawiki-config master, else on wmf/<version>
	subject, body, owner string
	ci                   gerrittest.CIResult
	files                func(t trees) (map[string]string, error)
}

// trees are the seeded branch contents each scenario edits.
type trees struct {
	core, echo, config map[string]string
}

// extraCommit is what "someone" pushes straight to core's wmf branch while
// the extra-commit scenario's change waits in the gate.
var extraCommit = struct {
	subject string
	path    string
	old     string
	new     string
}{
	subject: "User: Guard isTemp() against an unloaded name\n\nPushed directly to the branch during a hotfix, without review.",
	path:    "includes/user/User.php",
	old:     "return str_starts_with( $this->mName, '~' );",
	new:     "return str_starts_with( $this->mName ?? '', '~' );",
}

func one(t map[string]string, p, old, new string) (map[string]string, error) {
	s, err := edit(t, p, old, new)
	if err != nil {
		return nil, err
	}
	return map[string]string{p: s}, nil
}

// scenarioSpecs lists the seeded changes, in change-number order. Each edits
// its own files (or its own part of InitialiseSettings.php), so they can be
// deployed in any order.
var scenarioSpecs = []scenarioSpec{
	{
		name: "core", project: ProjectCore, owner: "aokafor",
		about:   "a core fix on the wmf branch: php-<version>, fetch, review, rebase, sync one file",
		subject: "ApiMain: Send X-Database-Lag only with maxlag errors",
		body: "Every API error carried an X-Database-Lag header, and some bots back off\n" +
			"on any such header, slowing them down for unrelated errors.\n\nBug: T388101",
		files: func(t trees) (map[string]string, error) {
			return one(t.core, "includes/api/ApiMain.php",
				"\t\t\t\t$response->header( 'Retry-After: ' . max( (int)$this->getConfig()->get( MainConfigNames::APIMaxLagThreshold ), 5 ) );\n\t\t\t}\n\t\t}\n\t\t$response->header( 'X-Database-Lag: ' . (int)$e->getStatusValue()->getValue() );\n",
				"\t\t\t\t$response->header( 'Retry-After: ' . max( (int)$this->getConfig()->get( MainConfigNames::APIMaxLagThreshold ), 5 ) );\n\t\t\t\t$response->header( 'X-Database-Lag: ' . (int)$e->getStatusValue()->getValue() );\n\t\t\t}\n\t\t}\n")
		},
	},
	{
		name: "extension", project: ProjectEcho, owner: "blindqvist",
		about:   "an Echo change: Gerrit bumps core's submodule; fetch core, rebase, git submodule update",
		subject: "EchoMentionPresentationModel: Use a real ellipsis when truncating",
		body:    "Section titles were cut with three dots, which some scripts render badly.\n\nBug: T389214",
		files: func(t trees) (map[string]string, error) {
			return one(t.echo, "includes/Formatters/EchoMentionPresentationModel.php", "\t\t\t'...',\n", "\t\t\t'…',\n")
		},
	},
	{
		name: "config", project: ProjectConfig, onConfig: true, owner: "cwei",
		about:   "a config change: /srv/mediawiki-staging, sync wmf-config/InitialiseSettings.php",
		subject: "Enable FileExporter on enwiki",
		body:    "Bug: T387310",
		files: func(t trees) (map[string]string, error) {
			return one(t.config, "wmf-config/InitialiseSettings.php",
				"\t'commonswiki' => false,\n\t'mediawikiwiki' => true,\n",
				"\t'commonswiki' => false,\n\t'enwiki' => true,\n\t'mediawikiwiki' => true,\n")
		},
	},
	{
		name: "extra-commit", project: ProjectCore, owner: "dlevi", ci: gerrittest.CIManual,
		about:   "while this change is in the gate someone pushes to the branch: the fetch brings an unexpected commit",
		subject: "Parser: Trim non-breaking spaces from section headings",
		body:    "Headings copied from word processors kept a trailing NBSP, breaking\nsection links.\n\nBug: T389876",
		files: func(t trees) (map[string]string, error) {
			return one(t.core, "includes/parser/Parser.php",
				"return trim( $text );", "return trim( $text, \" \\t\\n\\r\\0\\x0B\\u{00A0}\" );")
		},
	},
	{
		name: "schema", project: ProjectCore, owner: "enovak",
		about:   "a schema change (sql/): never deployed in a backport window",
		subject: "recentchanges: Add rc_actor_timestamp index",
		body:    "Contributions queries by actor scan the whole table.\n\nBug: T385544",
		files: func(t trees) (map[string]string, error) {
			out := map[string]string{
				"sql/abstractSchemaChanges/patch-recentchanges-rc_actor_timestamp.json": `{
	"comment": "Add rc_actor_timestamp index (T385544)",
	"before": { "name": "recentchanges" },
	"after": {
		"name": "recentchanges",
		"indexes": [
			{ "name": "rc_actor_timestamp", "columns": [ "rc_actor", "rc_timestamp" ], "unique": false }
		]
	}
}
`,
				"sql/mysql/patch-recentchanges-rc_actor_timestamp.sql": "-- This file is automatically generated using maintenance/generateSchemaChangeSql.php.\n" +
					"-- Source: sql/abstractSchemaChanges/patch-recentchanges-rc_actor_timestamp.json\n" +
					"-- Do not modify this file directly.\n" +
					"CREATE INDEX rc_actor_timestamp ON /*_*/recentchanges (rc_actor, rc_timestamp);\n",
			}
			s, err := edit(t.core, "sql/tables.json",
				"\t\t\t{ \"name\": \"rc_timestamp\", \"columns\": [ \"rc_timestamp\" ], \"unique\": false },\n",
				"\t\t\t{ \"name\": \"rc_timestamp\", \"columns\": [ \"rc_timestamp\" ], \"unique\": false },\n\t\t\t{ \"name\": \"rc_actor_timestamp\", \"columns\": [ \"rc_actor\", \"rc_timestamp\" ], \"unique\": false },\n")
			if err != nil {
				return nil, err
			}
			out["sql/tables.json"] = s
			s, err = edit(t.core, "sql/mysql/tables-generated.sql",
				"  INDEX rc_timestamp (rc_timestamp),\n",
				"  INDEX rc_timestamp (rc_timestamp),\n  INDEX rc_actor_timestamp (rc_actor, rc_timestamp),\n")
			if err != nil {
				return nil, err
			}
			out["sql/mysql/tables-generated.sql"] = s
			s, err = edit(t.core, "includes/installer/MysqlUpdater.php",
				"'patch-categorylinks-drop-cl_to-cl_collation.sql' ],\n",
				"'patch-categorylinks-drop-cl_to-cl_collation.sql' ],\n\t\t\t[ 'addIndex', 'recentchanges', 'rc_actor_timestamp', 'patch-recentchanges-rc_actor_timestamp.sql' ],\n")
			if err != nil {
				return nil, err
			}
			out["includes/installer/MysqlUpdater.php"] = s
			return out, nil
		},
	},
	{
		name: "ci-fail", project: ProjectCore, owner: "fhaddad", ci: gerrittest.CIFail,
		about:   "CI votes Verified -1 after the +2: the wait for merge stops and says why",
		subject: "SpecialRecentChanges: Cap the default limit at 500",
		body:    "Bug: T386602",
		files: func(t trees) (map[string]string, error) {
			return one(t.core, "includes/specials/SpecialRecentChanges.php",
				"return $this->getUser()->getIntOption( 'rclimit', self::DEFAULT_LIMIT );",
				"return min( 500, $this->getUser()->getIntOption( 'rclimit', self::DEFAULT_LIMIT ) );")
		},
	},
	{
		name: "i18n", project: ProjectCore, owner: "greyes",
		about:   "an i18n message change: the l10n cache must be rebuilt (slow sync)",
		subject: "Fix typo in recentchanges-legend-unpatrolled",
		body:    "Bug: T391120",
		files: func(t trees) (map[string]string, error) {
			return one(t.core, "languages/i18n/en.json", "has not yet been patroled", "has not yet been patrolled")
		},
	},
	{
		name: "static", project: ProjectConfig, onConfig: true, owner: "hsato",
		about:   "a /static file: after the sync its URL must be purged (purgeList.php)",
		subject: "Update the newikibooks logo",
		body:    "The community chose the new logo in the 2025 logo vote.\n\nBug: T384420",
		files: func(t trees) (map[string]string, error) {
			return map[string]string{
				"static/images/project-logos/newikibooks.png": logoPNG(colorNewLogo),
			}, nil
		},
	},
	{
		name: "collation", project: ProjectConfig, onConfig: true, owner: "iduarte",
		about:   "wgCategoryCollation changes: updateCollation.php --previous-collation=uppercase must follow",
		subject: "Switch cywiki category collation to uca-default",
		body:    "Bug: T390102",
		files: func(t trees) (map[string]string, error) {
			return one(t.config, "wmf-config/InitialiseSettings.php",
				"\t'cywiki' => 'uppercase', // T390102: to be switched to uca-default\n",
				"\t'cywiki' => 'uca-default', // T390102\n")
		},
	},
	{
		name: "namespace", project: ProjectConfig, onConfig: true, owner: "jberg",
		about:   "a new namespace: namespaceDupes.php must check for clashing titles",
		subject: "Add Entwurf (draft) namespace on dewiki",
		body:    "Bug: T392233",
		files: func(t trees) (map[string]string, error) {
			return one(t.config, "wmf-config/InitialiseSettings.php",
				"\t\t101 => 'Portal_Diskussion',\n",
				"\t\t101 => 'Portal_Diskussion',\n\t\t118 => 'Entwurf',\n\t\t119 => 'Entwurf_Diskussion',\n")
		},
	},
}
