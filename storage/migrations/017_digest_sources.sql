-- Sources: each digest's `source` is its source's name (the name DIGEST_SOURCES gives
-- it, the feed's title, else the folder's name). This table lists them, with the
-- language measured from the items of their latest 30 digests (bot/digest/languages.py),
-- whether DIGEST_SOURCES still names them, and whether the first digest of a source
-- added after others carries a one-line note. A chat's choices of sources are follows
-- ("source:on:<name>" / "source:off:<name>"); a source a chat made no choice about is
-- taken when it is in the chat's language or mixed, or when none is in its language
-- (storage/digest_sources.py TAKES).
CREATE TABLE digest_sources (
    name          TEXT PRIMARY KEY,
    lang          TEXT NOT NULL DEFAULT 'mixed' CHECK (lang IN ('zh', 'en', 'mixed')),
    target        TEXT,                          -- the DIGEST_SOURCES entry it came from
    configured    INTEGER NOT NULL DEFAULT 1,    -- 0: no longer in DIGEST_SOURCES
    added_ts      INTEGER NOT NULL,
    first_digest  TEXT,                          -- set when its first digest carries a note
    announce      INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX digests_by_source ON digests (source, published_ts DESC) WHERE kind = 'digest';

INSERT INTO digest_sources (name, added_ts)
SELECT source, min(ingested_ts) FROM digests WHERE kind = 'digest' GROUP BY source;

UPDATE digest_sources SET lang = (
    SELECT source_language(sum(l = 'zh'), sum(l = 'en')) FROM (
        SELECT text_language(i.title, i.summary) AS l FROM items i WHERE i.digest_id IN (
            SELECT id FROM digests WHERE source = digest_sources.name AND kind = 'digest'
            ORDER BY published_ts DESC LIMIT 30)));
