"""The stand-in's channels, memberships, chat members and forum topics, driven by the real
python-telegram-bot Bot and Application over real HTTP."""

from __future__ import annotations

import asyncio

import pytest
from telegram import (
    Bot,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    filters,
)

from bot.local_api import LocalBotApi

USER = 111
GROUP = -100200
CHANNEL = -100300
FORUM = -100400


async def updates(bot: Bot) -> tuple[Update, ...]:
    """Everything pending, confirmed."""
    found = await bot.get_updates(timeout=0)
    if found:
        await bot.get_updates(offset=found[-1].update_id + 1, timeout=0)
    return found


# --- channels ----------------------------------------------------------------------------


async def test_a_channel_post_comes_as_the_channel(api: LocalBotApi, bot: Bot):
    update_id = api.post_in_channel(CHANNEL, "/latest@digest_test_bot now", title="AI news")
    (update,) = await updates(bot)
    post = update.channel_post
    assert update.update_id == update_id and update.message is None
    assert post.chat.type == "channel" and post.chat.title == "AI news"
    assert post.sender_chat.id == CHANNEL and post.from_user is None
    assert post.entities[0].type == "bot_command"
    assert post.parse_entity(post.entities[0]) == "/latest@digest_test_bot"
    # The bot's own post in a channel is signed by the channel too.
    sent = await bot.send_message(CHANNEL, "digest")
    assert sent.sender_chat.id == CHANNEL and sent.from_user is None


async def remember(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    context.bot_data["seen"].append(update)
    context.bot_data["changed"].set()


async def reply_in_channel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text("Latest digest")


def build_app(api: LocalBotApi) -> Application:
    app = ApplicationBuilder().token(api.token).base_url(f"{api.base_url}/bot").build()
    app.add_handler(
        CommandHandler("latest", reply_in_channel, filters=filters.UpdateType.CHANNEL_POSTS)
    )
    app.add_handler(ChatMemberHandler(remember, ChatMemberHandler.MY_CHAT_MEMBER))
    return app


async def test_application_answers_a_channel_command_and_sees_its_rights_change(
    api: LocalBotApi,
):
    app = build_app(api)
    app.bot_data.update(seen=[], changed=asyncio.Event())
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        api.post_in_channel(CHANNEL, "/latest")
        (reply,) = await api.wait_for_messages(1, chat_id=CHANNEL)
        assert reply.text == "Latest digest"

        # The owner takes away the right to post: the bot hears of it, and can no longer post.
        update_id = api.set_bot_member(CHANNEL, "administrator", can_post_messages=False)
        assert update_id is not None
        await asyncio.wait_for(app.bot_data["changed"].wait(), 10)
        (change,) = app.bot_data["seen"]
        member = change.my_chat_member
        assert member.chat.id == CHANNEL and member.new_chat_member.user.id == api.bot_id
        assert member.old_chat_member.can_post_messages is True
        assert member.new_chat_member.can_post_messages is False
        with pytest.raises(BadRequest, match="Need administrator rights in the channel chat"):
            await app.bot.send_message(CHANNEL, "refused")
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert [m.text for m in api.messages_for(CHANNEL)] == ["Latest digest"]


async def test_rights_in_a_channel_decide_what_the_bot_may_do(api: LocalBotApi, bot: Bot):
    api.add_chat(CHANNEL, "channel", title="AI news", username="ai_news")
    assert api.set_bot_member(CHANNEL, "administrator") is None  # the default: no change
    own = await bot.send_message("@ai_news", "by username")
    assert own.chat.id == CHANNEL

    api.set_bot_member(CHANNEL, "member")
    with pytest.raises(BadRequest, match="Need administrator rights"):
        await bot.send_message(CHANNEL, "x")
    api.set_bot_member(CHANNEL, "left")
    with pytest.raises(Forbidden, match="bot is not a member of the channel chat"):
        await bot.send_message(CHANNEL, "x")
    assert api.post_in_channel(CHANNEL, "/latest") is None  # posts no longer reach the bot
    api.set_bot_member(CHANNEL, "kicked")
    with pytest.raises(Forbidden, match="bot was kicked from the channel chat"):
        await bot.send_message(CHANNEL, "x")

    kinds = [
        (u.my_chat_member.old_chat_member.status, u.my_chat_member.new_chat_member.status)
        for u in await updates(bot)
    ]
    assert kinds == [("administrator", "member"), ("member", "left"), ("left", "kicked")]


async def test_group_membership_and_a_blocked_private_chat(api: LocalBotApi, bot: Bot):
    api.send_user_message(GROUP, "hello", chat_type="group", chat_title="Fans")
    api.set_bot_member(GROUP, "kicked", by_user_id=42)
    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await bot.send_message(GROUP, "x")
    assert api.send_user_message(GROUP, "anyone?") is None  # nothing reaches a kicked bot
    api.set_bot_member(GROUP, "member")
    await bot.send_message(GROUP, "back")

    api.set_bot_member(USER, "kicked")  # the user blocked the bot
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "x")
    api.send_user_message(USER, "/start")  # "Restart" unblocks first
    await bot.send_message(USER, "welcome back")

    found = await updates(bot)
    changes = [
        (
            u.my_chat_member.chat.id,
            u.my_chat_member.from_user.id,
            u.my_chat_member.new_chat_member.status,
        )
        for u in found
        if u.my_chat_member
    ]
    assert changes == [
        (GROUP, 42, "kicked"),
        (GROUP, 1001, "member"),
        (USER, USER, "kicked"),
        (USER, USER, "member"),
    ]
    assert found[-1].message.text == "/start"
    assert [m.text for m in api.sent] == ["back", "welcome back"]


