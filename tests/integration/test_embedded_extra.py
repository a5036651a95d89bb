"""moto and aiosmtpd are the optional `embedded` extra (issue 9, item 13): only
`ats serve --embedded` (and the tests) need them. Without them the app, the CLI and the API
still import, and the embedded mode stops with a message naming the extra, not a traceback.

Each test runs a fresh interpreter in which importing moto or aiosmtpd fails, as in an
installation without the extra.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

WITHOUT_EXTRA = """
import sys

class _NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"moto", "aiosmtpd"}:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NotInstalled())
"""


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATS_", "AWS_"))}
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRA + code, *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def test_the_app_cli_and_jobs_import_without_the_embedded_extra() -> None:
    done = _python(
        "import ats.cli, ats.bootstrap, ats.web.app, jobs.scheduler, storage.emulator, storage.smtp_server\n"
        "assert 'moto' not in sys.modules and 'aiosmtpd' not in sys.modules\n"
        "print('imported')"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "imported"


def test_serve_embedded_without_the_extra_names_the_extra(tmp_path: Path) -> None:
    done = _python(
        "from ats.cli import main\nsys.exit(main(['serve', '--embedded', '--data-dir', sys.argv[1]]))",
        str(tmp_path / "data"),
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    assert "embedded" in done.stderr and "pip install" in done.stderr, done.stderr
    assert "moto" in done.stderr
    assert not (tmp_path / "data").exists()  # it stopped before setting anything up
