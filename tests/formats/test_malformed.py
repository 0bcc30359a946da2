"""The corpus of broken network files: each gives its own clear error naming the path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from visualizer.formats.errors import FormatError
from visualizer.formats.network_file import load_network

FOLDER = Path(__file__).parent / "malformed"
EXPECTED: dict[str, str] = json.loads((FOLDER / "expected.json").read_text(encoding="utf-8"))
CORPUS = sorted(p.name for p in FOLDER.glob("*.json") if p.name != "expected.json")


def message(name: str) -> str:
    with pytest.raises(FormatError) as info:
        load_network(FOLDER / name)
    return str(info.value)


def test_corpus_has_at_least_thirty_files_each_with_an_expected_message():
    assert len(CORPUS) >= 30
    assert sorted(EXPECTED) == CORPUS


@pytest.mark.parametrize("name", CORPUS)
def test_malformed_file_is_rejected_with_its_expected_message(name):
    assert EXPECTED[name] in message(name)


def test_every_malformed_file_gets_a_distinct_message():
    messages = [message(name) for name in CORPUS]
    assert len(set(messages)) == len(messages)


def test_messages_never_name_the_file_the_caller_adds_it():
    for name in CORPUS:
        assert name not in message(name)
