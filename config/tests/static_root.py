"""Static files collected once per test run, for the servers that tests start with production
settings: gunicorn refuses to start without the manifest (config.E020)."""

import atexit
import functools
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


@functools.cache
def collected_static_root() -> Path:
    """A directory `manage.py collectstatic` filled (production storage), removed at exit."""
    directory = Path(tempfile.mkdtemp(prefix="collected-static-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "False",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(50),
        "ML_SIGNING_KEY": secrets.token_urlsafe(50),
        "DJANGO_STATIC_ROOT": str(directory),
    }
    done = subprocess.run(  # noqa: S603 - our interpreter, our manage.py
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return directory
