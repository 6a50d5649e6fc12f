-- Trigrams only for ASCII stretches; terms with other characters are looked up
-- as phrases of bigrams (storage/search.py says why). The index is contentless,
-- so its deletes must see the tokens its inserts saw: re-derive it from items.
INSERT INTO items_grams (items_grams) VALUES ('delete-all');

INSERT INTO items_grams (rowid, grams)
SELECT id, search_grams(title, author, summary) FROM items;
