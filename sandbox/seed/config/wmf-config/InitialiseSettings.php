<?php
# WARNING: This file is publicly viewable on the web. Do not put private data here.

# InitialiseSettings.php
# ----------------------
# Per-wiki settings: each setting maps 'default', dblist tags ('wikipedia',
# 'group0', …) or database names to a value.
#
# This file is included by CommonSettings.php.

return [

'wgLanguageCode' => [
	'default' => 'en',
	'cywiki' => 'cy',
	'dewiki' => 'de',
	'frwiki' => 'fr',
	'newikibooks' => 'ne',
],

'wgSitename' => [
	'default' => 'Wikipedia',
	'commonswiki' => 'Wikimedia Commons',
	'mediawikiwiki' => 'MediaWiki',
	'newikibooks' => 'विकिपुस्तक',
	'testwiki' => 'Wikipedia',
	'wikidatawiki' => 'Wikidata',
],

'wmgUseEcho' => [
	'default' => true,
],

'wmgUseFileExporter' => [
	'default' => false,
	'commonswiki' => false,
	'mediawikiwiki' => true,
	'testwiki' => true,
	'test2wiki' => true,
],

'wgLogos' => [
	'default' => [
		'1x' => '/static/images/project-logos/enwiki.png',
	],
	'newikibooks' => [
		'1x' => '/static/images/project-logos/newikibooks.png',
	],
],

'wgRCMaxAge' => [
	'default' => 90 * 86400, // 90 days
	'wikidatawiki' => 30 * 86400,
],

'wgCategoryCollation' => [
	'default' => 'uppercase',
	'cywiki' => 'uppercase', // T390102: to be switched to uca-default
	'dewiki' => 'uca-de-u-kn',
	'enwiki' => 'uca-default-u-kn',
	'frwiki' => 'uca-fr',
	'newikibooks' => 'uca-ne',
],

'wgMaxArticleSize' => [
	'default' => 2048,
],

'wgExtraNamespaces' => [
	// @note Keep in alphabetical order
	'dewiki' => [
		100 => 'Portal',
		101 => 'Portal_Diskussion',
	],
	'enwiki' => [
		100 => 'Portal',
		101 => 'Portal_talk',
		118 => 'Draft',
		119 => 'Draft_talk',
		126 => 'MOS',
		127 => 'MOS_talk',
	],
	'frwiki' => [
		100 => 'Portail',
		101 => 'Discussion_Portail',
		102 => 'Projet',
		103 => 'Discussion_Projet',
	],
	'testwiki' => [
		100 => 'Test_namespace_1',
		101 => 'Test_namespace_1_talk',
	],
],

'wgNamespacesWithSubpages' => [
	'default' => [
		NS_TALK => true,
		NS_USER => true,
		NS_USER_TALK => true,
		NS_PROJECT => true,
		NS_PROJECT_TALK => true,
	],
],

];
