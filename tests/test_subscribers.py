from storage import subscribers as subs


async def test_subscribe_stop_and_resubscribe_keeps_preferences(db):
    subscriber, before = await subs.subscribe(db, 42, kind="private", title="Ann")
    assert subscriber.status == "active" and before is None
    await subs.update_preferences(db, 42, format="brief", tz="Asia/Shanghai", previews=True)
    await subs.follow(db, 42, "chips")
    await subs.set_status(db, 42, "paused")
    subscriber, before = await subs.subscribe(db, 42)
    assert before == "paused"
    assert (subscriber.status, subscriber.format, subscriber.tz) == (
        "active",
        "brief",
        "Asia/Shanghai",
    )
    assert subscriber.previews is True
    assert subscriber.topics == frozenset({"chips"})
    profile = subscriber.profile()
    assert (profile.format, profile.previews, profile.tz, profile.topics, profile.lang) == (
        "brief",
        True,
        "Asia/Shanghai",
        frozenset({"chips"}),
        "en",
    )
    _, before = await subs.subscribe(db, 42)
    assert before == "active"


def test_profile_keys_cannot_collide_through_a_keyword():
    """A keyword holding the old separator once made two follow sets one render key."""
    from bot.preferences import Profile

    attacker = Profile(alerts_mode="topics", topics=frozenset({"kw:notebooklm,kw:qwen"}))
    victim = Profile(alerts_mode="topics", topics=frozenset({"kw:notebooklm", "kw:qwen"}))
    assert attacker.key() != victim.key()
    assert victim.key() == Profile(alerts_mode="topics", topics=victim.topics).key()


async def test_follow_unfollow_report_changes(db):
    assert await subs.follow(db, 7, "kw:gemini")
    assert not await subs.follow(db, 7, "kw:gemini")
    assert await subs.unfollow(db, 7, "kw:gemini")
    assert not await subs.unfollow(db, 7, "kw:gemini")
    # following before /start creates a paused row, not a subscription
    assert (await subs.get_subscriber(db, 7)).status == "paused"


async def test_forget_deletes_everything(db):
    await subs.subscribe(db, 5)
    await subs.follow(db, 5, "agents")
    await subs.forget(db, 5)
    assert await subs.get_subscriber(db, 5) is None
    async with db.execute("SELECT count(*) FROM follows") as cursor:
        assert (await cursor.fetchone())[0] == 0


async def test_group_migrates_to_supergroup(db):
    await subs.subscribe(db, -100, kind="group")
    await subs.follow(db, -100, "robotics")
    await subs.migrate_chat(db, -100, -1001)
    moved = await subs.get_subscriber(db, -1001)
    assert moved is not None and moved.kind == "supergroup" and moved.topics == {"robotics"}
    assert await subs.get_subscriber(db, -100) is None


async def test_counts_and_batch_lookup(db):
    for chat_id in (1, 2, 3):
        await subs.subscribe(db, chat_id)
    await subs.set_status(db, 3, "blocked")
    assert await subs.count_by_status(db) == {"active": 2, "paused": 0, "blocked": 1}
    found = await subs.get_subscribers(db, [1, 3, 99])
    assert sorted(found) == [1, 3]
