"""Checks our container credentials (ECS tasks, EKS Pod Identity) against botocore, AWS's own
Python SDK (see DEVELOPERS.md, "Checking SigV4 against botocore"):

    target/sdk-venv/bin/python tests/sdk/aws_container_check.py   # the SDK suite's venv

1. Which `AWS_CONTAINER_CREDENTIALS_FULL_URI`s are called: the verdicts of
   `cargo run -p llm-sse-core --example container_uri` equal botocore's
   (`ContainerMetadataFetcher._validate_allowed_url`) for every http(s) URL of a list of hosts
   written many ways. (Other schemes and URLs with user information are refused here; botocore
   lets its HTTP client refuse them.)
2. The mock container credentials endpoint (`cargo run -p llm-sse-tokio --example
   credentials_endpoint`) serves what botocore's `ContainerProvider` loads: with the token in
   `AWS_CONTAINER_AUTHORIZATION_TOKEN` or in the file of `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`,
   the same credentials and an expiry six hours on; a wrong token is refused.

Prints one line per check and exits 1 when one failed. `.ci/run` runs it after the SDK suite, in
the same venv.
"""

from __future__ import annotations

import datetime
import subprocess
import sys
import tempfile
from pathlib import Path

from checks import Checks

import botocore
from botocore.credentials import ContainerProvider
from botocore.utils import ContainerMetadataFetcher

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "eks-pod-identity-token"

HOSTS = [
    "127.0.0.1", "127.0.0.1:8080", "127.1.2.3", "127.255.255.255", "127.000.000.001", "127.1",
    "localhost", "localhost:9", "LOCALHOST", "[::1]", "[::1]:80", "[0:0:0:0:0:0:0:1]",
    "169.254.170.2", "169.254.170.2:80", "169.254.170.23", "[fd00:ec2::23]", "[FD00:EC2::23]",
    "[fd00:ec2:0:0:0:0:0:23]", "[fd00:ec2::24]", "169.254.169.254", "169.254.170.3",
    "128.0.0.1", "example.com", "127.0.0.1.example.com", "localhost.example.com", "10.0.0.1",
]


def our_verdicts(urls: list[str]) -> dict[str, bool]:
    command = ["cargo", "run", "-q", "-p", "llm-sse-core", "--example", "container_uri", "--", *urls]
    out = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    verdicts = {}
    for line in out.splitlines():
        verdict, url = line.split(" ", 1)
        verdicts[url] = verdict == "ok"
    return verdicts


def botocore_allows(url: str) -> bool:
    try:
        ContainerMetadataFetcher()._validate_allowed_url(url)  # noqa: SLF001
        return True
    except ValueError:
        return False


def main() -> int:
    check = Checks()

    # 1. The URL rule.
    urls = [f"{scheme}://{host}/v1/credentials" for scheme in ("http", "https") for host in HOSTS]
    ours = our_verdicts(urls)
    differ = [url for url in urls if ours.get(url) != botocore_allows(url)]
    check(f"{len(urls)} full URIs: called or refused as botocore does", not differ,
          ", ".join(f"{u} (ours: {ours.get(u)})" for u in differ))

    # 2. botocore's provider against the mock endpoint.
    subprocess.run(
        ["cargo", "build", "-q", "-p", "llm-sse-tokio", "--example", "credentials_endpoint"],
        cwd=ROOT, check=True,
    )
    server = subprocess.Popen(
        ["cargo", "run", "-q", "-p", "llm-sse-tokio", "--example", "credentials_endpoint", "--", TOKEN],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert server.stdin is not None and server.stdout is not None
    url = server.stdout.readline().strip()
    try:
        fetcher = ContainerMetadataFetcher(sleep=lambda _: None)
        with tempfile.NamedTemporaryFile("w", suffix=".token", delete=False) as file:
            file.write(TOKEN)  # as EKS writes it: botocore refuses a trailing line break
        for how, environ in [
            ("the token variable", {"AWS_CONTAINER_AUTHORIZATION_TOKEN": TOKEN}),
            ("the token file", {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": file.name}),
        ]:
            environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": url, **environ}
            try:
                credentials = ContainerProvider(environ=environ, fetcher=fetcher).load()
                frozen = credentials.get_frozen_credentials()
                expiry = credentials._expiry_time  # noqa: SLF001
                left = (expiry - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
                check(
                    f"botocore loads the mock's credentials with {how}",
                    (frozen.access_key, frozen.secret_key, frozen.token)
                    == ("ASIAMOCKCONTAINER000", "mock/container/secret", "mock-container-session")
                    and 6 * 3600 - 60 < left <= 6 * 3600,
                    f"{frozen.access_key!r}, {left:.0f} s left",
                )
            except Exception as error:  # noqa: BLE001 - report whatever botocore raised
                check(f"botocore loads the mock's credentials with {how}", False, repr(error))
        environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "wrong"}
        try:
            ContainerProvider(environ=environ, fetcher=fetcher).load()
            check("a wrong token is refused", False, "loaded")
        except Exception as error:  # noqa: BLE001
            check("a wrong token is refused", "401" in str(error), repr(error))
    finally:
        server.stdin.close()
        tail = server.stdout.read().strip()
        server.wait(timeout=30)
    # Two loads, and botocore's three attempts with the wrong token.
    check("the endpoint answered five requests", tail == "requests 5", tail)
    return check.report(f"botocore {botocore.__version__}, credentials endpoint at {url}")


if __name__ == "__main__":
    sys.exit(main())
