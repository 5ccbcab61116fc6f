"""The report of the independent checks (`google_jwt_check.py`, `google_metadata_check.py`):
one line per check, a count, and the exit status."""

from __future__ import annotations


class Checks:
    """Named checks, each passed or failed with a detail shown when it failed."""

    def __init__(self) -> None:
        self.results: list[tuple[str, bool, str]] = []

    def __call__(self, name: str, ok: bool, detail: str = "") -> None:
        self.results.append((name, bool(ok), detail))

    def report(self, title: str) -> int:
        """Prints `title`, then each check and the count; 1 when one failed, else 0."""
        print(title)
        for name, ok, detail in self.results:
            print(f"{'ok  ' if ok else 'FAIL'} {name}" + ("" if ok else f": {detail}"))
        failed = sum(1 for _, ok, _ in self.results if not ok)
        print(f"{len(self.results) - failed} passed, {failed} failed")
        return 1 if failed else 0
