"""Groups and forum topics end to end through the Bot API stand-in: in groups the bot
answers only commands addressed to it; a forum supergroup subscribes per topic, each
topic with its own settings, replies and pushes carrying its message_thread_id; a
deleted topic stops its subscription on the first error that says so."""

from __future__ import annotations

import logging

from storage import subscribers as subs
from tests.bot_env import BotEnv
from tests.chat_env import new_digest, push, services, settled

FORUM = -1005550001
GROUP = -4440001
ADMIN, MEMBER = 601, 602


async def topic(env: BotEnv, thread_id: int) -> subs.Subscriber | None:
    return await subs.get_subscriber(services(env).db, FORUM, thread_id)


async def make_forum(env: BotEnv) -> tuple[int, int]:
    news = env.api.create_forum_topic(FORUM, "News", title="AI forum")
    chips = env.api.create_forum_topic(FORUM, "Chips")
    env.api.set_chat_admins(FORUM, {ADMIN})
    return news, chips


async def test_two_topics_subscribe_with_their_own_settings(env):
    news, chips = await make_forum(env)
    (welcome,) = await env.say(FORUM, "/start", user_id=ADMIN, message_thread_id=news)
    assert "Welcome" in welcome.text and welcome.message_thread_id == news
    (welcome,) = await env.say(FORUM, "/start@digest_test_bot", user_id=ADMIN,
                               message_thread_id=chips)  # fmt: skip
    assert welcome.message_thread_id == chips
    for command in ("/format headlines", "/follow chips", "/alerts topics"):
        (answer,) = await env.say(FORUM, command, user_id=ADMIN, message_thread_id=chips)
        assert answer.message_thread_id == chips
    (refused,) = await env.say(FORUM, "/format brief", user_id=MEMBER, message_thread_id=news)
    assert "admins" in refused.text and refused.message_thread_id == news
    (panel,) = await env.say(FORUM, "/settings", user_id=MEMBER, message_thread_id=chips)
    assert "Headlines" in panel.text or "headlines" in panel.text

    in_news, in_chips = await topic(env, news), await topic(env, chips)
    assert (in_news.format, in_news.alerts_mode, in_news.topics) == ("full", "all", frozenset())
    assert (in_chips.format, in_chips.alerts_mode, in_chips.topics) == (
        "headlines",
        "topics",
        {"chips"},
    )
    assert await topic(env, 0) is None  # the group itself (General) did not subscribe

    before = len(env.api.messages_for(FORUM))
    await push(env, new_digest())
    await services(env).engine.run_until_idle(timeout=10)
    pushed = env.api.messages_for(FORUM)[before:]
    (to_news,) = env.api.topic_messages(FORUM, news)[-1:]
    (to_chips,) = env.api.topic_messages(FORUM, chips)[-1:]
    assert len(pushed) == 2 and {to_news.message_id, to_chips.message_id} == {
        m.message_id for m in pushed
    }
    assert "A new open model" in to_news.text and "Chip export rules" in to_news.text
    assert "Chip export rules" in to_chips.text and "A new open model" not in to_chips.text
    assert "New <b>chip</b>" not in to_chips.text  # headlines only

    # A reply in a topic stays in it; a button pressed there changes that topic only.
    await env.press(FORUM, panel, "set:previews:on", user_id=ADMIN, chat_type="supergroup")
    assert (await topic(env, chips)).previews and not (await topic(env, news)).previews


async def test_general_is_the_group_itself(env):
    news, _ = await make_forum(env)
    (welcome,) = await env.say(FORUM, "/start", user_id=ADMIN)  # in General
    assert welcome.message_thread_id is None
    await env.say(FORUM, "/stop", user_id=ADMIN, message_thread_id=news)  # not subscribed
    assert (await topic(env, 0)).status == "active"
    assert (await topic(env, news)) is None


