<?php
# WARNING: This file is publicly viewable on the web. Do not put private data here.

# CommonSettings.php is the main configuration file of the WMF cluster.
# It is included by LocalSettings.php on every request, after
# InitialiseSettings.php has been loaded into $wgConf.

$wmgVersionNumber = $multiVersion->getVersionNumber();

if ( $wmgUseFileExporter ) {
	wfLoadExtension( 'FileExporter' );
	$wgFileExporterTarget = 'https://commons.wikimedia.org/wiki/Special:ImportFile';
}

if ( $wmgUseEcho ) {
	wfLoadExtension( 'Echo' );
}
