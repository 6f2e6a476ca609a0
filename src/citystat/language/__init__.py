"""The language of official statistics: number and period words, conventions, narratives."""
