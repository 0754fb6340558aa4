"""framing: command-line client — classify texts, files or stdin; show model info and health."""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format
from tqdm import tqdm

from framing.v1 import framing_service_pb2 as pb
from service.grpc.client import DEFAULT_TARGET, FramingClient, tls_credentials
from service.inputs import Document, InputError, read_documents, read_stream
from training.pipes import quiet_on_closed_pipe

EPILOG = """\
examples:
  framing classify "Troops were sent to restore order."
  framing classify --file article.txt          # a .txt file is one document
  framing classify --file corpus.jsonl         # one JSON line out per row, with a progress bar
  cat article.txt | framing classify
  framing info
output: one JSON object per document: id, present labels, scores, evidence, model_version.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="framing",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--target", default=DEFAULT_TARGET, help=f"server address (default: {DEFAULT_TARGET})"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per call")
    tls = parser.add_argument_group("TLS (the server's --tls-* settings)")
    tls.add_argument("--tls", action="store_true", help="connect over TLS (system roots)")
    tls.add_argument("--tls-ca", type=Path, help="PEM CA that signed the server certificate")
    tls.add_argument("--tls-cert", type=Path, help="PEM client certificate (mutual TLS)")
    tls.add_argument("--tls-key", type=Path, help="PEM client key (mutual TLS)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    classify = commands.add_parser(
        "classify",
        help="classify texts",
        description="Classify texts, a file, or stdin.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    classify.add_argument("texts", nargs="*", help="texts to classify (else --file or stdin)")
    classify.add_argument("-f", "--file", type=Path, help=".jsonl, .csv, or a text file")
    classify.add_argument("--text-field", default="text", help="JSONL field / CSV column")
    classify.add_argument("--id-field", default="id", help="JSONL field / CSV column of ids")
    classify.add_argument("--lines", action="store_true", help="stdin: one document per line")
    classify.add_argument("--evidence", type=int, help="evidence terms per frame (0 = none)")
    classify.add_argument("--batch-size", type=int, default=64, help="documents per request")
    commands.add_parser("info", help="describe the serving model")
    commands.add_parser("health", help="print the server's health status")
    return parser


def result_json(result: pb.DocumentResult, model_version: str) -> dict[str, Any]:
    return {
        "id": result.id,
        "present": list(result.present_labels),
        "scores": {f.label: round(f.score, 4) for f in result.frames},
        "evidence": {
            f.label: [
                {
                    "term": e.term,
                    "weight": round(e.weight, 4),
                    "spans": [[s.start, s.end] for s in e.spans],
                }
                for e in f.evidence
            ]
            for f in result.frames
        },
        "model_version": model_version,
    }


def _documents(args: argparse.Namespace) -> tuple[Iterable[Document], bool]:
    """The documents to send, and whether to show a progress bar (files only)."""
    if args.texts:
        return [(f"arg:{i}", text) for i, text in enumerate(args.texts)], False
    if args.file:
        return read_documents(args.file, args.text_field, args.id_field), True
    return read_stream(sys.stdin, "stdin", args.lines), False


def _batches(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    iterator = iter(documents)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def run_classify(client: FramingClient, args: argparse.Namespace) -> None:
    documents, show_progress = _documents(args)
    with tqdm(desc="classifying", unit="doc", disable=not show_progress, file=sys.stderr) as bar:
        for response in client.classify_stream(_batches(documents, args.batch_size), args.evidence):
            for result in response.results:
                print(json.dumps(result_json(result, response.model_version), ensure_ascii=False))
            bar.update(len(response.results))


def run(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    secure = args.tls or args.tls_ca or args.tls_cert
    credentials = tls_credentials(args.tls_ca, args.tls_cert, args.tls_key) if secure else None
    with FramingClient(args.target, args.timeout, credentials) as client:
        if args.command == "classify":
            run_classify(client, args)
        elif args.command == "info":
            info = client.model_info()
            print(json.dumps(json_format.MessageToDict(info), indent=2, ensure_ascii=False))
        else:
            print(client.health())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return quiet_on_closed_pipe(lambda: _run_reporting_errors(argv))


def _run_reporting_errors(argv: Sequence[str] | None) -> int:
    try:
        return run(argv)
    except InputError as err:
        print(f"framing: error: {err}", file=sys.stderr)
        return 2
    except grpc.RpcError as err:
        code = err.code()
        hint = (
            " (is framing-serve running? `make serve`)"
            if code == grpc.StatusCode.UNAVAILABLE
            else ""
        )
        print(f"framing: error: {code.name}: {err.details()}{hint}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
