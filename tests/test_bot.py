"""End to end: a scripted user talks to the real bot through the Bot API stand-in."""

from __future__ import annotations

from bot.digest.markup import MAX_MESSAGE, utf16_len
from bot.local_api import LocalBotApi
from storage import subscribers as subs
from storage.db import connect
from tests.bot_env import (
    ADMIN_ID,
    BotEnv,
    make_settings,
    start_bot,
    stop_bot,
    wait_until,
)

USER = 101
GROUP = -500
GROUP_ADMIN, GROUP_MEMBER = 201, 202


async def stored(env: BotEnv, chat_id: int) -> subs.Subscriber | None:
    db = await connect(env.settings.database_path)
    try:
        return await subs.get_subscriber(db, chat_id)
    finally:
        await db.close()


def button_data(message) -> list[str]:
    return [data for row in message.buttons for _, data in row]


async def test_start_subscribes_and_registers_commands(env):
    assert {c["command"] for c in env.api.commands} >= {"start", "latest", "search", "settings"}
    (welcome,) = await env.say(USER, "/start")
    assert "Welcome" in welcome.text and "2026.11.28.16" in welcome.text  # the newest sample
    assert welcome.parse_mode == "HTML"
    assert (await stored(env, USER)).status == "active"
    (again,) = await env.say(USER, "/start")
    assert "already subscribed" in again.text


async def test_stop_keeps_preferences_and_start_restores_them(env):
    await env.say(USER, "/start")
    await env.say(USER, "/format brief")
    (stopped,) = await env.say(USER, "/stop")
    assert "Paused" in stopped.text
    subscriber = await stored(env, USER)
    assert (subscriber.status, subscriber.format) == ("paused", "brief")
    await env.say(USER, "/start")
    subscriber = await stored(env, USER)
    assert (subscriber.status, subscriber.format) == ("active", "brief")


async def test_latest_in_every_format(env):
    await env.say(USER, "/start")
    texts = {}
    for fmt in ("full", "brief", "headlines"):
        (saved,) = await env.say(USER, f"/format {fmt}")
        assert "Saved" in saved.text
        parts = await env.say(USER, "/latest")
        assert parts, fmt
        for part in parts:
            assert part.parse_mode == "HTML"
            assert utf16_len(part.text) <= MAX_MESSAGE
            assert part.link_preview_options == {"is_disabled": True}
        texts[fmt] = "\n".join(p.text for p in parts)
        assert "2026.11.28.16" in texts[fmt]
    assert len(texts["full"]) > len(texts["brief"]) > len(texts["headlines"])
    assert "<a href=" in texts["headlines"]


async def test_settings_by_buttons(env):
    await env.say(USER, "/start")
    (panel,) = await env.say(USER, "/settings")
    data = button_data(panel)
    assert {"set:format:headlines", "set:previews:on", "set:alerts:topics", "set:quiet:off"} <= set(
        data
    )
    for choice in (
        "set:format:headlines",
        "set:previews:on",
        "set:alerts:topics",
        "set:tz:Asia/Shanghai",
        "set:quiet:23-8",
    ):
        (edited,) = await env.press(USER, panel, choice)
        assert edited.method.lower() == "editmessagetext" and edited.message_id == panel.message_id
    subscriber = await stored(env, USER)
    assert (subscriber.format, subscriber.previews, subscriber.alerts_mode, subscriber.tz) == (
        "headlines",
        True,
        "topics",
        "Asia/Shanghai",
    )
    assert (subscriber.quiet_from, subscriber.quiet_to) == (23, 8)
    assert "• Headlines •" in str(edited.buttons)
    # pressing the chosen value again changes nothing and is not an error
    await env.press(USER, panel, "set:format:headlines")
    parts = await env.say(USER, "/latest")
    assert parts[0].link_preview_options == {"is_disabled": False}
    assert "(UTC+8)" in parts[0].plain_text


