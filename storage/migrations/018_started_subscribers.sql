-- "Welcome back" is for a chat that was subscribed before, not for one that only chose
-- a setting (/lang, /tz) before its first /start: such a chat has a paused row too.
-- subscribers.started_ts is when the chat first subscribed; NULL = never.
-- Rows stored before this migration are taken as subscribed once (they were welcomed
-- back before it too).
ALTER TABLE subscribers ADD COLUMN started_ts INTEGER;

UPDATE subscribers SET started_ts = created_ts;
