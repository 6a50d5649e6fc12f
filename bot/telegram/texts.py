"""Every text the Telegram face writes, in English; the Chinese is in the gettext
catalog (bot/i18n/locales/zh/LC_MESSAGES/messages.po). Every text is Telegram HTML:
`t(lang, TEXT, name=value)` fills `{name}` escaped; `tp()` gives the plain text for
buttons, toasts and the command menu (bot/i18n).
Keep a text's placeholders and tags the same in both languages (a test checks)."""

from bot.i18n import N_

# ---- commands: usage and the one-line help of /help and the command menu --------------
USAGE_START = N_("/start")
HELP_START = N_("subscribe to the digests")
USAGE_STOP = N_("/stop")
HELP_STOP = N_("pause the digests (your settings are kept)")
USAGE_LATEST = N_("/latest [N] [source]")
HELP_LATEST = N_("the newest digest; /latest 2 the one before, /latest AINews of one source")
USAGE_DIGESTS = N_("/digests")
HELP_DIGESTS = N_("the last digests of your sources, a button to open each")
USAGE_SOURCES = N_("/sources [name]")
HELP_SOURCES = N_("the digests' sources, with buttons to take or drop each")
USAGE_MUTE = N_("/mute &lt;word&gt;")
HELP_MUTE = N_("leave out items containing the word")
USAGE_UNMUTE = N_("/unmute &lt;word&gt;")
HELP_UNMUTE = N_("show them again")
USAGE_SEARCH = N_("/search &lt;words&gt;")
HELP_SEARCH = N_("find items in every digest so far")
USAGE_FOLLOW = N_("/follow &lt;topic or keyword&gt;")
HELP_FOLLOW = N_("follow a topic or your own keyword")
USAGE_UNFOLLOW = N_("/unfollow &lt;topic or keyword&gt;")
HELP_UNFOLLOW = N_("stop following it")
USAGE_TOPICS = N_("/topics")
HELP_TOPICS = N_("the topics, with buttons to follow them")
USAGE_SETTINGS = N_("/settings")
HELP_SETTINGS = N_("format, schedule, alerts, language, time zone, quiet hours and more")
USAGE_FORMAT = N_("/format full|brief|headlines")
HELP_FORMAT = N_("how much of each item you see")
USAGE_ALERTS = N_("/alerts all|topics")
HELP_ALERTS = N_("every digest, or only items of your topics")
USAGE_PREVIEWS = N_("/previews on|off")
HELP_PREVIEWS = N_("link previews under messages")
USAGE_TZ = N_("/tz &lt;city, zone or UTC offset&gt;")
HELP_TZ = N_("your time zone, e.g. /tz Beijing or /tz UTC+8")
USAGE_QUIET = N_("/quiet &lt;HH-HH&gt;|off")
HELP_QUIET = N_("hold digests during these hours, e.g. /quiet 23-7")
USAGE_LANG = N_("/lang zh|en")
HELP_LANG = N_("the bot's language: 中文 or English")
USAGE_SCHEDULE = N_("/schedule instant|daily HH:MM|weekly &lt;day&gt; HH:MM")
HELP_SCHEDULE = N_("each digest as it comes, or one roundup a day or a week")
USAGE_REPEATS = N_("/repeats fold|hide|show")
HELP_REPEATS = N_("stories you already have: one closing line, left out, or in full")
USAGE_MESSAGES = N_("/messages 1-10")
HELP_MESSAGES = N_("how many messages a digest sends at once; the rest behind a button")
USAGE_TRENDS = N_("/trends")
HELP_TRENDS = N_("a picture of the topics over the last 30 days")
USAGE_FORGET = N_("/forget")
HELP_FORGET = N_("delete everything the bot stores about this chat")
USAGE_HELP = N_("/help")
HELP_HELP = N_("this list")
USAGE_CHANNELS = N_("/channels")
HELP_CHANNELS = N_("the channels you run, with their settings (in a private chat)")
USAGE_STATS = N_("/stats")
HELP_STATS = N_("subscribers, digests and delivery figures")
USAGE_INGEST = N_("/ingest &lt;url or path&gt;")
HELP_INGEST = N_("fetch a source now")

HELP_TITLE = N_("<b>Commands</b>")
HELP_ADMIN_TITLE = N_("<b>Admin</b>")
HELP_LINE = N_("{usage} — {help}")
HELP_FOOTER = N_("Or just type a word to search, e.g. 模型 or OpenAI.")

