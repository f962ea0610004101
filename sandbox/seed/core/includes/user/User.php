<?php
/**
 * @license GPL-2.0-or-later
 * @file
 */

namespace MediaWiki\User;

/**
 * User class for the MediaWiki software.
 */
class User implements UserIdentity {

	/** @var int Cache variables */
	protected $mId;

	/** @var string */
	protected $mName;

	/**
	 * Get the user's ID.
	 * @return int The user's ID; 0 if the user is anonymous or nonexistent
	 */
	public function getId( $wikiId = self::LOCAL ): int {
		return (int)$this->mId;
	}

	/**
	 * Get the user name, or the IP of an anonymous user
	 * @return string User's name or IP address
	 */
	public function getName(): string {
		return $this->mName;
	}

	/**
	 * Is the user a temporary account?
	 * @return bool
	 */
	public function isTemp(): bool {
		return str_starts_with( $this->mName, '~' );
	}
}
