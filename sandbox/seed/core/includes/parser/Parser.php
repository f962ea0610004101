<?php
/**
 * PHP parser that converts wiki markup to HTML.
 *
 * @license GPL-2.0-or-later
 * @file
 * @ingroup Parser
 */

namespace MediaWiki\Parser;

/**
 * PHP Parser - Processes wiki markup (which uses a more user-friendly
 * syntax, such as "[[link]]" for making links), and provides a one-way
 * transformation of that wiki markup it into (X)HTML output / markup.
 *
 * @ingroup Parser
 */
class Parser {

	/** Maximum number of nested template expansions */
	public const MAX_TTS = 900;

	# Flags for Parser::setFunctionHook
	public const SFH_NO_HASH = 1;
	public const SFH_OBJECT_ARGS = 2;

	/**
	 * Strip a leading and trailing whitespace from a heading.
	 *
	 * @param string $text
	 * @return string
	 */
	public function normalizeHeading( string $text ): string {
		return trim( $text );
	}

	/**
	 * Limit on the expansion depth of templates.
	 *
	 * @return int
	 */
	public function getMaxTemplateDepth(): int {
		return 40;
	}
}