# ---- subscribing -----------------------------------------------------------------------
WELCOME = N_("👋 <b>Welcome to the AI digest.</b>")
WELCOME_BACK = N_("👋 <b>Welcome back.</b> Your settings and topics are as you left them.")
ALREADY_SUBSCRIBED = N_("✅ You are already subscribed.")
ABOUT = N_(
    "Every few hours I send a digest of what happened in AI: numbered items, each a "
    "linked headline with its author and a short summary."
)
NEWEST = N_("Newest: <b>{title}</b> (/latest to read it).")
NOW_SETTINGS = N_(
    "Now: format <b>{format}</b>, time zone <b>{tz}</b>. Change it with /settings, "
    "follow topics with /topics, pause with /stop. /help lists all."
)
FOLLOWING_FROM_LINK = N_("🔔 You now follow <b>{topic}</b>.")
NOT_SUBSCRIBED = N_("You were not subscribed. /start subscribes.")
PAUSED = N_("⏸ Paused: no more digests. Your settings and topics are kept; /start resumes.")
ADMINS_ONLY = N_("Only this group's admins can change its settings.")

# ---- reading ---------------------------------------------------------------------------
NO_DIGEST_YET = N_("No digest has arrived yet.")
NO_DIGEST_SUBSCRIBED = N_("You are subscribed: I'll send the next one as soon as it is out.")
NO_DIGEST_NOT_SUBSCRIBED = N_("/start and I'll send the next one as soon as it is out.")
NEWEST_WAS_EMPTY = N_(
    "The newest digest, <b>{title}</b>, has no items. Here is the latest one that has:"
)
SEARCH_USAGE = N_(
    "Usage: /search &lt;words&gt;, e.g. <code>/search 模型</code> or "
    "<code>/search OpenAI agent</code>. Several words must all match."
)
SEARCH_NOTHING = N_("Nothing found for <b>{query}</b>. Try fewer or shorter words.")
SEARCH_NO_MORE = N_("No more results for <b>{query}</b>.")
SEARCH_EXPIRED = N_("This search has expired; send /search again.")
SEARCH_HINT = N_("<i>Searched for what you typed. /help lists the commands.</i>")
BUTTON_PREVIOUS = N_("◀ Previous")
BUTTON_NEXT = N_("Next ▶")
LATEST_USAGE = N_(
    "Usage: /latest [N] [source]: <code>/latest</code> the newest digest, "
    "<code>/latest 2</code> the one before, <code>/latest 1 {source}</code> the newest of one "
    "source."
)
LATEST_TOO_FAR = N_("There are {count} digests so far; /latest {count} is the oldest.")
LATEST_TOO_FAR_ONE = N_("There is 1 digest so far; /latest shows it.")
NO_SOURCE_TAKEN = N_("You take none of the sources. /sources to choose.")
DIGESTS_TITLE = N_("<b>📚 Digests {first}–{last} of {count}</b>")
DIGEST_LINE = N_("{n}. <b>{title}</b>\n    {source} · {time} · {items}")
DIGEST_ITEMS_ONE = N_("1 item")
DIGEST_ITEMS = N_("{n} items")
DIGESTS_OPEN_HINT = N_("Tap a number to read that digest.")

# ---- sources ---------------------------------------------------------------------------
SOURCES_TITLE = N_("<b>📰 Sources</b> ({first}–{last} of {count})")
SOURCES_HELP = N_("Tap to take or drop a source. ✅ = its digests come to this chat.")
SOURCE_LINE = N_("{mark} <b>{name}</b> · {lang} · {often}\n    {last}")
SOURCE_LAST = N_("last: {title}, {time}")
SOURCE_NO_DIGEST = N_("no digest yet")
SOURCE_GONE = N_("no longer published")
SOURCE_LANG_ZH = N_("in Chinese")
SOURCE_LANG_EN = N_("in English")
SOURCE_LANG_MIXED = N_("in Chinese and English")
OFTEN_DAY = N_("about {n} a day")
OFTEN_WEEK = N_("about {n} a week")
OFTEN_RARELY = N_("less than once a week")
OFTEN_UNKNOWN = N_("too new to tell how often")
NO_SOURCES = N_("No source has published a digest yet.")
UNKNOWN_SOURCE = N_("There is no source “{name}”. The sources: {names}.")
SOURCE_TAKEN = N_("✅ <b>{name}</b>: its digests come to this chat.")
SOURCE_DROPPED = N_("▫️ <b>{name}</b>: its digests no longer come to this chat.")
TOAST_SOURCE_TAKEN = N_("Taking {name}")
TOAST_SOURCE_DROPPED = N_("Dropped {name}")

