-- Forum topics: a forum supergroup subscribes per topic. A subscriber is now
-- (chat_id, thread_id): thread_id is the topic's message_thread_id, 0 for the chat
-- itself (private chats, groups, channels, a forum's General topic). Follows and ledger
-- rows carry it, so each topic keeps its own settings and its pushes carry the thread.
-- Rate limits stay per chat (bot/delivery/ratelimit.py).
-- SQLite cannot change a primary key, so the three tables are rebuilt. Children are
-- dropped before their parent: dropping a table deletes its rows first, and those
-- deletes would cascade.
CREATE TABLE subscribers_new (
    chat_id      INTEGER NOT NULL,
    thread_id    INTEGER NOT NULL DEFAULT 0,          -- forum topic; 0 = the chat itself
    kind         TEXT NOT NULL DEFAULT 'private',     -- private | group | supergroup | channel
    title        TEXT,                                 -- chat title or user's name, for admins
    status       TEXT NOT NULL DEFAULT 'active',      -- active | paused | blocked
    format       TEXT NOT NULL DEFAULT 'full',        -- full | brief | headlines
    alerts_mode  TEXT NOT NULL DEFAULT 'all',         -- all | topics
    previews     INTEGER NOT NULL DEFAULT 0,          -- link previews on/off
    tz           TEXT NOT NULL DEFAULT 'UTC',         -- IANA zone, '' = not chosen
    quiet_from   INTEGER,                              -- hour 0-23 in tz, NULL = no quiet hours
    quiet_to     INTEGER,
    created_ts   INTEGER NOT NULL,
    updated_ts   INTEGER NOT NULL,
    lang         TEXT CHECK (lang IN ('en', 'zh')),
    user_lang    TEXT CHECK (user_lang IN ('en', 'zh')),
    PRIMARY KEY (chat_id, thread_id),
    CHECK (status IN ('active', 'paused', 'blocked')),
    CHECK (format IN ('full', 'brief', 'headlines')),
    CHECK (alerts_mode IN ('all', 'topics'))
);
INSERT INTO subscribers_new (chat_id, thread_id, kind, title, status, format, alerts_mode,
    previews, tz, quiet_from, quiet_to, created_ts, updated_ts, lang, user_lang)
SELECT chat_id, 0, kind, title, status, format, alerts_mode, previews, tz, quiet_from,
    quiet_to, created_ts, updated_ts, lang, user_lang
FROM subscribers;

CREATE TABLE follows_new (
    chat_id    INTEGER NOT NULL,
    thread_id  INTEGER NOT NULL DEFAULT 0,
    topic      TEXT NOT NULL,
    PRIMARY KEY (chat_id, thread_id, topic),
    FOREIGN KEY (chat_id, thread_id) REFERENCES subscribers_new (chat_id, thread_id)
        ON DELETE CASCADE
) WITHOUT ROWID;
INSERT INTO follows_new (chat_id, thread_id, topic) SELECT chat_id, 0, topic FROM follows;

CREATE TABLE deliveries_new (
    digest_id   TEXT NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
    chat_id     INTEGER NOT NULL,
    thread_id   INTEGER NOT NULL DEFAULT 0,   -- the forum topic the parts go to
    part        INTEGER NOT NULL,
    profile     TEXT,                         -- set when rendered
    status      TEXT NOT NULL DEFAULT 'planned',
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    message_id  INTEGER,
    not_before  INTEGER NOT NULL DEFAULT 0,   -- quiet hours, retry back-off
    created_ts  INTEGER NOT NULL,
    sent_ts     REAL,
    PRIMARY KEY (digest_id, chat_id, thread_id, part),
    FOREIGN KEY (chat_id, thread_id) REFERENCES subscribers_new (chat_id, thread_id)
        ON DELETE CASCADE,
    CHECK (status IN ('planned', 'pending', 'sending', 'sent', 'skipped', 'failed'))
) WITHOUT ROWID;
INSERT INTO deliveries_new (digest_id, chat_id, thread_id, part, profile, status, attempts,
    last_error, message_id, not_before, created_ts, sent_ts)
SELECT digest_id, chat_id, 0, part, profile, status, attempts, last_error, message_id,
    not_before, created_ts, sent_ts
FROM deliveries;

DROP TABLE deliveries;
DROP TABLE follows;
DROP TABLE subscribers;
-- Renaming the parent renames it in the children's foreign keys too.
ALTER TABLE subscribers_new RENAME TO subscribers;
ALTER TABLE follows_new RENAME TO follows;
ALTER TABLE deliveries_new RENAME TO deliveries;

CREATE INDEX subscribers_by_status ON subscribers (status);
CREATE INDEX deliveries_by_status ON deliveries (status, not_before);
CREATE INDEX deliveries_by_chat ON deliveries (chat_id, status);
-- The delivery engine's work queue (migration 003): the oldest digests first, parts in order.
CREATE INDEX deliveries_queue ON deliveries (status, digest_id, part, not_before);
