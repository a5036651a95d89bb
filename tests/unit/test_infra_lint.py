"""cfn-lint on every CloudFormation template in infra/aws through its Python API, so `pytest`
alone catches a template error (CI also runs the CLI and checkov: `make lint-infra`). A
suppression belongs in the template's Metadata with its reason, never here."""

from __future__ import annotations

from pathlib import Path

import pytest
from cfnlint.api import lint_file

from tests.cfn_templates import templates


def _findings(path: Path) -> list[str]:
    return [f"{m.rule.id} {m.linenumber}: {m.message}" for m in lint_file(path)]


def test_there_are_templates() -> None:
    names = {p.name for p in templates()}
    assert {"storage.yaml", "database.yaml", "service.yaml"} <= names


@pytest.mark.parametrize("path", templates(), ids=lambda p: p.name)
def test_template_has_no_cfn_lint_findings(path: Path) -> None:
    assert _findings(path) == []


def test_the_linter_sees_a_broken_template(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    text = (Path(templates()[0]).parent / "storage.yaml").read_text()
    broken.write_text(text.replace("Status: Enabled\n      OwnershipControls", "Status: On\n      OwnershipControls", 1))
    assert broken.read_text() != text
    assert any(f.startswith("E") for f in _findings(broken))
