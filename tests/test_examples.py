"""The example segments on the sample shop: meaningful, and equal to the reference evaluation."""

from __future__ import annotations

import json

import pytest

from tests.reference import evaluate
from tests.sample_store import build
from workbench.expr.describe import describe
from workbench.expr.rules import Segment
from workbench.sample import SAMPLE_AS_OF
from workbench.sample.load import example_segment_files

EXAMPLE_IDS = [
    "topic_readers",
    "mobile_active",
    "new_subscribers",
    "vip",
    "lapsed",
    "no_email_opens",
    "interested",
    "birthday",
    "target_city",
    "cross_sell",
    "multichannel",
    "abandoned_cart",
    "push_ignored",
]


@pytest.fixture(scope="module")
def sample(backend_url):
    return build(backend_url)


def test_every_use_case_has_an_example():
    assert sorted(p.stem for p in example_segment_files()) == sorted(EXAMPLE_IDS)


@pytest.mark.parametrize("segment_id", EXAMPLE_IDS)
def test_example_equals_reference_and_is_meaningful(sample, segment_id):
    rule = Segment.from_dict(json.loads((example_segment_files()[0].parent / f"{segment_id}.json").read_text())).rule
    expected = evaluate(rule.to_dict(), **sample.reference_kwargs())
    universe = evaluate({"all": []}, **sample.reference_kwargs())
    assert set(sample.ws.members(segment_id, SAMPLE_AS_OF)) == expected
    assert 0 < len(expected) < len(universe)


@pytest.mark.parametrize("path", example_segment_files(), ids=lambda p: p.stem)
def test_example_documents_round_trip_and_read_well(path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    segment = Segment.from_dict(doc)
    assert segment.to_dict() == doc
    assert segment.id == path.stem
    sentence = describe(segment)
    assert sentence and "{" not in sentence and "None" not in sentence