# --- chat members ------------------------------------------------------------------------


async def test_get_chat_member_answers_each_status(api: LocalBotApi, bot: Bot):
    api.add_chat(GROUP, "supergroup", title="Fans")
    api.set_chat_member(GROUP, 1, "creator")
    api.set_chat_member(GROUP, 2, "administrator", can_delete_messages=False)
    api.set_chat_member(GROUP, 3, "restricted", can_send_messages=True)
    api.set_chat_member(GROUP, 4, "left")
    api.set_chat_member(GROUP, 5, "kicked")
    api.set_bot_member(GROUP, "administrator")

    members = {uid: await bot.get_chat_member(GROUP, uid) for uid in (1, 2, 3, 4, 5, 6)}
    assert isinstance(members[1], ChatMemberOwner)
    assert isinstance(members[2], ChatMemberAdministrator)
    assert members[2].can_delete_messages is False and members[2].can_pin_messages is True
    assert isinstance(members[3], ChatMemberRestricted)
    assert members[3].can_send_messages is True and members[3].can_send_photos is False
    assert isinstance(members[4], ChatMemberLeft)
    assert isinstance(members[5], ChatMemberBanned)
    assert isinstance(members[6], ChatMemberMember)  # anyone else
    assert (await bot.get_chat_member(GROUP, api.bot_id)).status == "administrator"
    admins = await bot.get_chat_administrators(GROUP)
    assert [m.user.id for m in admins] == [1, 2, api.bot_id]  # the creator first

    api.set_chat_admins(GROUP, {3})
    assert [m.user.id for m in await bot.get_chat_administrators(GROUP)] == [1, 3, api.bot_id]
    assert (await bot.get_chat_member(GROUP, 2)).status == "member"

    with pytest.raises(ValueError, match="unknown chat member status"):
        api.set_chat_member(GROUP, 7, "owner")
    with pytest.raises(ValueError, match="no can_post_messages"):
        api.set_chat_member(GROUP, 7, "member", can_post_messages=True)


