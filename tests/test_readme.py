"""The README stays true: its configuration table and commands match the code."""

from __future__ import annotations

import re
from pathlib import Path

from service.settings import ENV_PREFIX, Settings, build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_configuration_table_lists_every_setting() -> None:
    """Every setting's flag and environment variable appear in the README's table."""
    flags = {a.dest: a.option_strings[0] for a in build_parser()._actions if a.dest != "help"}
    for name in Settings.model_fields:
        assert f"`{ENV_PREFIX}{name.upper()}`" in README, name
        assert f"`{flags[name]}`" in README, name


def test_make_targets_in_readme_exist() -> None:
    """Each `make X` the README mentions is a target of the Makefile."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in set(re.findall(r"make ([a-z][a-z-]+)", README)):
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), target
