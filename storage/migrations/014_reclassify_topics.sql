-- The topic classifier changed (bot/digest/topic_model.py: a linear model over the item's
-- words, characters and the rules' findings, trained by tools/train_topics.py; see
-- bench/topics.py): re-derive every stored item's topics.
DELETE FROM item_topics;
INSERT INTO item_topics (item_id, topic, why)
SELECT items.id, t.key, t.value FROM items, json_each(classify_topics(items.title, items.author, items.summary)) AS t;
