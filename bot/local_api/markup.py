"""Telegram's HTML parse mode: the plain text and entities a message's markup gives, and the
checks Telegram makes on a text or caption before sending it."""

from __future__ import annotations

import functools
import re
from typing import Any

from bot.local_api.errors import ApiError

__all__ = [
    "MAX_CAPTION_UTF16",
    "MAX_ENTITIES",
    "MAX_TEXT_UTF16",
    "EntityParseError",
    "check_caption",
    "check_text",
    "parse_html",
    "utf16_len",
]

MAX_TEXT_UTF16 = 4096
MAX_CAPTION_UTF16 = 1024
MAX_ENTITIES = 100
PARSE_MODES = {"html": "HTML", "markdown": "Markdown", "markdownv2": "MarkdownV2"}


class EntityParseError(ValueError):
    """Markup Telegram would refuse with "Bad Request: can't parse entities: <message>"."""


_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
# A plain <name> or </name> in one match; any other "<" or "&" is looked at closely.
_TOKEN = re.compile(r"<(/?)([^ \t\r\n\v\f<>/]+)>|[<&]")
_SPACES = " \t\r\n\v\f"
_TAG_NAME = re.compile(r"[^ \t\r\n\v\f>]*")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:#x([0-9a-fA-F]+)|#([0-9]+)|([a-zA-Z]+));?")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _decode_entity(markup: str, pos: int) -> tuple[str | None, int]:
    """Decode `&...;` at `pos` the way Telegram does; unknown ones stay literal text."""
    m = _ENTITY.match(markup, pos)
    if m is None:
        return None, pos + 1
    hex_digits, dec_digits, name = m.groups()
    if name is not None:
        char = _NAMED_ENTITIES.get(name)
        return (char, m.end()) if char else (None, pos + 1)
    digits = hex_digits or dec_digits
    if len(digits) > 7:
        return None, pos + 1
    code = int(digits, 16 if hex_digits else 10)
    if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None, pos + 1
    return chr(code), m.end()


def _byte_offset(markup: str, pos: int) -> int:
    return len(markup[:pos].encode("utf-8"))


def _unclosed_start_tag(markup: str, tag_pos: int) -> EntityParseError:
    return EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(markup, tag_pos)}")


def _parse_attributes(markup: str, pos: int, tag: str, tag_pos: int) -> tuple[dict[str, str], int]:
    """Attributes of a start tag from `pos`; returns them and the index of the closing `>`."""
    n = len(markup)
    attrs: dict[str, str] = {}
    while True:
        while pos < n and markup[pos] in _SPACES:
            pos += 1
        if pos >= n:
            raise _unclosed_start_tag(markup, tag_pos)
        if markup[pos] == ">":
            return attrs, pos
        start = pos
        while pos < n and markup[pos] not in _SPACES and markup[pos] not in "=>":
            pos += 1
        name = markup[start:pos].lower()
        while pos < n and markup[pos] in _SPACES:
            pos += 1
        if pos >= n or markup[pos] != "=":
            if tag == "blockquote" and name == "expandable":
                attrs[name] = ""
                continue
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {_byte_offset(markup, tag_pos)}"
            )
        pos += 1
        while pos < n and markup[pos] in _SPACES:
            pos += 1
        if pos >= n:
            raise _unclosed_start_tag(markup, tag_pos)
        quote = markup[pos]
        if quote in "\"'":
            end = markup.find(quote, pos + 1)
            if end < 0:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(markup, tag_pos)}"
                )
            attrs[name] = _unescape(markup[pos + 1 : end])
            pos = end + 1
        else:
            start = pos
            while pos < n and (markup[pos].isalnum() or markup[pos] in ".-"):
                pos += 1
            if pos < n and markup[pos] not in _SPACES and markup[pos] != ">":
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset {_byte_offset(markup, start)}"
                )
            attrs[name] = markup[start:pos].lower()


def _unescape(value: str) -> str:
    if "&" not in value:
        return value
    out: list[str] = []
    pos = 0
    while (amp := value.find("&", pos)) >= 0:
        out.append(value[pos:amp])
        char, pos = _decode_entity(value, amp)
        out.append("&" if char is None else char)
    out.append(value[pos:])
    return "".join(out)


