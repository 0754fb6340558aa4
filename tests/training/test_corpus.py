"""Reading corpora: JSONL and CSV, label maps, and clear errors for every kind of bad row."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from training.corpus import CorpusError, CsvColumns, load_corpus
from training.labelmap import LabelMap, LabelMapError

ROWS = [
    {"text": f"text number {i}", "labels": labels, "lang": "en"}
    for i, labels in enumerate(
        [["security"], ["sovereignty"], ["colour_revolution"], [], ["security", "sovereignty"]] * 3
    )
]


def write_jsonl(path: Path, rows: Sequence[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_reads_jsonl_directory(tmp_path: Path) -> None:
    """A directory is read file by file; labels, languages and counts are kept."""
    write_jsonl(tmp_path / "a.jsonl", ROWS[:7])
    write_jsonl(tmp_path / "b.jsonl", ROWS[7:])
    corpus = load_corpus([tmp_path], min_per_label=2)
    assert len(corpus.examples) == len(ROWS)
    assert corpus.label_counts() == {"security": 6, "sovereignty": 6, "colour_revolution": 3}
    assert corpus.lang_counts() == {"en": 15}
    assert corpus.indicator()[4] == [1, 1, 0]


def test_corpus_hash_ignores_file_layout(tmp_path: Path) -> None:
    """The corpus fingerprint depends on content, not on how rows are split into files."""
    one = load_corpus([write_jsonl(tmp_path / "one.jsonl", ROWS)], min_per_label=2)
    (tmp_path / "split").mkdir()
    write_jsonl(tmp_path / "split" / "x.jsonl", ROWS[::-1][:5])
    write_jsonl(tmp_path / "split" / "y.jsonl", ROWS[::-1][5:])
    assert one.sha256() == load_corpus([tmp_path / "split"], min_per_label=2).sha256()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"text": "a", "labels": ["security"]', "malformed JSON"),
        ('["not", "an", "object"]', "expected a JSON object"),
        ('{"labels": []}', "'text' is missing or empty"),
        ('{"text": "  ", "labels": []}', "'text' is missing or empty"),
        ('{"text": "a", "labels": "security"}', "'labels' must be a list"),
        ('{"text": "a", "labels": ["securty"]}', r"unknown label\(s\) securty"),
    ],
)
def test_bad_jsonl_row_names_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    """A bad row stops loading with its file, line number and what is wrong."""
    path = write_jsonl(tmp_path / "c.jsonl", ROWS[:3])
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    with pytest.raises(CorpusError, match=message) as err:
        load_corpus([path], min_per_label=1)
    assert f"{path}:4:" in str(err.value)


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 are reported with their line, not a traceback."""
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'{"text": "ok", "labels": []}\n{"text": "caf\xe9", "labels": []}\n')
    with pytest.raises(CorpusError, match=r"latin1.jsonl:2: not valid UTF-8"):
        load_corpus([path], min_per_label=1)


def test_too_few_examples_of_a_label(tmp_path: Path) -> None:
    """A label without enough positives is refused before any fitting."""
    path = write_jsonl(tmp_path / "few.jsonl", ROWS)
    with pytest.raises(CorpusError, match="'colour_revolution' has 3 positive"):
        load_corpus([path], min_per_label=4)


def test_missing_path(tmp_path: Path) -> None:
    """A path that does not exist is named."""
    with pytest.raises(CorpusError, match="no such file or directory"):
        load_corpus([tmp_path / "nope.jsonl"])