async def test_typed_settings_validate(env):
    for text, expected in (
        ("/format huge", "<b>huge</b> is not a choice here.\n\n/format full|brief|headlines"),
        ("/tz Mars/Olympus", "I don't know the time zone <b>Mars/Olympus</b>"),
        ("/tz Europe/Berlin", "Time zone: <b>Europe/Berlin</b>. It is "),
        ("/quiet 25-3", "<b>25-3</b> is not a choice here. The hour must be 0–23.\n\n/quiet"),
        ("/quiet 22-6", "22:00–06:00"),
        ("/quiet off", "Quiet hours: <b>off"),
        ("/previews maybe", "/previews on|off\nNow: <b>off</b>"),
        ("/alerts topics", "only items of my topics"),
    ):
        (answer,) = await env.say(USER, text)
        assert expected in answer.text, (text, answer.text)


async def test_search_chinese_english_paging_and_hostile_input(env):
    (found,) = await env.say(USER, "/search 芯片")
    assert "<b>芯片</b>" in found.text
    (found,) = await env.say(USER, "/search openai")
    assert "<b>OpenAI</b>" in found.text
    (first,) = await env.say(USER, "/search AI")  # matches in many items: paged
    assert "Next" in str(first.buttons)
    next_data = next(d for d in button_data(first) if d.startswith("s:"))
    (second,) = await env.press(USER, first, next_data)
    assert second.method.lower() == "editmessagetext" and second.text != first.text
    assert "Previous" in str(second.buttons)
    (usage,) = await env.say(USER, "/search")
    assert "Usage" in usage.text
    (none,) = await env.say(USER, "/search zzzqqqxxx")
    assert "Nothing found" in none.text and "fewer" in none.text
    for hostile in ('"', 'NEAR( "a" OR * ) AND', "col:title ^x -y", "'; DROP TABLE items; --"):
        (answer,) = await env.say(USER, f"/search {hostile}")
        assert "something went wrong" not in answer.text


async def test_follow_topics_and_toggle_buttons(env):
    await env.say(USER, "/start")
    (followed,) = await env.say(USER, "/follow chips")
    assert "Following" in followed.text
    (mine,) = await env.say(USER, "/follow Gemini")
    assert "Gemini" in mine.text or "gemini" in mine.text
    (panel,) = await env.say(USER, "/topics")
    data = button_data(panel)
    assert "t:chips" in data and "t:robotics" in data
    await env.press(USER, panel, "t:robotics")
    assert (await stored(env, USER)).topics == {"chips", "robotics", "kw:gemini"}
    await env.press(USER, panel, "t:chips")
    assert "chips" not in (await stored(env, USER)).topics
    (gone,) = await env.say(USER, "/unfollow gemini")
    assert "Unfollowed" in gone.text
    # matches are marked in /latest
    parts = await env.say(USER, "/latest")
    assert "🔔" in "".join(p.text for p in parts)


async def test_groups_need_a_group_admin_to_change_settings(env):
    env.api.set_chat_admins(GROUP, {GROUP_ADMIN})
    group = {"chat_type": "group", "chat_title": "AI fans"}
    (refused,) = await env.say(GROUP, "/start@digest_test_bot", user_id=GROUP_MEMBER, **group)
    assert "Only this group's admins" in refused.text
    assert await stored(env, GROUP) is None
    (welcome,) = await env.say(GROUP, "/start@digest_test_bot", user_id=GROUP_ADMIN, **group)
    assert "Welcome" in welcome.text
    assert (await stored(env, GROUP)).kind == "group"
    # anyone may read
    parts = await env.say(GROUP, "/latest@digest_test_bot", user_id=GROUP_MEMBER, **group)
    assert parts and "2026.11.28.16" in parts[0].text
    (panel,) = await env.say(GROUP, "/settings", user_id=GROUP_ADMIN, **group)
    await env.press(GROUP, panel, "set:format:brief", user_id=GROUP_MEMBER, chat_type="group")
    assert (await stored(env, GROUP)).format == "full"
    assert env.callback_answers()[-1].get("show_alert") in (True, "true", "True")


