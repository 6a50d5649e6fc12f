"""Chat members as the Bot API describes them (ChatMember*), and what the bot's own
membership lets it do in a chat."""

from __future__ import annotations

from typing import Any

from bot.local_api.errors import ApiError

__all__ = ["STATUSES", "can_post", "check_bot_may_write", "member_fields"]

STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
# Every administrator's rights (ChatMemberAdministrator's required fields).
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)
CHANNEL_RIGHTS = ("can_post_messages", "can_edit_messages")
GROUP_RIGHTS = ("can_pin_messages", "can_manage_topics")
# A restricted member's permissions (ChatMemberRestricted's required fields).
MEMBER_PERMISSIONS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_edit_tag",
    "can_react_to_messages",
)


def member_fields(status: str, chat_type: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """The fields of a ChatMember with `status` in a chat of `chat_type`, without `user`.

    An administrator has every right of its kind of chat unless `overrides` says otherwise
    (e.g. can_post_messages=False); a restricted member has none unless given.
    """
    if status not in STATUSES:
        raise ValueError(f"unknown chat member status {status!r}; one of {STATUSES}")
    fields: dict[str, Any] = {"status": status}
    if status == "creator":
        fields["is_anonymous"] = False
    elif status == "administrator":
        rights = ADMIN_RIGHTS + (CHANNEL_RIGHTS if chat_type == "channel" else GROUP_RIGHTS)
        fields |= {"can_be_edited": False, "is_anonymous": False, **dict.fromkeys(rights, True)}
    elif status == "restricted":
        fields |= {"is_member": True, "until_date": 0, **dict.fromkeys(MEMBER_PERMISSIONS, False)}
    elif status == "kicked":
        fields["until_date"] = 0
    unknown = [k for k in overrides if k not in fields and k not in ("custom_title", "tag")]
    if unknown:
        raise ValueError(f"{status} members have no {', '.join(unknown)} in a {chat_type} chat")
    return fields | overrides


def can_post(member: dict[str, Any]) -> bool:
    """Whether the bot may post in a channel with this membership."""
    status = member["status"]
    return status == "creator" or (
        status == "administrator" and bool(member.get("can_post_messages"))
    )


_CHAT_NOUNS = {"group": "group chat", "supergroup": "supergroup chat", "channel": "channel chat"}


def check_bot_may_write(
    chat: dict[str, Any], member: dict[str, Any], *, photo: bool = False
) -> None:
    """Raise what Telegram answers when the bot writes in `chat` with membership `member`."""
    status = member["status"]
    if chat["type"] == "private":
        if status == "kicked":
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return
    noun = _CHAT_NOUNS.get(chat["type"], "chat")
    if status == "kicked":
        raise ApiError(403, f"Forbidden: bot was kicked from the {noun}")
    if status == "left":
        raise ApiError(403, f"Forbidden: bot is not a member of the {noun}")
    if chat["type"] == "channel":
        if not can_post(member):
            raise ApiError(400, "Bad Request: need administrator rights in the channel chat")
        return
    if status == "restricted":
        if photo and not member.get("can_send_photos"):
            raise ApiError(400, "Bad Request: not enough rights to send photos to the chat")
        if not photo and not member.get("can_send_messages"):
            raise ApiError(400, "Bad Request: not enough rights to send text messages to the chat")
