-- Search, folded and one result per story (storage/search.py says why and how).
-- 1. The index text is folded (storage/search_index.py fold): lowercase, full-width
--    forms as ASCII, traditional Chinese as simplified, so 機器人 finds 机器人. The index
--    is contentless, so its deletes must see the tokens its inserts saw: re-derive it.
-- 2. items.story: the item's link as one key (bot/digest/links.py normalize_url, via the
--    SQL function story_key), filled by the triggers below. Items of different digests
--    with one story are listed once. items_by_story counts a story's digests;
--    items_search_walk lets a search read (digest, story) of each match in id order
--    without touching the rows (~1 us a match instead of ~3 at 200k items).
ALTER TABLE items ADD COLUMN story TEXT;

UPDATE items SET story = story_key(url);

CREATE INDEX items_by_story ON items (story, digest_id);

CREATE INDEX items_search_walk ON items (id, digest_id, story);

CREATE TRIGGER items_story_insert AFTER INSERT ON items BEGIN
    UPDATE items SET story = story_key(new.url) WHERE id = new.id;
END;

CREATE TRIGGER items_story_update AFTER UPDATE OF url ON items BEGIN
    UPDATE items SET story = story_key(new.url) WHERE id = new.id;
END;

INSERT INTO items_grams (items_grams) VALUES ('delete-all');

INSERT INTO items_grams (rowid, grams)
SELECT id, search_grams(title, author, summary) FROM items;
