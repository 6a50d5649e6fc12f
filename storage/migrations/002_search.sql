-- Full-text search over items (storage/search.py is the query side and says why).
-- One contentless table (content = ''), rowid = items.id, kept in step by the
-- triggers below; they call search_grams(), an SQL function registered by
-- storage/search.py on every connection.
-- Its text: for every run of non-space characters of the item (title, author,
-- summary; lowercased, `**` removed), the run's trigrams, bigrams and unigrams
-- (since migration 005: trigrams of its ASCII stretches only; search_grams()'s
-- docstring has the current layout). Every character but separators (Z*, Cc) is
-- a token character, so each gram stays one token: a term of 1-2 characters
-- (模型, AI) is one token, a longer term the phrase of its trigrams (or bigrams).
CREATE VIRTUAL TABLE items_grams USING fts5 (
    grams,
    content = '',
    columnsize = 0,
    tokenize = "unicode61 remove_diacritics 0 categories 'L* N* M* P* S* Co Cn Cf'"
);

CREATE TRIGGER items_search_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_grams (rowid, grams)
    VALUES (new.id, search_grams(new.title, new.author, new.summary));
END;

CREATE TRIGGER items_search_delete AFTER DELETE ON items BEGIN
    INSERT INTO items_grams (items_grams, rowid, grams)
    VALUES ('delete', old.id, search_grams(old.title, old.author, old.summary));
END;

CREATE TRIGGER items_search_update AFTER UPDATE OF id, title, author, summary ON items BEGIN
    INSERT INTO items_grams (items_grams, rowid, grams)
    VALUES ('delete', old.id, search_grams(old.title, old.author, old.summary));
    INSERT INTO items_grams (rowid, grams)
    VALUES (new.id, search_grams(new.title, new.author, new.summary));
END;

-- Items stored before this migration: index them too, or deleting them later
-- would remove entries a contentless table never had.
INSERT INTO items_grams (rowid, grams)
SELECT id, search_grams(title, author, summary) FROM items;
