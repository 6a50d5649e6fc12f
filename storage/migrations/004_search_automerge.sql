-- Let the search index keep up to 8 segments per level before merging them
-- (FTS5's default is 4). Every ingest transaction writes a segment, and each
-- automatic merge rewrites what it merges: at 8, a post is rewritten about half
-- as often. Measured on the canonical post, 400 one-post transactions:
-- indexing 8.6 -> 7.5 ms/post CPU; merging all to one segment afterwards
-- (as `digest-bot ingest` and the poller do, see merge_search_index) costs
-- the same or less (0.85 -> 0.65 ms/post). 16 gave no further gain; pgsz and
-- crisismerge none.
INSERT INTO items_grams (items_grams, rank) VALUES ('automerge', 8);
