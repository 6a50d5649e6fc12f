-- The index holds a summary's text as rendering reads it (bot/digest/spans.py: no
-- bold or italic marks, no link targets, no images), where it held the Markdown with
-- only `**` removed: one reading of the markup for what users see and what they can
-- find. The index is contentless, so its deletes must see the tokens its inserts saw:
-- re-derive it from items (as migration 005 did).
INSERT INTO items_grams (items_grams) VALUES ('delete-all');

INSERT INTO items_grams (rowid, grams)
SELECT id, search_grams(title, author, summary) FROM items;
