"""Delivery: the engine that sends the ledger's parts, the rate limiter, the bulk sender."""
