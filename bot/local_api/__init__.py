"""A local stand-in of the Telegram Bot API (console, tests, benchmarks)."""

from bot.local_api.server import EntityParseError, LocalBotApi, SentMessage, main, parse_html

__all__ = ["EntityParseError", "LocalBotApi", "SentMessage", "main", "parse_html"]
