-- The built-in topics each item is about, decided once when the item is stored by
-- bot/digest/topics.classify (the SQL function classify_topics, registered on every
-- connection by storage/db.py). `why` says what decided, for anyone asking.
-- Change the classifier and a migration re-derives this table from items.
CREATE TABLE item_topics (
    item_id  INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    topic    TEXT NOT NULL,
    why      TEXT NOT NULL,
    PRIMARY KEY (topic, item_id)
) WITHOUT ROWID;
CREATE INDEX item_topics_by_item ON item_topics (item_id);

CREATE TRIGGER items_topics_insert AFTER INSERT ON items BEGIN
    INSERT INTO item_topics (item_id, topic, why)
    SELECT new.id, key, value FROM json_each(classify_topics(new.title, new.author, new.summary));
END;

CREATE TRIGGER items_topics_update AFTER UPDATE OF title, author, summary ON items BEGIN
    DELETE FROM item_topics WHERE item_id = new.id;
    INSERT INTO item_topics (item_id, topic, why)
    SELECT new.id, key, value FROM json_each(classify_topics(new.title, new.author, new.summary));
END;

-- Items stored before: classify them now.
INSERT INTO item_topics (item_id, topic, why)
SELECT items.id, t.key, t.value FROM items, json_each(classify_topics(items.title, items.author, items.summary)) AS t;
