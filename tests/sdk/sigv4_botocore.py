"""Checks llm-sse-core's AWS SigV4 signer against botocore (see DEVELOPERS.md, "Checking
SigV4 against botocore").

    python tests/sdk/sigv4_botocore.py                     # runs the Rust example for the cases
    python tests/sdk/sigv4_botocore.py target/sigv4-cases.json
    python tests/sdk/sigv4_botocore.py --random 5000       # more pseudo-random cases

The cases (with our canonical request, string to sign and `authorization`) come from
`cargo run -p llm-sse-core --example sigv4_cases`, or from a JSON file it wrote. Each request
is signed again by botocore's `SigV4Auth` (what botocore uses for Bedrock and every other
service but S3) with the same credentials, region, service and time, and the results are
compared byte for byte. Needs botocore (pinned in the SDK suite's `tests/sdk/requirements.txt`;
`.ci/run` runs this script after the suite, in the same venv).
Exits 1 when a case differs (or none ran), and ends with one line `N passed, N failed`.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]


def load_cases(args: list[str]) -> list[dict]:
    if args and not args[0].startswith("--"):
        return json.loads(Path(args[0]).read_text(encoding="utf-8"))
    command = ["cargo", "run", "-q", "-p", "llm-sse-core", "--example", "sigv4_cases", "--", *args]
    out = subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.PIPE)
    return json.loads(out.stdout)


def botocore_sign(case: dict) -> dict:
    """Signs `case` with botocore; returns its canonical request, string to sign and headers."""
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    seen: dict = {}

    class Recording(botocore.auth.SigV4Auth):
        def canonical_request(self, request):
            seen["canonical_request"] = super().canonical_request(request)
            return seen["canonical_request"]

        def string_to_sign(self, request, canonical_request):
            seen["string_to_sign"] = super().string_to_sign(request, canonical_request)
            return seen["string_to_sign"]

    request = AWSRequest(method=case["method"], url=case["url"], data=case["body"].encode("utf-8"))
    for name, value in case["headers"]:
        # HTTPHeaders appends on assignment: a repeated header keeps every value, in order.
        request.headers[name] = value
    credentials = Credentials(case["access_key_id"], case["secret_access_key"], case["session_token"])
    signer = Recording(credentials, case["service"], case["region"])
    when = datetime.datetime.fromtimestamp(case["time"], datetime.timezone.utc).replace(tzinfo=None)
    if not hasattr(botocore.auth, "get_current_datetime"):
        raise SystemExit("this botocore has no botocore.auth.get_current_datetime to fix the time; use the pinned one")
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        signer.add_auth(request)
    seen["authorization"] = request.headers["Authorization"]
    seen["amz_date"] = request.headers["X-Amz-Date"]
    return seen


def main(argv: list[str]) -> int:
    import botocore

    cases = load_cases(argv)
    print(f"botocore {botocore.__version__}: {len(cases)} cases", flush=True)
    passed = failed = 0
    for case in cases:
        theirs = botocore_sign(case)
        diffs = [key for key in ("canonical_request", "string_to_sign", "amz_date", "authorization") if theirs[key] != case[key]]
        if diffs:
            failed += 1
            print(f"FAIL {case['name']}: {case['method']} {case['url']}")
            for key in diffs:
                print(f"  {key}:\n    ours:     {case[key]!r}\n    botocore: {theirs[key]!r}")
        else:
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
