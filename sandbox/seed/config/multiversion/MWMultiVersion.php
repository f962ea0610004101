<?php
/**
 * Class to handle basic information related to what
 * version of MediaWiki is running on a wiki installation.
 *
 * Avoid setting environmental or globals variables here for OOP.
 */
class MWMultiVersion {

	/**
	 * Get the MediaWiki version the wiki runs, from wikiversions.json:
	 * "php-1.44.0-wmf.5" gives "1.44.0-wmf.5".
	 *
	 * @param string $dbName
	 * @return string|null
	 */
	public static function getVersionForWiki( string $dbName ): ?string {
		$versions = json_decode( file_get_contents( __DIR__ . '/../wikiversions.json' ), true );
		$dir = $versions[$dbName] ?? null;
		return $dir === null ? null : substr( $dir, strlen( 'php-' ) );
	}
}
