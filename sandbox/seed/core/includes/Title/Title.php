<?php
/**
 * Representation of a title within MediaWiki.
 *
 * @license GPL-2.0-or-later
 * @file
 */

namespace MediaWiki\Title;

use MediaWiki\Page\PageIdentity;

/**
 * Represents a title within MediaWiki.
 * Optionally may contain an interwiki designation or namespace.
 */
class Title implements PageIdentity {

	/** @var string Text form (spaces not underscores) of the main part */
	public $mTextform = '';

	/** @var int Namespace index, i.e. one of the NS_xxxx constants */
	public $mNamespace = NS_MAIN;

	/**
	 * Get the namespace index, i.e. one of the NS_xxxx constants.
	 *
	 * @return int Namespace index
	 */
	public function getNamespace(): int {
		return $this->mNamespace;
	}

	/**
	 * Get the text form (spaces not underscores) of the main part
	 *
	 * @return string Main part of the title
	 */
	public function getText() {
		return $this->mTextform;
	}
}