async def test_get_chat_member_can_be_made_to_fail_for_one_chat(api: LocalBotApi, bot: Bot):
    api.fail_method(
        "getChatMember", 400, "Bad Request: member list is inaccessible", chat_id=GROUP, times=1
    )
    with pytest.raises(BadRequest, match="Member list is inaccessible"):
        await bot.get_chat_member(GROUP, 1)
    assert (await bot.get_chat_member(GROUP, 1)).status == "member"  # times=1

    api.fail_method("getChatMember", 500, chat_id=GROUP)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.get_chat_member(GROUP, 1)
    assert (await bot.get_chat_member(GROUP - 1, 1)).status == "member"  # other chats answer
    await bot.send_message(GROUP, "sends are not affected")
    api.clear_faults()
    assert (await bot.get_chat_member(GROUP, 1)).status == "member"


# --- forum topics ------------------------------------------------------------------------


async def reply_in_topic(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(f"Hello, {update.effective_user.first_name}")


async def test_application_replies_in_the_topic_it_was_asked_in(api: LocalBotApi):
    news = api.create_forum_topic(FORUM, "News", title="Forum")
    app = ApplicationBuilder().token(api.token).base_url(f"{api.base_url}/bot").build()
    app.add_handler(CommandHandler("start", reply_in_topic))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        api.send_user_message(FORUM, "/start", user_id=5, first_name="Ada", message_thread_id=news)
        (reply,) = await api.wait_for_messages(1, chat_id=FORUM)
        await app.updater.stop()
        await app.stop()
    assert (reply.text, reply.message_thread_id) == ("Hello, Ada", news)
    assert api.topic_messages(FORUM, news) == [reply]


async def test_topics_carry_their_thread_and_a_deleted_one_is_gone(api: LocalBotApi, bot: Bot):
    news = api.create_forum_topic(FORUM, "News")
    api.send_user_message(FORUM, "in the topic", message_thread_id=news)
    api.send_user_message(FORUM, "in General")
    in_topic, in_general = (u.message for u in await updates(bot))
    assert in_topic.chat.is_forum and in_topic.chat.type == "supergroup"
    assert in_topic.is_topic_message and in_topic.message_thread_id == news
    assert not in_general.is_topic_message and in_general.message_thread_id is None

    sent = await bot.send_message(FORUM, "digest", message_thread_id=news)
    assert sent.is_topic_message and sent.message_thread_id == news
    assert (await bot.send_message(FORUM, "general")).message_thread_id is None
    with pytest.raises(BadRequest, match="Message thread not found"):
        await bot.send_message(FORUM, "x", message_thread_id=news + 100)

    api.delete_forum_topic(FORUM, news)
    with pytest.raises(BadRequest, match="Message thread not found"):
        await bot.send_message(FORUM, "x", message_thread_id=news)
    with pytest.raises(BadRequest, match="Message to edit not found"):  # gone with its topic
        await bot.edit_message_text("y", chat_id=FORUM, message_id=sent.message_id)
    with pytest.raises(LookupError, match="was deleted"):
        api.send_user_message(FORUM, "late", message_thread_id=news)
    # A topic a user writes in before the test made it is made on the way.
    api.send_user_message(FORUM, "new topic", message_thread_id=77)
    assert (await bot.send_message(FORUM, "ok", message_thread_id=77)).message_thread_id == 77
    assert (await bot.get_chat(FORUM)).is_forum


async def test_a_thread_in_a_group_that_is_no_forum_must_be_a_message(api: LocalBotApi, bot: Bot):
    api.send_user_message(GROUP, "start of a thread", chat_type="supergroup")
    await bot.send_message(GROUP, "reply in the thread", message_thread_id=1)
    with pytest.raises(BadRequest, match="Message thread not found"):
        await bot.send_message(GROUP, "x", message_thread_id=50)
    with pytest.raises(ValueError, match="only supergroups are forums"):
        api.create_forum_topic(USER, "News")


async def test_a_user_replies_to_the_bot(api: LocalBotApi, bot: Bot):
    question = await bot.send_message(USER, "Which time zone?")
    api.send_user_message(USER, "Europe/Berlin", reply_to_message_id=question.message_id)
    (update,) = await updates(bot)
    replied = update.message.reply_to_message
    assert (replied.message_id, replied.from_user.id) == (question.message_id, api.bot_id)
    with pytest.raises(LookupError, match="no message 99"):
        api.send_user_message(USER, "x", reply_to_message_id=99)
