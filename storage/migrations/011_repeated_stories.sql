-- Repeated stories (bot/digest/stories.py says how they are found, storage/stories.py
-- when): items.repeat_of is the id of the first item of the same story in an earlier
-- digest (within a week before it), NULL for an item that tells something new. Filled
-- when a digest is stored, matching it against the items already stored, so items
-- stored before this migration are matched against but never marked themselves.
-- items_by_repeat finds every later telling of a story from its first item.
ALTER TABLE items ADD COLUMN repeat_of INTEGER REFERENCES items (id) ON DELETE SET NULL;

CREATE INDEX items_by_repeat ON items (repeat_of) WHERE repeat_of IS NOT NULL;
