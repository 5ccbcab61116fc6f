"""Checks the JWT llm-sse-core signs for a Google service account against Google's own
library, `google-auth` (see DEVELOPERS.md, "Checking Google JWTs against google-auth").

    target/sdk-venv/bin/python tests/sdk/google_jwt_check.py   # the SDK suite's venv

(google-auth and cryptography are pinned in tests/sdk/requirements.txt.)

It runs `cargo run -p llm-sse-core --features google-auth --example google_jwt` on the test
key of `core/tests/fixtures/google/service_account.json` at the current time, then has
google-auth verify and re-create what that printed. Prints one line per check and exits 1 when
one failed. Not a test of the SDK suite (`run.py` only discovers `test_*.py`): `.ci/run` runs it
after the suite, in the same venv.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from pathlib import Path

from checks import Checks

import google.auth
import google.auth.crypt
import google.auth.jwt
from google.oauth2 import service_account

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "core" / "tests" / "fixtures" / "google"
KEY_FILE = FIXTURES / "service_account.json"
PUBLIC_KEY = FIXTURES / "service_account_public.pem"
SCOPE = "https://www.googleapis.com/auth/cloud-platform"


def b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def our_jwt(now: int) -> str:
    command = [
        "cargo", "run", "-q", "-p", "llm-sse-core", "--features", "google-auth",
        "--example", "google_jwt", "--", str(KEY_FILE), str(now),
    ]
    return subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def main() -> int:
    info = json.loads(KEY_FILE.read_text())
    public_pem = PUBLIC_KEY.read_text()
    now = int(time.time())
    jwt = our_jwt(now)
    header_b64, claims_b64, signature_b64 = jwt.split(".")
    check = Checks()

    # 1. google-auth verifies the signature (with the public key), the audience and the times.
    try:
        claims = google.auth.jwt.decode(
            jwt, certs=public_pem, audience=info["token_uri"], clock_skew_in_seconds=10
        )
        check("google.auth.jwt.decode verifies signature, aud, iat and exp", True)
    except Exception as error:  # noqa: BLE001 - report whatever google-auth raised
        claims = json.loads(b64url_decode(claims_b64))
        check("google.auth.jwt.decode verifies signature, aud, iat and exp", False, repr(error))

    # 2. The header and claims are what Google's token endpoint expects, in our byte order.
    header = google.auth.jwt.decode_header(jwt)
    expected_header = {"alg": "RS256", "typ": "JWT", "kid": info["private_key_id"]}
    check("header", header == expected_header, f"{header}")
    expected_claims = {
        "iss": info["client_email"],
        "scope": SCOPE,
        "aud": info["token_uri"],
        "iat": now,
        "exp": now + 3600,
    }
    check("claims", claims == expected_claims, f"{claims}")
    check(
        "header and claims bytes are compact JSON in the documented order",
        b64url_decode(header_b64) == json.dumps(expected_header, separators=(",", ":")).encode()
        and b64url_decode(claims_b64) == json.dumps(expected_claims, separators=(",", ":")).encode(),
    )

    # 3. google-auth's own signer makes the same signature (RS256 is deterministic).
    signer = google.auth.crypt.RSASigner.from_service_account_info(info)
    theirs = signer.sign(f"{header_b64}.{claims_b64}".encode())
    check("signature equals google-auth's RSASigner's", theirs == b64url_decode(signature_b64))
    check("kid equals google-auth's signer key_id", signer.key_id == header.get("kid"))

    # 4. The assertion google-auth itself makes for this key carries the same header and claims
    #    (its key order differs; its times are its own clock's).
    credentials = service_account.Credentials.from_service_account_info(info, scopes=[SCOPE])
    reference = credentials._make_authorization_grant_assertion()  # noqa: SLF001
    if isinstance(reference, bytes):
        reference = reference.decode()
    reference_claims = google.auth.jwt.decode(reference, certs=public_pem, audience=info["token_uri"])
    same = {k: v for k, v in reference_claims.items() if k not in ("iat", "exp")} == {
        k: v for k, v in expected_claims.items() if k not in ("iat", "exp")
    }
    check(
        "google-auth's own assertion has the same claims (iat/exp aside) and lifetime",
        same and reference_claims["exp"] - reference_claims["iat"] == 3600,
        f"{reference_claims}",
    )
    check(
        "google-auth's own assertion has the same header",
        google.auth.jwt.decode_header(reference) == header,
        f"{google.auth.jwt.decode_header(reference)}",
    )

    return check.report(f"google-auth {google.auth.__version__}, JWT issued at {now}")


if __name__ == "__main__":
    sys.exit(main())
