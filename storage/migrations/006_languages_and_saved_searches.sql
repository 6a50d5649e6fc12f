-- The interface language of each chat: `lang` is the chat's own choice (/lang, or the
-- language of whoever subscribed a group or channel); `user_lang` the Telegram
-- language of the private chat's user as last seen. NULL: not known.
ALTER TABLE subscribers ADD COLUMN lang TEXT CHECK (lang IN ('en', 'zh'));
ALTER TABLE subscribers ADD COLUMN user_lang TEXT CHECK (user_lang IN ('en', 'zh'));

-- Saved /search queries belong to the chat that searched, under an unguessable token
-- (the paging buttons carry it): another chat's or a forged token finds nothing.
DROP TABLE saved_queries;
CREATE TABLE saved_searches (
    token       TEXT PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    query       TEXT NOT NULL,
    created_ts  INTEGER NOT NULL
);
CREATE INDEX saved_searches_by_chat ON saved_searches (chat_id, query);
