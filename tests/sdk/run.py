"""Runs the SDK suite: the official `openai` and `anthropic` Python packages against
`llm-sse serve` in front of `llm-sse mock` processes, and boto3 and the `anthropic` package's
Bedrock and Vertex AI clients against `llm-sse mock` standing in for the cloud platforms (see
DEVELOPERS.md).

    python tests/sdk/run.py            # with the packages of tests/sdk/requirements.txt installed

The binary is `$LLM_SSE_BIN`, else `target/debug/llm-sse`. Exits 1 when a test failed (or none
ran), and ends with one line `N passed, N failed`.
"""

from __future__ import annotations

import sys
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    sys.path.insert(0, str(HERE))
    import anthropic
    import boto3
    import openai

    from harness import BIN

    print(
        f"openai {openai.__version__}, anthropic {anthropic.__version__}, boto3 {boto3.__version__}, {BIN}",
        flush=True,
    )
    started = time.monotonic()
    suite = unittest.defaultTestLoader.discover(str(HERE), pattern="test_*.py", top_level_dir=str(HERE))
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    # A test with failing subtests appears once per subtest: count each test once.
    failing = {test.id().split(" ")[0] for test, _ in result.failures + result.errors}
    failed = len(failing) + len(result.unexpectedSuccesses)
    passed = max(0, result.testsRun - failed - len(result.skipped))
    print(f"SDK suite took {time.monotonic() - started:.1f} s")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