async def test_a_deleted_topic_stops_its_subscription_and_no_other(env, caplog):
    news, chips = await make_forum(env)
    await env.say(FORUM, "/start", user_id=ADMIN, message_thread_id=news)
    await env.say(FORUM, "/start", user_id=ADMIN, message_thread_id=chips)
    env.api.delete_forum_topic(FORUM, news)
    caplog.set_level(logging.WARNING)

    await push(env, new_digest(1))
    await services(env).engine.run_until_idle(timeout=10)
    assert (await topic(env, news)).status == "blocked"
    assert (await topic(env, chips)).status == "active"
    assert "test digest 1" in env.api.topic_messages(FORUM, chips)[-1].text
    failed = [f for f in env.api.failures if f[0] == "sendMessage"]
    assert len(failed) == 1  # one try, then the subscription stopped

    await push(env, new_digest(2))
    await services(env).engine.run_until_idle(timeout=10)
    assert "test digest 2" in env.api.topic_messages(FORUM, chips)[-1].text
    assert len([f for f in env.api.failures if f[0] == "sendMessage"]) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_command_from_a_deleted_topic_gets_silence(env, caplog):
    _, chips = await make_forum(env)
    await env.say(FORUM, "/start", user_id=ADMIN, message_thread_id=chips)
    env.api.delete_forum_topic(FORUM, chips)
    caplog.set_level(logging.WARNING)
    before = len(env.api.sent)
    forum = {"id": FORUM, "type": "supergroup", "title": "AI forum", "is_forum": True}
    env.api.add_update(  # a late update from the topic, after it was deleted
        {
            "message": {
                "message_id": 9999,
                "date": 1,
                "chat": forum,
                "from": {"id": ADMIN, "is_bot": False, "first_name": "Ada"},
                "text": "/latest",
                "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
                "message_thread_id": chips,
                "is_topic_message": True,
            }
        }
    )
    await settled(env)
    assert env.api.sent[before:] == []  # nothing could reach the topic
    assert (await topic(env, chips)).status == "blocked"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_removed_from_a_forum_every_topic_stops(env):
    news, chips = await make_forum(env)
    await env.say(FORUM, "/start", user_id=ADMIN, message_thread_id=news)
    await env.say(FORUM, "/start", user_id=ADMIN, message_thread_id=chips)
    await env.say(FORUM, "/start", user_id=ADMIN)
    env.api.set_bot_member(FORUM, "kicked", by_user_id=ADMIN)
    await settled(env)
    for thread_id in (0, news, chips):
        assert (await topic(env, thread_id)).status == "blocked"


async def test_in_groups_only_commands_addressed_to_the_bot_are_answered(env):
    env.api.set_chat_admins(GROUP, {ADMIN})
    group = {"chat_type": "group", "chat_title": "Fans", "user_id": ADMIN}
    for text in ("/start@otherbot", "/roll", "/roll@otherbot", "/settings@OtherBot", "hello"):
        assert await env.say(GROUP, text, **group) == [], text
    news, _ = await make_forum(env)
    for text in ("/start@otherbot", "/roll 2d6", "hi all"):
        assert await env.say(FORUM, text, user_id=ADMIN, message_thread_id=news) == [], text
    assert await subs.get_subscriber(services(env).db, GROUP) is None
    (answer,) = await env.say(GROUP, "/help@digest_test_bot", **group)
    assert "/search" in answer.text
    (answer,) = await env.say(GROUP, "/help@DIGEST_TEST_BOT", **group)
    assert "/search" in answer.text
    (hint,) = await env.say(ADMIN, "/roll")  # in a private chat unknown commands get a hint
    assert "/help" in hint.text


async def test_a_topic_is_a_subscriber_of_its_own_in_storage(db):
    await subs.subscribe(db, FORUM, kind="supergroup", thread_id=7)
    await subs.subscribe(db, FORUM, kind="supergroup")
    await subs.follow(db, FORUM, "chips", thread_id=7)
    await subs.update_preferences(db, FORUM, thread_id=7, format="brief")
    found = await subs.get_subscribers_by_key(db, [(FORUM, 7), (FORUM, 0), (FORUM, 8)])
    assert set(found) == {(FORUM, 7), (FORUM, 0)}
    assert (found[(FORUM, 7)].format, found[(FORUM, 7)].topics) == ("brief", {"chips"})
    assert (found[(FORUM, 0)].format, found[(FORUM, 0)].topics) == ("full", frozenset())
    assert set(await subs.get_subscribers(db, [FORUM])) == {FORUM}  # the chat itself
    await subs.forget(db, FORUM, thread_id=7)
    assert await subs.get_subscriber(db, FORUM, 7) is None
    assert await subs.get_subscriber(db, FORUM) is not None
    async with db.execute("SELECT count(*) FROM follows") as cursor:
        assert (await cursor.fetchone())[0] == 0  # the topic's follows went with it
