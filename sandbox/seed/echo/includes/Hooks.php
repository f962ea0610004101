<?php

namespace MediaWiki\Extension\Notifications;

use MediaWiki\Hook\BeforePageDisplayHook;
use MediaWiki\Output\OutputPage;
use Skin;

class Hooks implements BeforePageDisplayHook {

	/**
	 * Handler for BeforePageDisplay hook.
	 *
	 * @param OutputPage $out
	 * @param Skin $skin Skin being used.
	 */
	public function onBeforePageDisplay( $out, $skin ): void {
		if ( $out->getUser()->isRegistered() ) {
			$out->addModules( [ 'ext.echo.init' ] );
		}
	}
}
