"""A local stand-in of the Telegram Bot API, for the tests, `digest-bot console` and benchmarks.

By job: `markup` (Telegram's HTML parse mode), `params` (reading a method's parameters),
`state` / `members` / `commands` (chats, users, memberships, topics, messages, command
lists), `updates` (the getUpdates queue), `webhook` (webhook mode), `faults` (fault
injection), `messages` / `chats` / `inline` (the Bot API methods), `user_side` (updates from
users), `records` (what the bot did), `server` (LocalBotApi, the aiohttp server and the
test-facing API), `control` (its HTTP control routes) and `cli` (`python -m bot.local_api`).
"""

from bot.local_api.cli import main
from bot.local_api.markup import EntityParseError, parse_html, utf16_len
from bot.local_api.records import InlineAnswer, SentMessage
from bot.local_api.server import LocalBotApi
from bot.local_api.state import DEFAULT_GROUP_USER_ID

__all__ = [
    "DEFAULT_GROUP_USER_ID",
    "EntityParseError",
    "InlineAnswer",
    "LocalBotApi",
    "SentMessage",
    "main",
    "parse_html",
    "utf16_len",
]
