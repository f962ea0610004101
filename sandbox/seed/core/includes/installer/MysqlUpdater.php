<?php
/**
 * MySQL-specific updater.
 *
 * @license GPL-2.0-or-later
 * @file
 * @ingroup Installer
 */

namespace MediaWiki\Installer;

/**
 * Mysql update list and mysql-specific update functions.
 *
 * @ingroup Installer
 * @since 1.17
 */
class MysqlUpdater extends DatabaseUpdater {

	/**
	 * @return array[]
	 */
	protected function getCoreUpdateList() {
		return [
			// 1.43
			[ 'addIndex', 'user_autocreate_serial', 'PRIMARY', 'patch-user_autocreate_serial-uas_year.sql' ],
			// 1.44
			[ 'dropField', 'categorylinks', 'cl_to', 'patch-categorylinks-drop-cl_to-cl_collation.sql' ],
		];
	}
}
