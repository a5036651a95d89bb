"""The CloudFormation templates in infra/aws, read the way CloudFormation reads them (cfn-lint's
decoder, which knows the short-form tags such as !Sub), and a resolver for the few intrinsic
functions a policy in them uses, so tests can judge the policies the stacks really deploy."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[1]
AWS_DIR = ROOT / "infra" / "aws"


def templates() -> list[Path]:
    return sorted(AWS_DIR.glob("*.yaml"))


def load(name: str) -> dict[str, Any]:
    template, problems = decode(str(AWS_DIR / name))
    assert not problems, problems
    return template


def resolve(value: Any, names: dict[str, str]) -> Any:
    """Replace Ref, Fn::GetAtt and Fn::Sub by the values in `names` ("Param", "AWS::Region",
    "Resource.Attr"). Any other intrinsic, or a name not given, fails: the test then needs to
    say what it stands for, rather than judge a policy with a hole in it."""
    if isinstance(value, list):
        return [resolve(v, names) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (key, arg), = value.items()
        if key == "Ref":
            return names[arg]
        if key == "Fn::GetAtt":
            return names[".".join(arg) if isinstance(arg, list) else arg]
        if key == "Fn::Sub":
            assert isinstance(arg, str), "Fn::Sub with a variable map: not supported here"
            return re.sub(r"\$\{([^}!]+)\}", lambda m: names[m.group(1)], arg)
        assert not key.startswith("Fn::"), f"the resolver does not know {key}"
    return {k: resolve(v, names) for k, v in value.items()}