async def test_unknown_commands_long_messages_and_stale_buttons(env):
    (hint,) = await env.say(USER, "/frobnicate now")
    assert "/help" in hint.text
    (help_text,) = await env.say(USER, "/help")
    assert "/search" in help_text.text and "/stats" not in help_text.text
    (pointer,) = await env.say(USER, "x" * 10_000)  # plain text is a search, with a hint
    assert "Nothing found" in pointer.text and "/help" in pointer.text
    assert await env.say(GROUP, "hello all", chat_type="group") == []  # quiet in groups
    long_search = await env.say(USER, "/search " + "模型 " * 3000)
    assert len(long_search) == 1
    (panel,) = await env.say(USER, "/settings")
    await env.press(USER, panel, "zz:old:button")
    await env.press(USER, panel, "s:AAAAAAAAAAAA:0")  # a search that no longer exists
    answers = env.callback_answers()
    assert "out of date" in answers[-2]["text"] and "expired" in answers[-1]["text"]


async def test_admin_commands_check_the_admin_list(env, caplog):
    (refused,) = await env.say(USER, "/stats")
    assert "for the bot's admins" in refused.text
    assert any("refused admin command" in r.getMessage() for r in caplog.records)
    await env.say(USER, "/start")
    (stats,) = await env.say(ADMIN_ID, "/stats")
    assert "1 active" in stats.text and "3 digests" in stats.text
    (usage,) = await env.say(ADMIN_ID, "/ingest")
    assert "Usage" in usage.text
    (outside,) = await env.say(ADMIN_ID, "/ingest /usr")  # not a configured source folder
    assert "1 failed" in outside.text and "not allowed" in outside.text


async def test_ingest_reads_only_the_sources_folders_and_public_urls(tmp_path):
    watched = tmp_path / "posts"
    (watched / "new").mkdir(parents=True)
    (watched / "new" / "post.md").write_text(
        "---\ntitle: An admin's post\ndate: 2026-11-29T08:00:00+08:00\n---\n\n"
        "1.  [Headline - Ann](https://example.com/a)\n\n    Summary.\n",
        encoding="utf-8",
    )
    async with LocalBotApi() as api:
        settings = make_settings(api, tmp_path / "bot.db", digest_sources=[str(watched)])
        env = BotEnv(api, await start_bot(settings), settings)
        try:
            (done,) = await env.say(ADMIN_ID, f"/ingest {watched / 'new'}")
            assert "1 new" in done.text and "0 failed" in done.text
            refused = [
                "/etc",
                f"{watched}/../..",  # out of the folder by its parent
                f"{api.base_url}/feed.xml",  # loopback
                "http://10.0.0.1/feed.xml",  # a private network
                "file:///etc/passwd",
            ]
            for target in refused:
                (answer,) = await env.say(ADMIN_ID, f"/ingest {target}")
                assert "not allowed" in answer.text, target
                assert "Connection" not in answer.text and "Errno" not in answer.text
            (missing,) = await env.say(ADMIN_ID, f"/ingest {watched / 'gone.md'}")
            assert "could not be read" in missing.text and "No such" not in missing.text
        finally:
            await stop_bot(env.application)


async def test_forget_deletes_after_confirmation(env):
    await env.say(USER, "/start")
    await env.say(USER, "/follow robotics")
    (question,) = await env.say(USER, "/forget")
    await env.press(USER, question, "forget:no")
    assert await stored(env, USER) is not None
    await env.press(USER, question, "forget:yes")
    assert await stored(env, USER) is None


async def test_a_blocked_chat_does_not_affect_others(env):
    env.api.fail_chat(USER, 403, "Forbidden: bot was blocked by the user")
    assert await env.say(USER, "/latest") == []  # the reply failed; logged, no crash
    parts = await env.say(USER + 1, "/latest")
    assert parts and "2026.11.28.16" in parts[0].text


async def test_removed_from_group_marks_the_subscriber_blocked(env):
    env.api.set_chat_admins(GROUP, {GROUP_ADMIN})
    await env.say(GROUP, "/start", user_id=GROUP_ADMIN, chat_type="group", chat_title="AI fans")
    bot_user = {"id": env.api.bot_id, "is_bot": True, "first_name": "Digest"}
    env.api.add_update(
        {
            "my_chat_member": {
                "chat": {"id": GROUP, "type": "group", "title": "AI fans"},
                "from": {"id": GROUP_ADMIN, "is_bot": False, "first_name": "Admin"},
                "date": 0,
                "old_chat_member": {"status": "member", "user": bot_user},
                "new_chat_member": {"status": "left", "user": bot_user},
            }
        }
    )
    await env.say(USER, "/help")  # settles after the membership update too
    assert (await stored(env, GROUP)).status == "blocked"


