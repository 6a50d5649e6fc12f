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
from typing import TYPE_CHECKING

from bot.digest.topics import TOPIC_KEYS, topic_name
from bot.i18n import N_, tp

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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


# Okabe & Ito's colour-blind-safe palette (8 colours, black included) and one more
# that stays apart from them for the common colour blindnesses: a topic keeps its
# colour whether followed or not; followed topics are drawn bold, the others thin.
PALETTE = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
           "#000000", "#8C8C8C")  # fmt: skip
DASHES = ("-", "--", "-", "-.", "-", "--", "-.", "-", ":")  # a second cue besides colour
LEGEND_COLUMNS = 3


def trends_figure(data: TrendData, followed: frozenset[str], lang: str) -> Figure:
    """The chart: one line per topic in its own colour, the chat's followed topics bold
    (line and label), the legend under the plot, inside the picture."""
    from matplotlib.figure import Figure  # no pyplot: no global state, safe in a thread
    from matplotlib.font_manager import FontProperties
    from matplotlib.patheffects import withStroke

    font = FontProperties(fname=_font_path(), size=10)
    days = [data.first_day + timedelta(days=n) for n in range(DAYS)]
    figure = Figure(figsize=(10, 5.6), dpi=100)
    axes = figure.add_subplot()
    for index, topic in enumerate(TOPIC_KEYS):
        per_day = data.counts.get(topic, [0] * DAYS)
        name = topic_name(topic, lang)
        mine = topic in followed
        axes.plot(range(DAYS), per_day, color=PALETTE[index], linestyle=DASHES[index],
                  linewidth=3.2 if mine else 1.3, zorder=3 if mine else 2,
                  label=tp(lang, CHART_FOLLOWED, name=name) if mine else name)  # fmt: skip
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
    axes.set_xlim(0, DAYS - 1)
    axes.grid(axis="y", alpha=0.3)
    legend = axes.legend(prop=font, loc="upper center", bbox_to_anchor=(0.5, -0.08),
                         ncol=LEGEND_COLUMNS, frameon=False, handlelength=3)  # fmt: skip
    for text, topic in zip(legend.get_texts(), TOPIC_KEYS, strict=True):
        if topic in followed:  # the bundled font has one weight: a stroke draws it bold
            text.set_path_effects([withStroke(linewidth=0.9, foreground=text.get_color())])
    figure.subplots_adjust(left=0.07, right=0.96, top=0.92, bottom=0.26)
    return figure


def render_trends_png(data: TrendData, followed: frozenset[str], lang: str) -> bytes:
    """The chart (trends_figure) as PNG bytes."""
    buffer = io.BytesIO()
    trends_figure(data, followed, lang).savefig(buffer, format="png")
    return buffer.getvalue()
