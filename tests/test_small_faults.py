"""The small ones of issue 23: bad input gets a clear answer, never "something went
wrong"; a database from a newer version is one line (a full disk: test_write_path.py)."""

from __future__ import annotations

import sqlite3
import time

import pytest

from bot.i18n import t
from bot.telegram import texts
from storage import subscribers as subs
from tests.bot_env import ADMIN_ID
from tests.chat_env import post, services, settled
from tests.test_channels import CHANNEL, add_bot_to_channel
from tests.test_operations import run_cli

LANGS = ["en", "zh"]
WRONG = {lang: t(lang, texts.SOMETHING_WENT_WRONG) for lang in LANGS}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("value", ["²", "①", "٣"])
async def test_messages_with_a_digit_int_refuses_is_a_bad_value(env, lang, value):
    (answer,) = await env.say(7, f"/messages {value}", language_code=lang)
    assert answer.text != WRONG[lang]
    assert answer.text.startswith(t(lang, texts.BAD_VALUE, value=value).split("\n")[0])


@pytest.mark.parametrize("lang", LANGS)
async def test_a_negative_hour_is_no_schedule(env, lang):
    await env.say(7, "/start", language_code=lang)
    (answer,) = await env.say(7, "/schedule daily -1:00", language_code=lang)
    assert answer.text.startswith(t(lang, texts.BAD_VALUE, value="daily -1:00"))
    stored = await subs.get_subscriber(services(env).db, 7)
    assert not stored.schedule.scheduled
    (answer,) = await env.say(7, "/schedule daily-08:00", language_code=lang)  # button data
    assert (await subs.get_subscriber(services(env).db, 7)).schedule.kind == "daily"


@pytest.mark.parametrize("lang", LANGS)
async def test_ingest_of_a_path_with_a_nul_byte_is_refused(env, lang):
    (answer,) = await env.say(ADMIN_ID, "/ingest /srv/x\x00y", language_code=lang)
    assert answer.text != WRONG[lang]
    assert t(lang, texts.INGEST_REFUSED_LINE, what="/srv/x\x00y").split(":")[-1] in answer.text


@pytest.mark.parametrize("lang", LANGS)
async def test_a_channel_post_not_by_the_channel_is_refused_as_a_channel(env, lang):
    await add_bot_to_channel(env)
    await post(env, CHANNEL, "/start")
    await post(env, CHANNEL, f"/lang {lang}")
    before = len(env.api.sent)
    chat = {"id": CHANNEL, "type": "channel", "title": "AI news"}
    env.api.add_update({"channel_post": {
        "message_id": 9001, "date": int(time.time()), "chat": chat, "text": "/format brief",
        "sender_chat": {"id": -100555, "type": "channel", "title": "Somebody else"},
        "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
    }})  # fmt: skip
    await settled(env)
    (answer,) = env.api.sent[before:]
    assert answer.text == t(lang, texts.CHANNEL_ADMINS_ONLY)
    assert (await subs.get_subscriber(services(env).db, CHANNEL)).format == "full"


@pytest.mark.parametrize("command", [["search", "x"], ["ingest", "."]])
def test_a_database_of_a_newer_version_is_refused_in_one_line(tmp_path, command):
    with sqlite3.connect(tmp_path / "bot.db") as conn:
        conn.execute("PRAGMA user_version = 999")
    result = run_cli(tmp_path, *command)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert "bot.db" in line and "newer digest-bot" in line and "999" in line
    with sqlite3.connect(tmp_path / "bot.db") as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (999,)
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_confirmation_describes_what_its_command_wrote(env, lang):
    """A read that sees an older snapshot (under load, another request's statement still
    open on the reading connection) must not make /schedule confirm the old schedule."""
    group = {"user_id": ADMIN_ID, "chat_type": "group", "language_code": lang}
    await env.say(-500, "/start", **group)
    await env.say(-500, f"/lang {lang}", **group)
    db = services(env).db
    await (await db.execute("BEGIN")).close()  # the reading connection keeps a snapshot
    await (await db.execute("SELECT count(*) FROM subscribers")).close()
    try:
        (answer,) = await env.say(-500, "/schedule daily 08:00", **group)
    finally:
        await (await db.execute("COMMIT")).close()
    assert "08:00" in answer.text and answer.text != t(lang, texts.SCHEDULE_SAVED_INSTANT)
    assert (await subs.get_subscriber(db, -500)).schedule.kind == "daily"