# ---- muted words -----------------------------------------------------------------------
MUTE_USAGE = N_(
    "Usage: /{verb} &lt;word&gt;, e.g. <code>/{verb} crypto</code>: items containing the "
    "word are left out of your digests."
)
MUTED = N_("🔇 Muted <b>{word}</b>: items containing it are left out.")
ALREADY_MUTED = N_("<b>{word}</b> is muted already.")
UNMUTED = N_("🔈 Unmuted <b>{word}</b>.")
NOT_MUTED = N_("<b>{word}</b> was not muted.")
MUTE_LIMIT = N_("You muted {max} words, the most a chat can. /unmute one first.")
YOUR_MUTES = N_("Muted: {words} (/unmute &lt;word&gt;)")

# ---- topics ----------------------------------------------------------------------------
FOLLOW_USAGE = N_(
    "Usage: /{verb} &lt;topic or keyword&gt;, e.g. <code>/{verb} chips</code> or "
    "<code>/{verb} Gemini</code>. /topics shows the built-in topics."
)
FOLLOWING = N_("🔔 Following <b>{label}</b>.")
ALREADY_FOLLOWING = N_("You already follow <b>{label}</b>.")
FOLLOW_NOT_SUBSCRIBED = N_("You are not subscribed, so no digest comes yet: /start subscribes.")
FOLLOW_MARKED_HINT = N_("Matching items are marked in each digest; /alerts topics sends only them.")
UNFOLLOWED = N_("Unfollowed <b>{label}</b>.")
NOT_FOLLOWING = N_("You did not follow <b>{label}</b>.")
KEYWORD_TOO_SHORT = N_(
    "A keyword of one Latin letter matches almost everything. Try a word, e.g. "
    "<code>/follow Gemini</code>."
)
KEYWORD_SEPARATOR = N_(
    "A keyword cannot contain , | : or a line break. Follow each word on its own."
)
KEYWORD_NO_LETTERS = N_("A keyword needs at least one letter or digit.")
KEYWORD_TOO_LONG = N_("A keyword can be at most {max} characters long.")
KEYWORD_LIMIT = N_("You follow {max} keywords, the most a chat can. Remove one in /topics first.")
TOPICS_TITLE = N_("<b>🔔 Topics</b>")
TOPICS_HELP = N_("Tap to follow or unfollow. ✅ = following.")
TOPIC_LINE = N_("{mark} <b>{name}</b> · {week} · {share}")
TOPIC_WEEK_ONE = N_("{n} item this week")
TOPIC_WEEK = N_("{n} items this week")
TOPIC_DEFINITION = N_("<i>{definition}</i>")
SHARE = N_("share")
YOUR_KEYWORDS = N_("Your keywords: {keywords}")
TOPICS_ALERTS_TOPICS = N_("Alerts: only matching items. Add your own with /follow &lt;keyword&gt;.")
TOPICS_ALERTS_ALL = N_(
    "Alerts: every digest, matches marked. Add your own with /follow &lt;keyword&gt;."
)
TOAST_FOLLOWING = N_("Following {label}")
TOAST_UNFOLLOWED = N_("Unfollowed {label}")
BUTTON_REMOVE_KEYWORD = N_("✖ {keyword}")

TRENDS_NO_DATA = N_("No items in the last 30 days yet, so there is nothing to draw.")
TRENDS_CAPTION = N_("📈 Items per topic per day, last 30 days. Biggest movers this week: {movers}")
TRENDS_CAPTION_CALM = N_("📈 Items per topic per day, last 30 days. No topic moved this week.")
TRENDS_MOVER = N_("{name} {change:+d}")

