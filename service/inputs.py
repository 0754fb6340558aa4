"""Documents to classify from files and streams: JSONL, CSV, or plain text."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO


class InputError(ValueError):
    """An input file that cannot be read as documents; names the file and line."""


Document = tuple[str, str]


def read_documents(
    path: Path, text_field: str = "text", id_field: str = "id"
) -> Iterator[Document]:
    """By suffix: .jsonl rows, .csv rows, anything else is one document."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as err:
        raise InputError(f"{path}: {err.strerror}") from None
    with handle:
        if path.suffix == ".jsonl":
            yield from _jsonl(handle, str(path), text_field, id_field)
        elif path.suffix == ".csv":
            yield from _csv(handle, str(path), text_field, id_field)
        else:
            yield path.name, _read_all(handle, str(path))


def read_stream(handle: TextIO, name: str, lines: bool) -> Iterator[Document]:
    """Standard input: the whole stream as one document, or one document per non-empty line."""
    if not lines:
        yield name, _read_all(handle, name)
        return
    for number, line in enumerate(handle, start=1):
        if line.strip():
            yield f"{name}:{number}", line.rstrip("\n")


def _read_all(handle: TextIO, name: str) -> str:
    try:
        return handle.read()
    except UnicodeDecodeError as err:
        raise InputError(f"{name}: not valid UTF-8 ({err.reason} at byte {err.start})") from None


def _jsonl(handle: TextIO, name: str, text_field: str, id_field: str) -> Iterator[Document]:
    number = 0
    try:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(f"{name}:{number}: malformed JSON ({err.msg})") from None
            if not isinstance(row, dict) or not isinstance(row.get(text_field), str):
                raise InputError(f"{name}:{number}: no string field {text_field!r}")
            yield str(row.get(id_field, f"{name}:{number}")), row[text_field]
    except UnicodeDecodeError as err:
        raise InputError(f"{name}:{number + 1}: not valid UTF-8 ({err.reason})") from None


def _csv(handle: TextIO, name: str, text_field: str, id_field: str) -> Iterator[Document]:
    reader = csv.DictReader(handle)
    try:
        for row in reader:
            if text_field not in row:
                raise InputError(f"{name}:1: no column {text_field!r}")
            yield row.get(id_field) or f"{name}:{reader.line_num}", row[text_field] or ""
    except UnicodeDecodeError as err:
        raise InputError(f"{name}:{reader.line_num + 1}: not valid UTF-8 ({err.reason})") from None
