"""digest-bot: an async Telegram bot that delivers AI-news digests."""
