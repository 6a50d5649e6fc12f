"""Where digests come from (feeds, folders) and how they get into storage."""