def parse_html(markup: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML parse mode: the plain text and its entities (UTF-16 offsets).

    Raises EntityParseError with Telegram's wording for markup it refuses: unsupported or
    unbalanced tags, a bare `<`. Unknown `&name;` entities stay literal, as in Telegram.
    """
    # Offsets count UTF-16 units; without astral characters that is plain len().
    measure = len if markup.isascii() or _ASTRAL.search(markup) is None else utf16_len
    out: list[str] = []
    offset = 0  # UTF-16 length of the text so far
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[tuple[int, int, int, dict[str, Any]]] = []
    n = len(markup)
    pos = 0
    while pos < n:
        m = _TOKEN.search(markup, pos)
        end = n if m is None else m.start()
        if end > pos:
            chunk = markup[pos:end]
            out.append(chunk)
            offset += measure(chunk)
        if m is None:
            break
        token = m.group()
        if token == "&":
            char, pos = _decode_entity(markup, end)
            char = "&" if char is None else char
            out.append(char)
            offset += measure(char)
            continue
        tag_pos = end
        if token == "<":  # not a plain <name> or </name>: the careful path
            closing = markup.startswith("/", end + 1)
            name_match = _TAG_NAME.match(markup, end + 1 + closing)
            assert name_match is not None  # the pattern matches the empty string too
            name = name_match.group().lower()
            pos = name_match.end()
        else:
            closing = bool(m.group(1))
            name = m.group(2).lower()
            pos = m.end() - 1  # at the ">"
        if closing:
            if not stack:
                raise EntityParseError(
                    f"Unexpected end tag at byte offset {_byte_offset(markup, tag_pos)}"
                )
            while pos < n and markup[pos] in _SPACES:
                pos += 1
            if pos >= n or markup[pos] != ">":
                raise EntityParseError(
                    f"Unclosed end tag at byte offset {_byte_offset(markup, tag_pos)}"
                )
            tag, tag_offset, attrs = stack.pop()
            if name and name != tag:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(markup, tag_pos)}, "
                    f'expected "</{tag}>", found "</{name}>"'
                )
            if offset > tag_offset:
                entity = _entity(tag, attrs, tag_offset, offset - tag_offset)
                entities.append((tag_offset, -entity["length"], len(stack), entity))
            pos += 1
            continue
        if pos >= n:
            raise _unclosed_start_tag(markup, tag_pos)
        if name not in _HTML_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(markup, tag_pos)}'
            )
        if markup[pos] == ">":
            attrs = {}
        else:
            attrs, pos = _parse_attributes(markup, pos, name, tag_pos)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset '
                f"{_byte_offset(markup, tag_pos)}"
            )
        stack.append((name, offset, attrs))
        pos += 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: e[:3])  # by offset, outer entities first
    return "".join(out), [e[3] for e in entities]


# A broadcast sends one rendered text to many chats: parse each text once. The results
# are shared between messages, so nothing may mutate them.
_parse_html_cached = functools.lru_cache(maxsize=256)(parse_html)


def _entity(tag: str, attrs: dict[str, str], offset: int, length: int) -> dict[str, Any]:
    entity: dict[str, Any] = {"type": _HTML_TAGS[tag], "offset": offset, "length": length}
    if tag == "a":
        entity["url"] = attrs.get("href", "")
    elif tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    elif tag == "code" and attrs.get("class", "").startswith("language-"):
        entity["language"] = attrs["class"].removeprefix("language-")
    return entity


def parse_markup(text: str, parse_mode: Any, entities: Any) -> tuple[str, list[dict[str, Any]]]:
    """The plain text and entities of `text` in `parse_mode`; ApiError for what Telegram refuses.

    Only HTML is checked; Markdown modes pass through unchecked, with the given entities.
    """
    if not parse_mode:
        return text, list(entities or [])
    mode = PARSE_MODES.get(str(parse_mode).lower())
    if mode is None:
        raise ApiError(400, f"Bad Request: unsupported parse_mode: {parse_mode}")
    if mode != "HTML":
        return text, list(entities or [])
    try:
        plain, found = _parse_html_cached(text)
    except EntityParseError as exc:
        raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
    return plain, list(found)


def check_text(text: Any, parse_mode: Any, entities: Any) -> tuple[str, list[dict[str, Any]]]:
    """A message text as Telegram checks it: not empty, markup valid, at most 4096 UTF-16 units.

    Telegram keeps the first 100 formatting entities and ignores the rest.
    """
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    plain, found = parse_markup(text, parse_mode, entities)
    if not plain.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if utf16_len(plain) > MAX_TEXT_UTF16:
        raise ApiError(400, "Bad Request: message is too long")
    return plain, found[:MAX_ENTITIES]


def check_caption(caption: Any, parse_mode: Any, entities: Any) -> tuple[str, list[dict[str, Any]]]:
    """A media caption: may be empty; markup valid; at most 1024 UTF-16 units."""
    if caption is None or caption == "":
        return "", []
    if not isinstance(caption, str):
        raise ApiError(400, "Bad Request: caption must be a string")
    plain, found = parse_markup(caption, parse_mode, entities)
    if utf16_len(plain) > MAX_CAPTION_UTF16:
        raise ApiError(400, "Bad Request: message caption is too long")
    return plain, found[:MAX_ENTITIES]
