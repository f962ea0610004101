<?php
/**
 * Copyright © 2006 Yuri Astrakhan "<Firstname><Lastname>@gmail.com"
 *
 * @license GPL-2.0-or-later
 * @file
 * @defgroup API API
 */

namespace MediaWiki\Api;

use MediaWiki\Context\IContextSource;
use MediaWiki\MainConfigNames;

/**
 * This is the main API class, used for both external and internal processing.
 *
 * @ingroup API
 */
class ApiMain extends ApiBase {

	/** When no format parameter is given, this format will be used */
	private const API_DEFAULT_FORMAT = 'jsonfm';

	/** When no uselang parameter is given, this language will be used */
	private const API_DEFAULT_USELANG = 'user';

	/** @var int */
	private $mCacheMode = 'private';

	/**
	 * Send a Retry-After header when the request failed because of
	 * replication lag, so that well-behaved bots back off.
	 *
	 * @param ApiUsageException $e
	 */
	protected function sendRetryAfter( ApiUsageException $e ) {
		$response = $this->getRequest()->response();
		foreach ( $e->getStatusValue()->getMessages() as $msg ) {
			if ( $msg->getKey() === 'apierror-maxlag' ) {
				$response->header( 'Retry-After: ' . max( (int)$this->getConfig()->get( MainConfigNames::APIMaxLagThreshold ), 5 ) );
			}
		}
		$response->header( 'X-Database-Lag: ' . (int)$e->getStatusValue()->getValue() );
	}

	/**
	 * Set the type of caching headers which will be sent.
	 *
	 * @param string $mode One of 'private', 'public', 'anon-public-user-private'
	 */
	public function setCacheMode( $mode ) {
		if ( !in_array( $mode, [ 'private', 'public', 'anon-public-user-private' ] ) ) {
			wfDebug( __METHOD__ . ": unrecognised cache mode \"$mode\"" );
			return;
		}
		$this->mCacheMode = $mode;
	}
}
