-- The whole schema: digests and their items, subscribers and their preferences,
-- follows, the delivery ledger, and the state of polled sources.
-- Times are unix seconds (INTEGER, UTC) unless named *_at_iso.

CREATE TABLE digests (
    id              TEXT PRIMARY KEY,          -- stable per post: source + slug or guid
    source          TEXT NOT NULL,
    title           TEXT NOT NULL,
    published_at    TEXT NOT NULL,             -- ISO 8601 with the post's own offset
    published_ts    INTEGER NOT NULL,          -- the same instant, for ordering
    categories      TEXT NOT NULL DEFAULT '[]',-- JSON list
    content_hash    TEXT NOT NULL,
    ingested_ts     INTEGER NOT NULL,          -- first stored: delivery latency starts here
    updated_ts      INTEGER NOT NULL
);
CREATE INDEX digests_by_time ON digests (published_ts DESC);

-- items.id is chosen from the digest's time (see storage/digests.py), so rowid
-- order is digest-time order and "newest first" is an index walk in FTS5.
CREATE TABLE items (
    id          INTEGER PRIMARY KEY,
    digest_id   TEXT NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    title       TEXT NOT NULL,
    author      TEXT,
    url         TEXT,
    summary     TEXT NOT NULL,
    links       TEXT NOT NULL DEFAULT '[]',    -- JSON list of {"text", "url"}
    UNIQUE (digest_id, position)
);

CREATE TABLE subscribers (
    chat_id      INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL DEFAULT 'private',     -- private | group | supergroup | channel
    title        TEXT,                                 -- chat title or user's name, for admins
    status       TEXT NOT NULL DEFAULT 'active',      -- active | paused | blocked
    format       TEXT NOT NULL DEFAULT 'full',        -- full | brief | headlines
    alerts_mode  TEXT NOT NULL DEFAULT 'all',         -- all | topics
    previews     INTEGER NOT NULL DEFAULT 0,          -- link previews on/off
    tz           TEXT NOT NULL DEFAULT 'UTC',         -- IANA zone
    quiet_from   INTEGER,                              -- hour 0-23 in tz, NULL = no quiet hours
    quiet_to     INTEGER,
    created_ts   INTEGER NOT NULL,
    updated_ts   INTEGER NOT NULL,
    CHECK (status IN ('active', 'paused', 'blocked')),
    CHECK (format IN ('full', 'brief', 'headlines')),
    CHECK (alerts_mode IN ('all', 'topics'))
);
CREATE INDEX subscribers_by_status ON subscribers (status);

-- A topic is a built-in topic key (bot/topics.py) or "kw:<keyword>".
CREATE TABLE follows (
    chat_id  INTEGER NOT NULL REFERENCES subscribers (chat_id) ON DELETE CASCADE,
    topic    TEXT NOT NULL,
    PRIMARY KEY (chat_id, topic)
) WITHOUT ROWID;

-- Rendered message parts, once per (digest, preference profile).
CREATE TABLE renders (
    digest_id  TEXT NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
    profile    TEXT NOT NULL,                 -- canonical key of the preference profile
    part       INTEGER NOT NULL,              -- 1-based
    parts      INTEGER NOT NULL,              -- how many parts in all (0 = nothing to send)
    text       TEXT NOT NULL,                 -- Telegram HTML
    previews   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (digest_id, profile, part)
) WITHOUT ROWID;

-- The delivery ledger. At ingest: one row per active subscriber with part = 0
-- (planned). The engine renders and replaces it by rows part = 1..n (pending),
-- then sends them in order. Exactly-once comes from this table, not memory.
CREATE TABLE deliveries (
    digest_id   TEXT NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
    chat_id     INTEGER NOT NULL REFERENCES subscribers (chat_id) ON DELETE CASCADE,
    part        INTEGER NOT NULL,
    profile     TEXT,                         -- set when rendered
    status      TEXT NOT NULL DEFAULT 'planned',
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    message_id  INTEGER,
    not_before  INTEGER NOT NULL DEFAULT 0,   -- quiet hours, retry back-off
    created_ts  INTEGER NOT NULL,
    sent_ts     REAL,
    PRIMARY KEY (digest_id, chat_id, part),
    CHECK (status IN ('planned', 'pending', 'sending', 'sent', 'skipped', 'failed'))
) WITHOUT ROWID;
CREATE INDEX deliveries_by_status ON deliveries (status, not_before);
CREATE INDEX deliveries_by_chat ON deliveries (chat_id, status);

-- Polled sources: conditional GET validators, back-off, single-story batching.
CREATE TABLE sources (
    url            TEXT PRIMARY KEY,           -- feed URL or folder path
    etag           TEXT,
    last_modified  TEXT,
    seen_ids       TEXT NOT NULL DEFAULT '[]',  -- JSON: entry ids already batched
    failures       INTEGER NOT NULL DEFAULT 0,
    next_poll_ts   INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    last_ok_ts     INTEGER
);

-- Long /search queries do not fit in 64 bytes of callback data: buttons carry this id.
CREATE TABLE saved_queries (
    id     INTEGER PRIMARY KEY,
    query  TEXT NOT NULL UNIQUE
);
