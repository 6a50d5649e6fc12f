# digest-bot: `docker build -t digest-bot .` then
#   docker run -d --restart on-failure:5 --env-file .env -v digest-data:/data digest-bot
# or `docker compose up -d` (compose.yaml).
# The same install as `make`: the package and its dependencies from pyproject.toml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_PATH=/data/digest-bot.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY storage/ storage/
RUN pip install --no-cache-dir .

# A fixed uid, so a bind-mounted /data can be chown'ed to it on the host.
RUN useradd --system --uid 10001 --user-group --no-create-home bot \
    && mkdir -p /data \
    && chown bot:bot /data
USER bot
VOLUME /data

# Webhook mode only (WEBHOOK_PORT); polling needs no inbound port.
EXPOSE 8080

# Healthy once the bot has opened and migrated its database: a read-only open and
# PRAGMA user_version > 0. Cheap (no network, no Bot API call, so no flood limits);
# a crashed bot stops the container anyway, since digest-bot is PID 1.
HEALTHCHECK --interval=60s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, sqlite3, sys; db = sqlite3.connect('file:' + os.environ['DATABASE_PATH'] + '?mode=ro', uri=True, timeout=3); sys.exit(0 if db.execute('PRAGMA user_version').fetchone()[0] > 0 else 1)"

# Exec form: digest-bot is PID 1 and gets SIGTERM from `docker stop` (exits 0).
# Other commands: `docker run --rm -v digest-data:/data digest-bot ingest URL`.
ENTRYPOINT ["digest-bot"]
CMD ["run"]
