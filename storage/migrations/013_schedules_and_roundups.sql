-- Schedules, roundups, repeated stories in pushes, and long pushes behind a button.
-- 1. A subscriber's schedule: 'instant' (each digest as it is published) or a roundup
--    'daily' at schedule_minute (minutes after midnight in its zone) or 'weekly' on
--    schedule_day (0 = Monday) too. roundup_seq: digests up to this digests.seq are
--    pushed or gathered already (NULL: nothing waits for a roundup); next_roundup_ts:
--    when the next roundup falls due (NULL: to be worked out by the delivery engine, or
--    none). repeats: stories the chat already has (fold | hide | show); max_messages:
--    the messages a push sends at once, the rest behind a "Show N more" button.
ALTER TABLE subscribers ADD COLUMN schedule TEXT NOT NULL DEFAULT 'instant'
    CHECK (schedule IN ('instant', 'daily', 'weekly'));
ALTER TABLE subscribers ADD COLUMN schedule_minute INTEGER
    CHECK (schedule_minute BETWEEN 0 AND 1439);
ALTER TABLE subscribers ADD COLUMN schedule_day INTEGER CHECK (schedule_day BETWEEN 0 AND 6);
ALTER TABLE subscribers ADD COLUMN repeats TEXT NOT NULL DEFAULT 'fold'
    CHECK (repeats IN ('fold', 'hide', 'show'));
ALTER TABLE subscribers ADD COLUMN max_messages INTEGER NOT NULL DEFAULT 3
    CHECK (max_messages BETWEEN 1 AND 10);
ALTER TABLE subscribers ADD COLUMN roundup_seq INTEGER;
ALTER TABLE subscribers ADD COLUMN next_roundup_ts INTEGER;
CREATE INDEX subscribers_by_roundup ON subscribers (next_roundup_ts)
    WHERE next_roundup_ts IS NOT NULL;
CREATE INDEX subscribers_scheduled ON subscribers (schedule) WHERE schedule != 'instant';

-- A changed schedule or zone: the next roundup is worked out again. Going from instant
-- to a roundup, the roundup gathers what comes from now on; going back to instant, what
-- waited goes out now (next_roundup_ts 0) as one roundup. Resuming (/start) gathers from
-- then on: a paused chat got nothing meanwhile and asked for nothing.
CREATE TRIGGER subscribers_schedule_changed
AFTER UPDATE OF schedule, schedule_minute, schedule_day, tz ON subscribers
BEGIN
    UPDATE subscribers SET
        roundup_seq = CASE WHEN new.schedule != 'instant' AND old.schedule = 'instant'
            THEN coalesce(new.roundup_seq, (SELECT coalesce(max(seq), 0) FROM digests))
            ELSE new.roundup_seq END,
        next_roundup_ts = CASE WHEN new.schedule = 'instant' AND new.roundup_seq IS NOT NULL
            THEN 0 END
    WHERE chat_id = new.chat_id AND thread_id = new.thread_id;
END;

CREATE TRIGGER subscribers_resumed AFTER UPDATE OF status ON subscribers
WHEN new.status = 'active' AND old.status != 'active' AND new.schedule != 'instant'
BEGIN
    UPDATE subscribers SET roundup_seq = (SELECT coalesce(max(seq), 0) FROM digests),
        next_roundup_ts = NULL
    WHERE chat_id = new.chat_id AND thread_id = new.thread_id;
END;

-- 2. digests.seq: the order digests were stored in (a roundup gathers those after the
--    chat's roundup_seq); digests.kind: 'roundup' rows are roundups, which ride the
--    delivery ledger like digests (rendered once per profile, parts in `renders`) but
--    have no items and stay out of /latest, /search and the counts.
ALTER TABLE digests ADD COLUMN kind TEXT NOT NULL DEFAULT 'digest'
    CHECK (kind IN ('digest', 'roundup'));
ALTER TABLE digests ADD COLUMN seq INTEGER;
UPDATE digests SET seq = r.n
FROM (SELECT id, row_number() OVER (ORDER BY ingested_ts, rowid) AS n FROM digests) AS r
WHERE r.id = digests.id;
CREATE UNIQUE INDEX digests_by_seq ON digests (seq);
CREATE TRIGGER digests_seq AFTER INSERT ON digests WHEN new.seq IS NULL BEGIN
    UPDATE digests SET seq = (SELECT coalesce(max(seq), 0) + 1 FROM digests) WHERE id = new.id;
END;

-- A roundup: its schedule (daily | weekly | now), when it fell due, and the digests it
-- gathers. One row serves every chat with the same schedule, due time and digests.
CREATE TABLE roundups (
    id          TEXT PRIMARY KEY REFERENCES digests (id) ON DELETE CASCADE,
    schedule    TEXT NOT NULL,
    due_ts      INTEGER NOT NULL,
    digest_ids  TEXT NOT NULL           -- JSON list, oldest first
) WITHOUT ROWID;

-- 3. The part a push ends with when more wait: its "Show N more" button (JSON).
ALTER TABLE renders ADD COLUMN markup TEXT;
