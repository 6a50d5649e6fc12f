"""SQLite storage: migrations, repositories and search. No Telegram imports."""
