"""ml/ must stay importable and usable without Django (see STYLE.md)."""

import subprocess
import sys
from pathlib import Path

ML_DIR = Path(__file__).resolve().parents[1]
BLOCK_DJANGO = "import sys; sys.modules['django'] = None\n"


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", BLOCK_DJANGO + code],
        cwd=ML_DIR.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_blocking_works():
    # Guards the test below against passing because the block does nothing.
    assert _run("import django").returncode != 0


def test_every_module_imports_with_django_blocked():
    modules = sorted(
        f"ml.{p.stem}" for p in ML_DIR.glob("*.py") if p.stem not in {"__init__", "__main__"}
    )
    assert "ml.training" in modules and "ml.artifacts" in modules
    result = _run("".join(f"import {m}\n" for m in modules))
    assert result.returncode == 0, result.stderr


def test_no_source_file_mentions_django_imports():
    # Tests are not scanned: this one spells the forbidden imports out.
    offenders = [
        p.name
        for p in ML_DIR.glob("*.py")
        if "import django" in p.read_text() or "from django" in p.read_text()
    ]
    assert offenders == []
