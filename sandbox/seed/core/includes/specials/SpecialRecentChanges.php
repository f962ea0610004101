<?php
/**
 * @license GPL-2.0-or-later
 * @file
 * @ingroup SpecialPage
 */

namespace MediaWiki\Specials;

use MediaWiki\SpecialPage\ChangesListSpecialPage;

/**
 * List of the last changes made to the wiki
 *
 * @ingroup RecentChanges
 * @ingroup SpecialPage
 */
class SpecialRecentChanges extends ChangesListSpecialPage {

	/** @var int Default number of days shown */
	private const DEFAULT_DAYS = 7;

	/** @var int Default number of changes shown */
	private const DEFAULT_LIMIT = 50;

	/**
	 * Get the default value of the number of changes to display.
	 *
	 * @return int
	 */
	protected function getDefaultLimit() {
		return $this->getUser()->getIntOption( 'rclimit', self::DEFAULT_LIMIT );
	}
}
