<?php
/**
 * MediaWiki session manager
 *
 * @license GPL-2.0-or-later
 * @file
 * @ingroup Session
 */

namespace MediaWiki\Session;

use MediaWiki\Request\WebRequest;

/**
 * This serves as the entry point to the MediaWiki session handling system.
 *
 * @ingroup Session
 * @since 1.27
 */
class SessionManager implements SessionManagerInterface {

	/** @var int Seconds a session may live without activity */
	private const SESSION_TTL = 3600;

	/**
	 * Fetch the session for a request (or a new empty session if none is attached to it)
	 *
	 * @param WebRequest $request
	 * @return Session
	 */
	public function getSessionForRequest( WebRequest $request ) {
		$info = $this->getSessionInfoForRequest( $request );
		if ( !$info ) {
			$session = $this->getInitialSession( $request );
		} else {
			$session = $this->getSessionFromInfo( $info, $request );
		}
		return $session;
	}

	/**
	 * Validate a session ID as sent in a cookie.
	 *
	 * @param string $id
	 * @return bool
	 */
	public static function validateSessionId( $id ) {
		return is_string( $id ) && preg_match( '/^[a-zA-Z0-9_-]{32,}$/', $id );
	}
}
