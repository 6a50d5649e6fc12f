-- The delivery engine's work queue: the oldest digests first, parts in order.
-- (status, digest_id) walks the digests with planned or pending rows one seek each;
-- (..., part, not_before) gives a digest's due parts in part order without a sort.
CREATE INDEX deliveries_queue ON deliveries (status, digest_id, part, not_before);
