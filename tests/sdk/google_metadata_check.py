"""Checks the mock Google Cloud metadata server (`llm_sse_tokio::mock::TokenEndpoint` with
`metadata_server()`) against Google's own library, `google-auth`: what our Vertex AI clients
are tested against must be what google-auth, written for the real server, accepts (see
DEVELOPERS.md, "Checking Google JWTs against google-auth").

    target/sdk-venv/bin/python tests/sdk/google_metadata_check.py   # the SDK suite's venv

It starts `cargo run -p llm-sse-tokio --example metadata_server`, points google-auth at it
(`GCE_METADATA_HOST` for the metadata, `GCE_METADATA_IP` for its detection ping), with no
other credentials in reach (an empty home and gcloud directory), then:

1. google-auth's detection (`_metadata.is_on_gce`) finds it;
2. `google.auth.default()` chooses Compute Engine credentials and reads the project id;
3. those credentials refresh: google-auth reads the account's description, then asks for a
   token, and gets the mock's, valid for the mock's hour; a second refresh gets a new one;
4. the request our clients send (`GET .../service-accounts/default/token` with
   `Metadata-Flavor: Google`) gets the answer google-auth parses, and without the header a
   `403`.

Prints one line per check and exits 1 when one failed. `.ci/run` runs it after the SDK suite,
in the same venv.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from checks import Checks

ROOT = Path(__file__).resolve().parents[2]
SCOPE = "https://www.googleapis.com/auth/cloud-platform"
EMAIL = "mock-vm@mock-project.iam.gserviceaccount.com"
PROJECT = "mock-project"
TOKEN_PATH = "/computeMetadata/v1/instance/service-accounts/default/token"


def start_server() -> tuple[subprocess.Popen[str], str]:
    subprocess.run(
        ["cargo", "build", "-q", "-p", "llm-sse-tokio", "--example", "metadata_server"],
        cwd=ROOT,
        check=True,
    )
    command = [
        "cargo", "run", "-q", "-p", "llm-sse-tokio", "--example", "metadata_server",
    ]
    server = subprocess.Popen(
        command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    addr = server.stdout.readline().strip()
    if not addr:
        server.kill()
        raise SystemExit("the metadata server example printed no address")
    return server, addr


def get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - 127.0.0.1
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()


def main() -> int:
    server, addr = start_server()
    check = Checks()

    home = tempfile.mkdtemp(prefix="llm-sse-metadata-check-")
    try:
        # Only the metadata server: google-auth reads these when imported.
        for name in ("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT",
                     "NO_GCE_CHECK", "GCE_METADATA_ROOT", "GCE_METADATA_MTLS_MODE"):
            os.environ.pop(name, None)
        os.environ.update({
            "GCE_METADATA_HOST": addr,
            "GCE_METADATA_IP": addr,
            "HOME": home,
            "CLOUDSDK_CONFIG": home,
        })
        import google.auth
        import google.auth.transport.requests
        from google.auth import compute_engine
        from google.auth.compute_engine import _metadata

        request = google.auth.transport.requests.Request()

        # 1. Detection.
        check("google-auth's detection finds the server", _metadata.is_on_gce(request=request))

        # 2. Application default credentials.
        try:
            credentials, project = google.auth.default(scopes=[SCOPE])
            check(
                "google.auth.default() picks Compute Engine credentials",
                isinstance(credentials, compute_engine.Credentials),
                f"{type(credentials)}",
            )
            check("google.auth.default() reads the project id", project == PROJECT, f"{project!r}")
        except Exception as error:  # noqa: BLE001 - report whatever google-auth raised
            credentials = compute_engine.Credentials(scopes=[SCOPE])
            check("google.auth.default() picks Compute Engine credentials", False, repr(error))

        # 3. Refresh, twice.
        tokens = []
        for attempt in (1, 2):
            try:
                credentials.refresh(request)
                tokens.append(credentials.token)
                expiry = credentials.expiry
                if expiry.tzinfo is None:  # google-auth keeps naive UTC times
                    expiry = expiry.replace(tzinfo=datetime.timezone.utc)
                left = (expiry - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
                check(
                    f"refresh {attempt} gets the mock's token, valid for its hour",
                    credentials.token == f"ya29.mock-token-{attempt}" and 3500 < left <= 3600,
                    f"{credentials.token!r}, {left:.0f} s left",
                )
            except Exception as error:  # noqa: BLE001
                check(f"refresh {attempt} gets the mock's token, valid for its hour", False, repr(error))
        check(
            "the credentials learnt the account's email",
            credentials.service_account_email == EMAIL,
            f"{credentials.service_account_email!r}",
        )

        # 4. Our clients' request, and the same without the header.
        status, headers, body = get(f"http://{addr}{TOKEN_PATH}", {"Metadata-Flavor": "Google"})
        lowered = {k.lower(): v for k, v in headers.items()}
        try:
            import json

            answer = json.loads(body)
        except ValueError:
            answer = {}
        check(
            "our clients' request gets a bearer token with expires_in",
            status == 200
            and lowered.get("metadata-flavor") == "Google"
            and answer.get("token_type") == "Bearer"
            and answer.get("access_token") == "ya29.mock-token-3"
            and isinstance(answer.get("expires_in"), int),
            f"{status} {lowered} {body[:200]!r}",
        )
        status, _, body = get(f"http://{addr}{TOKEN_PATH}", {})
        check(
            "without Metadata-Flavor: Google, 403",
            status == 403 and b"Metadata-Flavor" in body,
            f"{status} {body[:200]!r}",
        )
    finally:
        assert server.stdin is not None and server.stdout is not None
        server.stdin.close()
        tail = server.stdout.read().strip()
        server.wait(timeout=30)
    # Every token request was answered: google-auth's two, ours, and the refused one.
    check("the server counted four token requests and issued three tokens",
          tail == "requests 4 issued 3", tail)

    return check.report(f"google-auth {google.auth.__version__}, metadata server at {addr}")


if __name__ == "__main__":
    sys.exit(main())