def test_csv_with_chosen_columns(tmp_path: Path) -> None:
    """CSV rows are read from the named columns, labels split by the separator."""
    path = tmp_path / "export.csv"
    lines = ["body,tags,language"] + [
        f'"{r["text"]}, quoted",{"|".join(r["labels"])},EN' for r in ROWS
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    columns = CsvColumns(text="body", labels="tags", lang="language", separator="|")
    corpus = load_corpus([path], columns=columns, min_per_label=2)
    assert corpus.examples[4].labels == {"security", "sovereignty"}
    assert corpus.examples[0].text == "text number 0, quoted"
    assert corpus.examples[0].lang == "en"


def test_csv_missing_column(tmp_path: Path) -> None:
    """A CSV without the text column says which columns it has."""
    path = tmp_path / "bad.csv"
    path.write_text("title,tags\nx,y\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="no column 'text' \\(columns: title, tags\\)"):
        load_corpus([path])


def test_label_map_translates_source_tags(tmp_path: Path) -> None:
    """With a label map, source tags become frames and unmapped tags are ignored."""
    label_map_path = tmp_path / "map.toml"
    label_map_path.write_text(
        'security = ["Terrorism", "Military"]\ncolour_revolution = ["Coup", "NGO"]\n'
        'sovereignty = ["Sovereignty"]\n',
        encoding="utf-8",
    )
    label_map = LabelMap.load(label_map_path, ["security", "sovereignty", "colour_revolution"])
    rows = [
        {"text": "a", "labels": ["terrorism", "Elections"]},
        {"text": "b", "labels": ["NGO", "Sovereignty"]},
        {"text": "c", "labels": ["Culture"]},
    ]
    corpus = load_corpus(
        [write_jsonl(tmp_path / "tags.jsonl", rows)], label_map=label_map, min_per_label=1
    )
    assert [e.labels for e in corpus.examples] == [
        {"security"},
        {"sovereignty", "colour_revolution"},
        set(),
    ]


def test_label_map_with_unknown_frame(tmp_path: Path) -> None:
    """A label map naming a frame the model does not have is refused."""
    path = tmp_path / "map.json"
    path.write_text('{"economy": ["Trade"]}', encoding="utf-8")
    with pytest.raises(LabelMapError, match="unknown frame\\(s\\) economy"):
        LabelMap.load(path, ["security"])


def test_csv_text_columns_are_joined(tmp_path: Path) -> None:
    """Several text columns (title,summary) are joined into one text."""
    path = tmp_path / "cases.csv"
    path.write_text("title,summary,keywords\nHead,Body text,NGO\n", encoding="utf-8")
    columns = CsvColumns(text="title,summary", labels="keywords", lang=None, separator=",")
    label_map = LabelMap({"colour_revolution": frozenset({"ngo"})})
    corpus = load_corpus([path], columns=columns, label_map=label_map, min_per_label=0)
    assert corpus.examples[0].text == "Head Body text"
    assert corpus.examples[0].labels == {"colour_revolution"}


def test_repeated_texts_are_merged_with_the_union_of_their_labels(tmp_path: Path) -> None:
    """A repeated text would land on both sides of a split: it is kept once, with every
    label its rows carry, and the merge is counted rather than silent."""
    repeats = [
        {"text": "text number 0", "labels": ["security"], "lang": "en"},  # same as ROWS[0]
        {"text": " text  number 1 ", "labels": ["colour_revolution"], "lang": "en"},  # new label
        {"text": "text number 1", "labels": ["sovereignty"], "lang": "en"},
    ]
    corpus = load_corpus([write_jsonl(tmp_path / "r.jsonl", [*ROWS, *repeats])], min_per_label=2)
    assert len(corpus.examples) == len(ROWS)
    assert (corpus.duplicates.merged, corpus.duplicates.relabelled) == (3, 1)
    assert corpus.examples[1].labels == {"sovereignty", "colour_revolution"}
    assert corpus.examples[1].origin.endswith("r.jsonl:2")  # the first row is the one kept
    assert "3 repeated text(s) merged" in corpus.duplicates.describe()


def test_a_corpus_without_repeats_says_so(tmp_path: Path) -> None:
    corpus = load_corpus([write_jsonl(tmp_path / "u.jsonl", ROWS)], min_per_label=2)
    assert corpus.duplicates.merged == 0
    assert corpus.duplicates.describe() == "no repeated texts"
