"""Reading documents for the client: files by suffix, stdin, and errors with line numbers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from service.inputs import InputError, read_documents, read_stream


def test_text_file_is_one_document(tmp_path: Path) -> None:
    """Any non-JSONL, non-CSV file is one document named after the file."""
    path = tmp_path / "article.txt"
    path.write_text("Titre\n\nCorps de l'article.", encoding="utf-8")
    assert list(read_documents(path)) == [("article.txt", "Titre\n\nCorps de l'article.")]


def test_csv_columns(tmp_path: Path) -> None:
    """CSV rows use the chosen text and id columns; missing ids get file:line."""
    path = tmp_path / "docs.csv"
    path.write_text('key,body\nk1,"a, b"\n,c\n', encoding="utf-8")
    docs = list(read_documents(path, text_field="body", id_field="key"))
    assert docs == [("k1", "a, b"), (f"{path}:3", "c")]


def test_jsonl_error_names_the_line(tmp_path: Path) -> None:
    """A JSONL row without the text field is reported with its line."""
    path = tmp_path / "docs.jsonl"
    path.write_text('{"text": "a"}\n{"body": "b"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"docs\.jsonl:2: no string field 'text'"):
        list(read_documents(path))


def test_stdin_lines() -> None:
    """With --lines, each non-empty line of stdin is a document."""
    docs = list(read_stream(io.StringIO("a\n\nb\n"), "stdin", lines=True))
    assert docs == [("stdin:1", "a"), ("stdin:3", "b")]
