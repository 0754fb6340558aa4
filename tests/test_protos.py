"""The committed framing/v1 stubs are exactly what protoc generates from protos/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from framing.v1 import framing_service_pb2 as pb

ROOT = Path(__file__).resolve().parent.parent


def test_generated_code_matches_protos(tmp_path: Path) -> None:
    """Regenerating the stubs gives byte-identical files (run `make protos` after editing)."""
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_protos.py"), "--out", str(tmp_path)],
        check=True,
    )
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*_pb2*"))
    committed = sorted(p.relative_to(ROOT) for p in (ROOT / "framing").rglob("*_pb2*"))
    assert generated == committed
    for relative in generated:
        assert (tmp_path / relative).read_bytes() == (ROOT / relative).read_bytes(), relative


def test_every_element_of_the_api_is_commented() -> None:
    """Each service, rpc, message and field carries a comment in the proto source."""
    source = (ROOT / "protos" / "framing" / "v1" / "framing_service.proto").read_text()
    lines = source.splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        declares = stripped.startswith(("service ", "rpc ", "message ")) or (
            "=" in stripped and stripped.endswith(";") and not stripped.startswith(("syntax", "//"))
        )
        if declares and not stripped.startswith("option"):
            assert lines[i - 1].strip().startswith("//"), f"line {i + 1} lacks a comment: {line}"
    assert pb.DESCRIPTOR.package == "framing.v1"