async def test_each_update_is_logged_with_its_ids_but_not_its_text(env, caplog):
    caplog.set_level("INFO", logger="bot.telegram.handlers")
    await env.say(USER, "/search secret-words-here")
    lines = [r for r in caplog.records if r.getMessage().startswith("update:")]
    assert lines and lines[-1].getMessage() == "update: /search"
    assert lines[-1].chat_id == USER and isinstance(lines[-1].update_id, int)
    assert not any("secret-words-here" in r.getMessage() for r in caplog.records)


def group_message(chat_id: int, text: str, **fields) -> dict:
    return {
        "message": {
            "message_id": 77,
            "date": 1,
            "chat": {"id": chat_id, "type": "group", "title": "AI fans"},
            "text": text,
            **fields,
        }
    }


async def test_an_anonymous_admin_writing_as_the_group_may_change_settings(env):
    env.api.set_chat_admins(GROUP, {GROUP_ADMIN})
    group_chat = {"id": GROUP, "type": "group", "title": "AI fans"}
    anonymous = {"id": 1087968824, "is_bot": True, "first_name": "Group"}  # Telegram's
    entity = [{"type": "bot_command", "offset": 0, "length": 6}]
    env.api.add_update(
        group_message(
            GROUP, "/start", sender_chat=group_chat, entities=entity, **{"from": anonymous}
        )
    )
    await wait_until(lambda: env.api.messages_for(GROUP), what="the group's welcome")
    assert "Welcome" in env.api.messages_for(GROUP)[-1].text
    assert (await stored(env, GROUP)).status == "active"
    # Another chat's identity (a channel posting in the group) is not the group's admin.
    other = {"id": -1009, "type": "channel", "title": "Elsewhere"}
    entity = [{"type": "bot_command", "offset": 0, "length": 5}]
    env.api.add_update(group_message(GROUP, "/stop", sender_chat=other, entities=entity))
    await wait_until(lambda: len(env.api.messages_for(GROUP)) >= 2, what="a refusal")
    assert "Only this group's admins" in env.api.messages_for(GROUP)[-1].text
    assert (await stored(env, GROUP)).status == "active"


async def test_a_group_that_becomes_a_supergroup_keeps_its_subscription(env):
    env.api.set_chat_admins(GROUP, {GROUP_ADMIN})
    await env.say(GROUP, "/start", user_id=GROUP_ADMIN, chat_type="group", chat_title="AI fans")
    await env.say(GROUP, "/format brief", user_id=GROUP_ADMIN, chat_type="group")
    supergroup = -1001234567890
    env.api.add_update(group_message(GROUP, "", migrate_to_chat_id=supergroup))
    await wait_until(lambda: stored_async(env, supergroup), what="the subscription moved")
    moved = await stored(env, supergroup)
    assert (moved.kind, moved.format, moved.status) == ("supergroup", "brief", "active")
    assert await stored(env, GROUP) is None


async def stored_async(env, chat_id: int) -> bool:
    return await stored(env, chat_id) is not None


async def test_html_telegram_refuses_is_sent_again_as_plain_text(env):
    env.api.fail_chat(USER, 400, "Bad Request: can't parse entities: unsupported tag", times=1)
    answers = await env.say(USER, "/help")
    (plain,) = answers  # the refused HTML never arrived; its plain text did
    assert plain.parse_mode is None
    assert "<b>" not in plain.text and "Commands" in plain.text and "/search <words>" in plain.text


async def test_a_storage_failure_is_logged_and_answered_without_details(env, caplog):
    db = env.application.bot_data["services"].db
    async with db.transaction() as conn:
        await conn.execute("DROP TABLE saved_searches")
    caplog.set_level("ERROR", logger="bot.telegram.handlers")
    (sorry,) = await env.say(USER, "/search 模型")
    assert "something went wrong" in sorry.text
    assert "saved_searches" not in sorry.text
    assert any("error while handling an update" in r.getMessage() for r in caplog.records)
    (again,) = await env.say(USER, "/help")  # the bot goes on
    assert "Commands" in again.text
