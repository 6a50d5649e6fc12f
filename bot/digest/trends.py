"""/trends as a picture: items per topic per day over 30 days, as a PNG. Pure: data in,
bytes out (matplotlib's Agg backend, no display, no files but the bundled font).

Chinese labels need a CJK font, which matplotlib lacks and slim machines lack too: a
subset of Noto Sans CJK SC is bundled (bot/digest/fonts; tools/make_cjk_font_subset.py).
matplotlib is imported on first use (it takes ~0.6 s): call from a thread.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources

from bot.digest.topics import TOPIC_KEYS, topic_name
from bot.i18n import N_, tp

DAYS = 30
WEEK = 7
FONT = "fonts/DigestBotCJK-Subset.otf"

CHART_TITLE = N_("Items per topic per day, last {days} days")
CHART_AXIS = N_("items")
CHART_DAY = N_("{month}/{day}")
CHART_FOLLOWED = N_("{name} (followed)")


@dataclass(frozen=True)
class TrendData:
    first_day: date
    counts: dict[str, list[int]]  # topic -> items per day, DAYS of them

    @property
    def empty(self) -> bool:
        return not any(sum(per_day) for per_day in self.counts.values())


def movers(data: TrendData, top: int = 3) -> list[tuple[str, int]]:
    """The topics whose items changed most from last week to this one: (topic, change),
    biggest change first (by size; ties in topic order)."""
    changes = []
    for topic in TOPIC_KEYS:
        per_day = data.counts.get(topic, [0] * DAYS)
        this_week, last_week = sum(per_day[-WEEK:]), sum(per_day[-2 * WEEK : -WEEK])
        if this_week or last_week:
            changes.append((topic, this_week - last_week))
    changes.sort(key=lambda change: -abs(change[1]))
    return [change for change in changes if change[1]][:top]


@cache
def _font_path() -> str:
    return str(resources.files("bot.digest").joinpath(FONT))


def render_trends_png(data: TrendData, followed: frozenset[str], lang: str) -> bytes:
    """The chart as PNG bytes: one line per topic, the chat's followed topics drawn
    bold and in colour, the others thin and grey."""
    from matplotlib.figure import Figure  # no pyplot: no global state, safe in a thread
    from matplotlib.font_manager import FontProperties

    font = FontProperties(fname=_font_path(), size=10)
    days = [data.first_day + timedelta(days=n) for n in range(DAYS)]
    figure = Figure(figsize=(10, 5.6), dpi=100)
    axes = figure.add_subplot()
    palette = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b")
    colour = 0
    for topic in TOPIC_KEYS:
        per_day = data.counts.get(topic, [0] * DAYS)
        name = topic_name(topic, lang)
        if topic in followed:
            axes.plot(range(DAYS), per_day, linewidth=2.6, color=palette[colour % len(palette)],
                      label=tp(lang, CHART_FOLLOWED, name=name), zorder=3)  # fmt: skip
            colour += 1
        else:
            axes.plot(range(DAYS), per_day, linewidth=1.0, color="#b0b0b0", alpha=0.9,
                      label=name, zorder=2)  # fmt: skip
    ticks = [*range(0, DAYS, 5), DAYS - 1]
    axes.set_xticks(ticks)
    axes.set_xticklabels(
        [tp(lang, CHART_DAY, month=days[n].month, day=days[n].day) for n in ticks],
        fontproperties=font,
    )
    for label in axes.get_yticklabels():
        label.set_fontproperties(font)
    axes.set_ylabel(tp(lang, CHART_AXIS), fontproperties=font)
    axes.set_title(tp(lang, CHART_TITLE, days=DAYS), fontproperties=font, fontsize=13)
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(prop=font, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    figure.subplots_adjust(left=0.06, right=0.76, top=0.91, bottom=0.08)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
