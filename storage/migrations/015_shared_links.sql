-- A link its own digest gives to several items (a chat server's channel, a day's page)
-- names no one story: search must not fold unrelated items of other digests into one
-- result under it. items.link_shared marks those items (set when a digest is stored,
-- storage/digests.py); search groups them by their repeat link instead (repeat_of:
-- the same story found by headline, storage/stories.py), the others by story. items.story
-- itself is kept: repeat detection reads hub links on purpose.
-- In the real corpus 983 of 1,751 items share their link within their digest.
ALTER TABLE items ADD COLUMN link_shared INTEGER NOT NULL DEFAULT 0;

UPDATE items SET link_shared = 1
WHERE story IS NOT NULL AND (digest_id, story) IN (
    SELECT digest_id, story FROM items WHERE story IS NOT NULL
    GROUP BY digest_id, story HAVING count(*) > 1
);

DROP INDEX items_search_walk;
CREATE INDEX items_search_walk ON items (id, digest_id, story, link_shared, repeat_of);