# ---- settings --------------------------------------------------------------------------
SETTINGS_TITLE = N_("<b>⚙️ Settings</b>")
SETTINGS_STATUS = N_("Status: {status}")
STATUS_ACTIVE = N_("subscribed")
STATUS_PAUSED = N_("not subscribed (/start)")
STATUS_BLOCKED = N_("blocked")
SETTINGS_FORMAT = N_("Format: <b>{value}</b>")
SETTINGS_PREVIEWS = N_("Link previews: <b>{value}</b>")
SETTINGS_ALERTS = N_("Alerts: <b>{value}</b>")
SETTINGS_LANG = N_("Language: <b>{value}</b>")
SETTINGS_TZ = N_("Time zone: <b>{value}</b>")
SETTINGS_QUIET = N_("Quiet hours: <b>{value}</b>")
SETTINGS_SCHEDULE = N_("Schedule: <b>{value}</b>")
SETTINGS_REPEATS = N_("Stories you already have: <b>{value}</b>")
SETTINGS_MESSAGES = N_("Messages at once: <b>{value}</b>")
SETTINGS_FOOTER = N_(
    "Tap to change, or type /format, /previews, /alerts, /lang, /tz, /quiet, /schedule,"
    " /repeats, /messages."
)
SAVED = N_("✅ Saved.")
ALERTS_NOTHING_FOLLOWED = N_(
    "You follow no topic yet, so nothing will arrive until you do: tap one below, or "
    "/follow &lt;keyword&gt;."
)
TOAST_SAVED = N_("Saved")
CURRENT_VALUE = N_("{usage}\nNow: <b>{value}</b>. Tap to change:")

FORMAT_FULL = N_("full")
FORMAT_BRIEF = N_("brief")
FORMAT_HEADLINES = N_("headlines")
ON = N_("on")
OFF = N_("off")
ALERTS_ALL = N_("every digest")
ALERTS_TOPICS = N_("only items of my topics")
TZ_NOT_CHOSEN = N_("as each digest was published")
QUIET_RANGE = N_("{start:02d}:00–{end:02d}:00")
LANG_ZH = N_("中文")
LANG_EN = N_("English")
SCHEDULE_INSTANT = N_("each digest as it is published")
SCHEDULE_DAILY = N_("a roundup every day at {time}")
SCHEDULE_WEEKLY = N_("a roundup every {day} at {time}")
DAY_NAMES = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
REPEATS_FOLD = N_("one closing line")
REPEATS_HIDE = N_("left out")
REPEATS_SHOW = N_("shown in full")

BUTTON_FORMAT_FULL = N_("Full")
BUTTON_FORMAT_BRIEF = N_("Brief")
BUTTON_FORMAT_HEADLINES = N_("Headlines")
BUTTON_PREVIEWS_ON = N_("Previews on")
BUTTON_PREVIEWS_OFF = N_("Previews off")
BUTTON_ALERTS_ALL = N_("All digests")
BUTTON_ALERTS_TOPICS = N_("Only my topics")
BUTTON_QUIET_OFF = N_("No quiet hours")
BUTTON_TZ_PUBLISHED = N_("As published")
BUTTON_QUIET = N_("Quiet {range}")
BUTTON_CHOSEN = N_("• {label} •")
BUTTON_SCHEDULE_INSTANT = N_("Instant")
BUTTON_SCHEDULE_DAILY = N_("Daily {time}")
BUTTON_SCHEDULE_WEEKLY = N_("Mondays {time}")
BUTTON_REPEATS_FOLD = N_("Fold repeats")
BUTTON_REPEATS_HIDE = N_("Hide repeats")
BUTTON_REPEATS_SHOW = N_("Show repeats")
BUTTON_MESSAGES = N_("{count} at once")

USAGE_WITH_EXAMPLE_TZ = N_(
    "I don't know the time zone <b>{value}</b>. Try a city (Beijing, 北京, London), "
    "an IANA name (Asia/Tokyo) or an offset (UTC+8)."
)
TZ_SUGGESTIONS = N_("Did you mean: {zones}?")
TZ_SAVED = N_("🕒 Time zone: <b>{zone}</b>. It is {time} there now.")
BAD_VALUE = N_("<b>{value}</b> is not a choice here.")
PROBLEM_HOUR = N_("The hour must be 0–23.")
PROBLEM_MINUTE = N_("The minutes must be 00–59.")
PROBLEM_DAY = N_("The day is one of mon, tue, wed, thu, fri, sat, sun (or 周一 … 周日).")
PROBLEM_WHOLE_HOURS = N_("Quiet hours start and end on the hour: 23-7 or 23:00-07:00.")
PROBLEM_SAME_HOURS = N_("Quiet hours need two different hours, e.g. 23-7.")
PROBLEM_MESSAGES = N_("A number from 1 to 10.")
TZ_WHICH = N_("<b>{value}</b> names more than one time zone (China, US Central). Which one?")
TZ_SAVED_PUBLISHED = N_(
    "🕒 Time zone: as each digest was published. Roundups and quiet hours run on {zone}, "
    "the zone the digests come from."
)
LANG_SAVED = N_("🌐 I'll write in English in this chat.")
SCHEDULE_SAVED = N_("📅 Schedule: {value}. Next roundup: <b>{when}</b>.")
SCHEDULE_SAVED_INSTANT = N_("📅 Each digest will come as it is published.")

