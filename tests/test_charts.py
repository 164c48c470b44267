"""The charts as what they are: Vega-Lite specs (``to_dict()``), compared with hand-written
expectations of their data, marks and encodings. Rendering is tested in ``test_app.py``."""

from __future__ import annotations

import pytest

from workbench.charts import MEMBER_COLOR, pairwise_heatmap, size_over_time_chart, upset_chart


def data(spec: dict, part: dict) -> list[dict]:
    """The rows a (sub)chart draws, from the spec's top-level ``datasets``."""
    return spec["datasets"][part["data"]["name"]]


def marks(part: dict) -> list[str]:
    return [layer["mark"]["type"] for layer in part["layer"]]


def channels(layer: dict) -> dict[str, tuple]:
    """Each encoding channel as (field, type), or the condition test of a conditional value."""
    out = {}
    for channel, encoding in layer["encoding"].items():
        if channel == "tooltip":
            out[channel] = tuple(item["field"] for item in encoding)
        elif "condition" in encoding:
            out[channel] = ("if", encoding["condition"]["test"], encoding["condition"]["value"], encoding["value"])
        else:
            out[channel] = (encoding["field"], encoding["type"])
    return out


def test_upset_chart_bars_exclusive_intersections_largest_first_over_a_dot_matrix():
    sets = ["VIP", "Gdańsk"]
    spec = upset_chart(sets, [(frozenset(sets), 3), (frozenset({"VIP"}), 10)], title="Overlap").to_dict()
    bars, matrix = spec["vconcat"]
    assert spec["title"] == "Overlap"
    assert data(spec, bars) == [
        {"rank": 0, "contacts": 10, "intersection": "VIP"},
        {"rank": 1, "contacts": 3, "intersection": "VIP ∩ Gdańsk"},
    ]
    assert marks(bars) == ["bar", "text"] and (bars["width"], bars["height"]) == (560, 180)
    assert channels(bars["layer"][1]) == {
        "x": ("rank", "ordinal"),
        "y": ("contacts", "quantitative"),
        "text": ("contacts", "quantitative"),
        "tooltip": ("intersection", "contacts"),
    }
    assert data(spec, matrix) == [
        {"rank": 0, "set": "VIP", "member": True, "intersection": "VIP"},
        {"rank": 0, "set": "Gdańsk", "member": False, "intersection": "VIP"},
        {"rank": 1, "set": "VIP", "member": True, "intersection": "VIP ∩ Gdańsk"},
        {"rank": 1, "set": "Gdańsk", "member": True, "intersection": "VIP ∩ Gdańsk"},
    ]
    links, dots = matrix["layer"]
    assert marks(matrix) == ["line", "circle"] and matrix["height"] == 28 * len(sets)
    assert links["transform"] == [{"filter": "datum.member"}]  # a line joins an intersection's members only
    assert dots["encoding"]["y"]["sort"] == sets  # the sets in the order given, not alphabetical
    assert channels(dots)["color"] == ("if", "datum.member", MEMBER_COLOR, "#e0e0e0")


def test_pairwise_heatmap_shares_are_of_the_rows_set():
    sets = ["A", "B"]
    shared = {("A", "A"): 10, ("A", "B"): 3, ("B", "A"): 3, ("B", "B"): 4}
    spec = pairwise_heatmap(sets, shared, {"A": 10, "B": 4}, title="Shared").to_dict()
    assert data(spec, spec) == [
        {"members of": "A", "also in": "A", "contacts": 10, "share": 1.0, "label": "10 (100%)"},
        {"members of": "A", "also in": "B", "contacts": 3, "share": 0.3, "label": "3 (30%)"},
        {"members of": "B", "also in": "A", "contacts": 3, "share": 0.75, "label": "3 (75%)"},
        {"members of": "B", "also in": "B", "contacts": 4, "share": 1.0, "label": "4 (100%)"},
    ]
    cells, text = spec["layer"]
    assert marks(spec) == ["rect", "text"] and (spec["width"], spec["height"], spec["title"]) == (180, 180, "Shared")
    assert channels(cells)["color"] == ("share", "quantitative")
    assert cells["encoding"]["color"]["scale"] == {"domain": [0, 1], "scheme": "blues"}
    assert channels(text)["color"] == ("if", "datum.share > 0.6", "white", "black")  # readable on dark cells


@pytest.mark.parametrize(
    ("title", "expected"),
    [pytest.param(None, "VIP: size over time", id="default-title"), pytest.param("Mine", "Mine", id="given-title")],
)
def test_size_over_time_is_a_line_with_a_dot_per_evaluation_from_zero(title, expected):
    spec = size_over_time_chart("VIP", [("2026-11-01", 5), ("2026-11-02", 7)], title=title).to_dict()
    assert data(spec, spec) == [
        {"time": "2026-11-01T00:00:00", "contacts": 5},
        {"time": "2026-11-02T00:00:00", "contacts": 7},
    ]
    assert marks(spec) == ["line", "point"] and spec["title"] == expected
    line = spec["layer"][0]
    assert channels(line) == {
        "x": ("time", "temporal"),
        "y": ("contacts", "quantitative"),
        "tooltip": ("time", "contacts"),
    }
    assert line["encoding"]["y"]["scale"] == {"zero": True}  # a segment's size is never drawn off a cut axis
