-- Full-text search over items (see storage/search.py for the query side).
-- Both tables are contentless (content = '') with rowid = items.id; the triggers
-- below keep them in step and call search_text()/search_grams(), SQL functions
-- registered by storage/search.py on every connection.

-- Substrings of 3+ characters, any script.
CREATE VIRTUAL TABLE items_tri USING fts5 (
    text,
    content = '',
    columnsize = 0,
    tokenize = 'trigram case_sensitive 0'
);

-- Bigrams then unigrams of every run of non-space characters, emitted by
-- search_grams(); every character but separators (Z*, Cc) is a token character,
-- so each emitted gram stays one token. Terms of 1-2 characters (模型, AI) are
-- answered here as one token, longer ones as a phrase of bigrams.
CREATE VIRTUAL TABLE items_grams USING fts5 (
    grams,
    content = '',
    columnsize = 0,
    tokenize = "unicode61 remove_diacritics 0 categories 'L* N* M* P* S* Co Cn Cf'"
);

CREATE TRIGGER items_search_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_tri (rowid, text)
    VALUES (new.id, search_text(new.title, new.author, new.summary));
    INSERT INTO items_grams (rowid, grams)
    VALUES (new.id, search_grams(new.title, new.author, new.summary));
END;

CREATE TRIGGER items_search_delete AFTER DELETE ON items BEGIN
    INSERT INTO items_tri (items_tri, rowid, text)
    VALUES ('delete', old.id, search_text(old.title, old.author, old.summary));
    INSERT INTO items_grams (items_grams, rowid, grams)
    VALUES ('delete', old.id, search_grams(old.title, old.author, old.summary));
END;

CREATE TRIGGER items_search_update AFTER UPDATE OF id, title, author, summary ON items BEGIN
    INSERT INTO items_tri (items_tri, rowid, text)
    VALUES ('delete', old.id, search_text(old.title, old.author, old.summary));
    INSERT INTO items_grams (items_grams, rowid, grams)
    VALUES ('delete', old.id, search_grams(old.title, old.author, old.summary));
    INSERT INTO items_tri (rowid, text)
    VALUES (new.id, search_text(new.title, new.author, new.summary));
    INSERT INTO items_grams (rowid, grams)
    VALUES (new.id, search_grams(new.title, new.author, new.summary));
END;
