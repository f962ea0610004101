<?php

namespace MediaWiki\Extension\Notifications\Formatters;

use MediaWiki\Title\Title;

class EchoMentionPresentationModel extends EchoEventPresentationModel {

	/** @inheritDoc */
	public function getIconType() {
		return 'mention';
	}

	/** @inheritDoc */
	public function canRender() {
		return (bool)$this->event->getTitle();
	}

	/** @inheritDoc */
	public function getHeaderMessage() {
		$msg = $this->getMessageWithAgent( 'notification-header-mention-article-talkpage' );
		$msg->params( $this->getTruncatedSectionTitle() );
		return $msg;
	}

	/**
	 * The section the user was mentioned in, shortened for the header.
	 *
	 * @return string
	 */
	private function getTruncatedSectionTitle() {
		return $this->language->embedBidi( $this->language->truncateForVisual(
			$this->getSection(),
			self::SECTION_TITLE_RECOMMENDED_LENGTH,
			'...',
			false
		) );
	}
}
