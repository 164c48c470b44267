"""A chart on the page as inline SVG, with PNG and SVG downloads.

The SVG is rendered on the server by :mod:`workbench.charts` (vl-convert), so the browser
loads no charting JavaScript and needs no internet access to show it.

Altair takes seconds to import and vl-convert to start its JavaScript engine (and holds
tens of MB once started), so neither is imported with the app: the tabs that draw charts
call :func:`warm_up` when they are first shown, which does both on a background thread
(once per process), so the first chart does not wait for them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import ipywidgets as widgets

from workbench.app.downloads import download_link
from workbench.i18n import Texts, texts
from workbench.widgets.live import finish_before_exit

if TYPE_CHECKING:
    import altair as alt

log = logging.getLogger(__name__)


_warming: threading.Thread | None = None


def warm_up() -> threading.Thread:
    """Import the chart libraries and render one tiny chart, off the UI thread (once per
    process; the interpreter waits for it at exit, see ``workbench.widgets.live``)."""
    global _warming
    if _warming is not None:
        return _warming

    def work() -> None:
        try:
            from workbench import charts

            charts.to_svg(charts.size_over_time_chart("warm-up", [("2026-01-01", 0)]))
        except Exception:
            log.exception("warming up the charts failed; the first chart will tell why")

    _warming = finish_before_exit(threading.Thread(target=work, name="charts-warm-up", daemon=True))
    _warming.start()
    return _warming


class ChartPanel:
    """Shows one chart at a time (CSS class ``wb-chart``) with its download links."""

    def __init__(self, t: Texts | None = None) -> None:
        self.t = t or texts()
        self.image = widgets.HTML()
        self.image.add_class("wb-chart")
        self.downloads = widgets.HTML()
        self.svg = ""
        self.widget = widgets.VBox([self.image, self.downloads])

    def show(self, make_chart: Callable[[], alt.TopLevelMixin], filename: str) -> None:
        """Render the chart ``make_chart`` builds; the downloads are saved as ``filename``.png / .svg."""
        from workbench import charts

        chart = make_chart()
        svg = charts.to_svg(chart, self.t.locale)
        png = download_link(charts.to_png(chart, locale=self.t.locale), f"{filename}.png", self.t._("Download PNG"))
        # Both are rendered before either is shown: the chart never appears without its downloads.
        self.svg = self.image.value = svg
        self.downloads.value = png + download_link(svg.encode("utf-8"), f"{filename}.svg", self.t._("Download SVG"))

    def clear(self) -> None:
        self.svg = ""
        self.image.value = self.downloads.value = ""
