"""What the SDK tests share: `llm-sse mock` and `llm-sse serve` processes started on
127.0.0.1 port 0 (each prints its address on its first line of standard output), and what the
golden `.frames` files say a recording holds.

The binary is `$LLM_SSE_BIN`, else `target/debug/llm-sse` in the repository.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("LLM_SSE_BIN", REPO / "target" / "debug" / "llm-sse"))
FIXTURES = REPO / "tests" / "fixtures"

# The bound on every wait, so that a bug fails a test instead of hanging the suite.
TIMEOUT = 10.0

PROVIDERS = ("anthropic", "openai", "gemini")
DEFAULT_MODEL = {
    "anthropic": "claude-sonnet-4-5",
    "openai": "gpt-4.1-mini",
    "gemini": "gemini-2.5-flash",
}
ENV_PREFIX = {"anthropic": "ANTHROPIC", "openai": "OPENAI", "gemini": "GEMINI"}

# The recordings each test uses, per provider (tests/fixtures/<provider>/<name>.sse).
TEXT = {"anthropic": "text", "openai": "include_usage", "gemini": "text"}
TOOLS = {"anthropic": "tool_use", "openai": "parallel_tool_calls_usage", "gemini": "function_call"}
ERROR = {"anthropic": "error_mid_stream", "openai": "error_event", "gemini": "error"}

# The environment the processes must not inherit from the developer's shell.
_SCRUBBED = ("ANTHROPIC_", "OPENAI_", "GEMINI_", "GOOGLE_API_KEY", "LLM_SSE_", "RUST_LOG", "AWS_",
             "GOOGLE_APPLICATION_CREDENTIALS", "CLOUDSDK_", "CLOUD_ML_REGION")

WEATHER_TOOL = {
    "name": "get_weather",
    "description": "The current weather in a city",
    "parameters": {
        "type": "object",
        "properties": {"location": {"type": "string"}, "unit": {"type": "string"}},
        "required": ["location"],
    },
}


class Process:
    """A running `llm-sse` subcommand whose first line of standard output is its address."""

    def __init__(self, args: list[str], env: dict[str, str]):
        if not BIN.is_file():
            raise RuntimeError(f"{BIN} is missing: run `cargo build -p llm-sse-tokio` or set LLM_SSE_BIN")
        base = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED)}
        base.update(env)
        self.args = args
        self.proc = subprocess.Popen(
            [str(BIN), *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=base,
            text=True,
        )
        self.stderr: list[str] = []
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._drain, args=(self.proc.stdout, lines.put), daemon=True).start()
        threading.Thread(target=self._drain, args=(self.proc.stderr, self.stderr.append), daemon=True).start()
        try:
            first = lines.get(timeout=TIMEOUT)
        except queue.Empty:
            self.stop()
            raise RuntimeError(f"llm-sse {' '.join(args)}: no address within {TIMEOUT} s: {self.stderr}")
        self.addr = first.strip()
        if not self.addr.startswith("127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"llm-sse {' '.join(args)}: first line {first!r}: {self.stderr}")

    @staticmethod
    def _drain(stream, put) -> None:
        for line in stream:
            put(line)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def mock(test: unittest.TestCase, provider: str, recording: str, *extra: str) -> tuple[Process, str]:
    """`llm-sse mock` serving tests/fixtures/<provider>/<recording>.sse, requiring the key the
    gateway gets (`sk-mock-<provider>`): the process and the provider's base URL."""
    path = FIXTURES / provider / f"{recording}.sse"
    process = Process(
        ["mock", "--provider", provider, "--file", str(path), "--addr", "127.0.0.1:0",
         "--require-api-key", f"sk-mock-{provider}", *extra],
        {},
    )
    test.addCleanup(process.stop)
    base = f"http://{process.addr}" + ("/v1" if provider == "openai" else "")
    return process, base


def gateway(test: unittest.TestCase, mocks: dict[str, str], *args: str, token: str | None = None) -> Process:
    """`llm-sse serve` calling the providers at `mocks` (provider → base URL) with their keys,
    no retries."""
    env = {"LLM_SSE_MAX_RETRIES": "0"}
    for provider, base in mocks.items():
        env[f"{ENV_PREFIX[provider]}_API_KEY"] = f"sk-mock-{provider}"
        env[f"{ENV_PREFIX[provider]}_BASE_URL"] = base
    if token is not None:
        env["LLM_SSE_TOKEN"] = token
    process = Process(["serve", "--addr", "127.0.0.1:0", *args], env)
    test.addCleanup(process.stop)
    return process


def stack(test: unittest.TestCase, provider: str, recording: str, *mock_args: str) -> Process:
    """A mock of `provider` serving `recording`, and a gateway in front of it."""
    _, base = mock(test, provider, recording, *mock_args)
    return gateway(test, {provider: base})


def model(provider: str) -> str:
    return f"{provider}/{DEFAULT_MODEL[provider]}"


class Recording:
    """What a recording holds, read from its golden normalized frames (`<name>.frames`)."""

    def __init__(self, provider: str, name: str):
        self.provider = provider
        self.frames = []
        for line in (FIXTURES / provider / f"{name}.frames").read_text().splitlines():
            if line.startswith("data: ") and line != "data: [DONE]":
                self.frames.append(json.loads(line[len("data: "):]))
        self.done = self.frames[-1]
        assert self.done["done"], name

    @property
    def text(self) -> str:
        return "".join(frame["token"] for frame in self.frames)

    @property
    def tool_calls(self) -> list[tuple[str, dict]]:
        """Each call's name and parsed arguments, in order."""
        calls: dict[int, list] = {}
        for frame in self.frames:
            call = frame.get("tool_call")
            if call:
                entry = calls.setdefault(call["index"], [call.get("name"), ""])
                entry[1] += call["arguments"]
        return [(name, json.loads(args)) for name, args in calls.values()]

    @property
    def usage(self) -> dict | None:
        return self.done.get("usage")

    def openai_usage(self) -> tuple[int, int] | None:
        """(prompt_tokens, completion_tokens) as the OpenAI dialect counts them."""
        usage = self.usage
        if usage is None:
            return None
        prompt = usage["input_tokens"]
        if self.provider == "anthropic":
            prompt += usage.get("cache_read_input_tokens", 0) + usage.get("cache_creation_input_tokens", 0)
        return prompt, usage["output_tokens"]

    def anthropic_usage(self) -> tuple[int, int]:
        """(input_tokens, output_tokens) as the Anthropic dialect counts them."""
        usage = self.usage or {"input_tokens": 0, "output_tokens": 0}
        prompt = usage["input_tokens"]
        if self.provider != "anthropic":
            prompt -= usage.get("cache_read_input_tokens", 0)
        return prompt, usage["output_tokens"]

    @property
    def error(self) -> dict:
        return self.done["error"]
