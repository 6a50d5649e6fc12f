-- The topic classifier changed (issue 19: trained and its thresholds chosen across sources,
-- see tools/train_topics.py and bench/topics.py's leave-one-source-out figures; traditional
-- characters read as simplified; bounded reading of long items): re-derive every stored
-- item's topics.
DELETE FROM item_topics;
INSERT INTO item_topics (item_id, topic, why)
SELECT items.id, t.key, t.value FROM items, json_each(classify_topics(items.title, items.author, items.summary)) AS t;
