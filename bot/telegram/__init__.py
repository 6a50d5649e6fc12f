"""The Telegram face: application wiring, handlers, admin, keyboards, texts."""
