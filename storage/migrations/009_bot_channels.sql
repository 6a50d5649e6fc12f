-- The channels the bot is in, as its own membership updates (my_chat_member) tell:
-- /channels lists them (the user's right to manage each is checked with getChatMember
-- every time, never stored), and the bot's rights there say whether it may post and
-- delete (command posts and the replies to them are removed after a minute).
CREATE TABLE bot_channels (
    chat_id     INTEGER PRIMARY KEY,
    title       TEXT,
    status      TEXT NOT NULL,              -- the bot's: creator | administrator | member | left | kicked
    can_post    INTEGER NOT NULL DEFAULT 0,
    can_delete  INTEGER NOT NULL DEFAULT 0,
    added_by    INTEGER,                    -- who last changed the bot's membership: a hint for ordering, never a right
    updated_ts  INTEGER NOT NULL
);
CREATE INDEX bot_channels_by_status ON bot_channels (status, updated_ts);
