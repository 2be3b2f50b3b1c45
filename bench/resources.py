"""Memory of processes and a description of the machine, read from /proc (Linux)."""

import contextlib
import os
import platform
import threading
from pathlib import Path

import psutil


def _tree_rss(pid: int) -> int:
    try:
        process = psutil.Process(pid)
        tree = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for member in tree:
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


class PeakRss:
    """Samples the resident memory of a process and its children (hashing workers) every
    0.2 s; ``peak_mb`` is the largest sum seen."""

    def __init__(self) -> None:
        self.peak = 0
        self._pid: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def track(self, pid: int) -> None:
        self._pid = pid

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            if self._pid is not None:
                self.peak = max(self.peak, _tree_rss(self._pid))

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return round(self.peak / 2**20, 1)


def worker_rss_mb(master_pid: int) -> list[dict]:
    """RSS and PSS (shared pages split between the processes sharing them) of each worker."""
    workers = []
    for child in psutil.Process(master_pid).children():
        info = child.memory_full_info()
        workers.append(
            {"pid": child.pid, "rss_mb": round(info.rss / 2**20), "pss_mb": round(info.pss / 2**20)}
        )
    return workers


def machine(pg_version: str) -> dict:
    meminfo = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()
    return {
        "nproc": os.cpu_count(),
        "ram_gb": round(int(meminfo[1]) / 2**20, 1),
        "cpu": platform.processor() or platform.machine(),
        "postgresql": pg_version,
        "python": platform.python_version(),
        "load_average_start": os.getloadavg()[0],
    }