# ---- forgetting ------------------------------------------------------------------------
FORGET_CONFIRM = N_(
    "Delete everything I store about this chat (subscription, settings, topics, "
    "delivery records)? This cannot be undone."
)
BUTTON_FORGET_YES = N_("Yes, delete everything")
BUTTON_FORGET_NO = N_("No, keep")
FORGOTTEN = N_("🗑 Done: nothing about this chat is stored any more.")
KEPT = N_("Kept: nothing was deleted.")

# ---- channels --------------------------------------------------------------------------
CHANNEL_ADMINS_ONLY = N_("Only this channel's admins can change its settings.")
CHANNELS_PRIVATE_ONLY = N_(
    "Send /channels in a private chat with me: it shows the channels you run, with their settings."
)
CHANNELS_NONE = N_(
    "I am in no channel you run. To get the digests in your channel: add me as an "
    "administrator who may post messages, then post /start in the channel. Back here, "
    "/channels shows its settings."
)
CHANNELS_NONE_MATCHING = N_(
    "None of the channels you run has “{words}” in its name. /channels lists them all."
)
CHANNELS_MORE = N_("…and {count} more. Find one with /channels &lt;part of its name&gt;.")
CHANNEL_PANEL_TITLE = N_("📣 <b>{title}</b>")
CHANNEL_CANNOT_POST = N_("⚠️ I may not post in this channel: let me post messages there.")
CHANNEL_PANEL_FOOTER = N_(
    "Tap to change. In the channel, /settings and the other commands work too."
)
BUTTON_CHANNEL_START = N_("▶ Send digests")
BUTTON_CHANNEL_STOP = N_("⏸ Pause digests")
CHANNEL_NOT_ADMIN = N_("You are not an admin of this channel.")
CHANNEL_GONE = N_("I am no longer an admin of this channel.")

# ---- errors and the rest ---------------------------------------------------------------
BUTTON_OUT_OF_DATE = N_("This button is out of date; send the command again.")
UNKNOWN_COMMAND = N_("I don't know {command}. /help lists every command.")
SOMETHING_WENT_WRONG = N_("Sorry, something went wrong. Please try again later.")
FLOOD_NOTICE = N_(
    "You are sending faster than I can answer, so I skipped some of your messages. "
    "Please wait for my replies."
)

# ---- admin -----------------------------------------------------------------------------
ADMIN_REFUSAL = N_("Sorry, that command is for the bot's admins.")
STATS_TITLE = N_("<b>📊 Stats</b>")
STATS_SUBSCRIBERS = N_("Subscribers: {active} active, {paused} paused, {blocked} blocked")
STATS_STORED = N_("Stored: {digests} digests, {items} items")
STATS_PARTS = N_("Parts pending: {pending}, failed: {failed}")
STATS_FANOUT = N_("Last fan-out: {digest}: {parts} parts in {seconds} s ({rate} msg/s)")
STATS_LATENCY = N_("Delivery latency: p50 {p50} s, p95 {p95} s")
STATS_OUTAGE = N_("⚠️ Telegram is failing for {seconds} s ({error}): sends wait and are retried")
INGEST_USAGE = N_("Usage: /ingest &lt;feed URL or path&gt;")
INGEST_DONE = N_("Ingested: {new} new, {updated} updated, {unchanged} unchanged, {failed} failed.")
INGEST_FAILED_LINE = N_("• {what}: could not be read as digests (the log says why)")
INGEST_UNRESOLVED_LINE = N_("• {what}: cannot resolve {host} (no such host, or no network to ask)")
INGEST_REFUSED_LINE = N_(
    "• {what}: not allowed: only the configured sources' folders and public http(s) URLs"
)
