<?php

namespace MediaWiki\Skins\Vector;

use SkinMustache;

/**
 * @ingroup Skins
 * @package Vector
 * @internal
 */
class SkinVector22 extends SkinMustache {

	private const STICKY_HEADER_ENABLED_CLASS = 'vector-sticky-header-enabled';

	/**
	 * Whether the table of contents is shown in the sidebar.
	 *
	 * @return bool
	 */
	private function isTableOfContentsVisibleInSidebar(): bool {
		return $this->getOutput()->isTOCEnabled();
	}
}
