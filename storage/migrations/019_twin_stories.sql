-- One story in two languages (bot/digest/twins.py): items.repeat_twin is 1 when repeat_of
-- was found in another language (a digest and its translation, storage/stories.py).
-- Search lists such an item under its first telling's story, so a zh/en twin is one
-- result; other repeats keep their own link as their story (a near-identical headline
-- under another link is listed apart, as before). Rows stored earlier keep 0.
ALTER TABLE items ADD COLUMN repeat_twin INTEGER NOT NULL DEFAULT 0;

DROP INDEX items_search_walk;
CREATE INDEX items_search_walk ON items (id, digest_id, story, link_shared, repeat_of, repeat_twin);
