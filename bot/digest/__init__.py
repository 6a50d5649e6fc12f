"""Digest models and parsers. No Telegram imports."""

from bot.digest.models import Digest, Item, Link

__all__ = ["Digest", "Item", "Link"]
