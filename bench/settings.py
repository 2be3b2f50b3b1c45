"""Production settings plus the benchmark's floor endpoint (bench.floor, /bench/floor/).

Used only by `make bench`'s server and commands; the product never loads it.
"""

from config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.floor"]  # noqa: F405
ROOT_URLCONF = "bench.urls"
