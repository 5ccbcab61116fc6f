"""The cloud platforms' own SDKs against `llm-sse mock` standing in for Claude on Amazon Bedrock
and Vertex AI: an independent check of the mock's SigV4 verification, its event stream and its
errors, and of the recordings the Rust tests rely on.

- boto3's `bedrock-runtime` client, `invoke_model_with_response_stream`: botocore signs, the
  mock verifies (`--require-aws-signature`); botocore decodes our event stream, and the events
  are the recording's; AWS's errors (`x-amzn-errortype`) and an exception mid-stream come out as
  botocore's `ClientError` and `EventStreamError` with AWS's codes.
- The `anthropic` package's `AnthropicBedrock` (signing with botocore too) and `AnthropicVertex`
  (with `access_token=` and a `base_url` at the mock) streaming Claude's answer.
"""

from __future__ import annotations

import json
import time
import unittest

import anthropic
import boto3
import botocore.config
import botocore.exceptions

from harness import FIXTURES, TIMEOUT, Process, Recording

AWS = {
    "AWS_ACCESS_KEY_ID": "AKIDSDKSUITETEST0001",
    "AWS_SECRET_ACCESS_KEY": "sdk/suite/secret+access/key0123456789abc",
    "AWS_REGION": "us-west-2",
}
MODEL_ID = "anthropic.claude-sonnet-4-5-20250929-v1:0"
BODY = {
    "anthropic_version": "bedrock-2023-05-31",
    "max_tokens": 256,
    "messages": [{"role": "user", "content": "What are server-sent events?"}],
}
# What re-framing the Anthropic recordings put in the metrics (tests/src/bedrock.rs).
LATENCIES = {"invocationLatency": 1000, "firstByteLatency": 250}


def bedrock_mock(test: unittest.TestCase, recording: str, *extra: str) -> str:
    """`llm-sse mock --provider bedrock` serving tests/fixtures/bedrock/<recording>.eventstream,
    verifying signatures with the AWS credentials of `AWS`: its base URL."""
    path = FIXTURES / "bedrock" / f"{recording}.eventstream"
    process = Process(
        ["mock", "--provider", "bedrock", "--file", str(path), "--addr", "127.0.0.1:0",
         "--require-aws-signature", *extra],
        AWS,
    )
    test.addCleanup(process.stop)
    return f"http://{process.addr}"


def boto_client(base: str, secret: str = AWS["AWS_SECRET_ACCESS_KEY"]):
    return boto3.client(
        "bedrock-runtime",
        region_name=AWS["AWS_REGION"],
        endpoint_url=base,
        aws_access_key_id=AWS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=secret,
        config=botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )


def anthropic_events(name: str) -> list[dict]:
    """The events of the Anthropic recording tests/fixtures/anthropic/<name>.sse."""
    events = []
    for block in (FIXTURES / "anthropic" / f"{name}.sse").read_text().replace("\r\n", "\n").split("\n\n"):
        data = [line[len("data:"):].lstrip(" ") for line in block.split("\n") if line.startswith("data:")]
        if data:
            events.append(json.loads("\n".join(data)))
    return events


class Boto3BedrockRuntime(unittest.TestCase):
    def test_botocore_signs_and_decodes_the_recordings(self):
        for name in ("text", "tool_use", "thinking"):
            with self.subTest(recording=name):
                base = bedrock_mock(self, name)
                response = boto_client(base).invoke_model_with_response_stream(
                    modelId=MODEL_ID, body=json.dumps(BODY), contentType="application/json",
                    accept="application/json",
                )
                # The model's events are JSON (Bedrock's `x-amzn-bedrock-content-type`).
                self.assertEqual(response["contentType"], "application/json")
                got = [json.loads(event["chunk"]["bytes"]) for event in response["body"]]
                expected = anthropic_events(name)
                # The last event carries Bedrock's counts: the recording's usage.
                metrics = got[-1].pop("amazon-bedrock-invocationMetrics")
                self.assertEqual(got, expected)
                done = Recording("anthropic", name).done
                self.assertEqual(metrics, {
                    "inputTokenCount": done["usage"]["input_tokens"],
                    "outputTokenCount": done["usage"]["output_tokens"],
                    **LATENCIES,
                })

    def test_aws_errors_come_out_with_their_codes(self):
        for status, code in ((429, "ThrottlingException"), (503, "ServiceUnavailableException"),
                             (400, "ValidationException"), (403, "AccessDeniedException")):
            with self.subTest(status=status):
                base = bedrock_mock(self, "text", "--fail-first", "9", "--status", str(status))
                with self.assertRaises(botocore.exceptions.ClientError) as raised:
                    boto_client(base).invoke_model_with_response_stream(modelId=MODEL_ID, body=json.dumps(BODY))
                error = raised.exception.response
                self.assertEqual(error["Error"]["Code"], code)
                self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], status)
                self.assertTrue(error["Error"]["Message"], error)

    def test_a_signature_of_another_secret_is_refused(self):
        base = bedrock_mock(self, "text")
        with self.assertRaises(botocore.exceptions.ClientError) as raised:
            boto_client(base, secret="not-the-secret").invoke_model_with_response_stream(
                modelId=MODEL_ID, body=json.dumps(BODY))
        error = raised.exception.response["Error"]
        self.assertEqual(error["Code"], "InvalidSignatureException")
        self.assertTrue(error["Message"].startswith("The request signature we calculated does not match"))

    def test_an_exception_mid_stream_is_an_event_stream_error(self):
        base = bedrock_mock(self, "error_mid_stream")
        response = boto_client(base).invoke_model_with_response_stream(modelId=MODEL_ID, body=json.dumps(BODY))
        events = []
        with self.assertRaises(botocore.exceptions.EventStreamError) as raised:
            for event in response["body"]:
                events.append(json.loads(event["chunk"]["bytes"]))
        self.assertEqual(raised.exception.response["Error"]["Code"], "modelStreamErrorException")
        self.assertEqual(raised.exception.response["Error"]["Message"], "Overloaded")
        recorded = anthropic_events("error_mid_stream")
        self.assertEqual(events, recorded[: len(events)])
        self.assertEqual(recorded[len(events)]["type"], "error")


class AnthropicOnTheCloud(unittest.TestCase):
    def test_anthropic_bedrock_streams_the_recording(self):
        base = bedrock_mock(self, "text")
        client = anthropic.AnthropicBedrock(
            aws_access_key=AWS["AWS_ACCESS_KEY_ID"], aws_secret_key=AWS["AWS_SECRET_ACCESS_KEY"],
            aws_region=AWS["AWS_REGION"], base_url=base, max_retries=0, timeout=10,
        )
        recording = Recording("bedrock", "text")
        with client.messages.stream(model=MODEL_ID, max_tokens=256, messages=BODY["messages"]) as stream:
            text = "".join(stream.text_stream)
            message = stream.get_final_message()
        self.assertEqual(text, recording.text)
        self.assertEqual(message.stop_reason, "end_turn")
        self.assertEqual(message.usage.output_tokens, recording.done["usage"]["output_tokens"])

    def test_anthropic_vertex_streams_the_recording_with_an_access_token(self):
        process = Process(
            ["mock", "--provider", "vertex", "--file", str(FIXTURES / "vertex" / "tool_use.sse"),
             "--addr", "127.0.0.1:0", "--require-api-key", "ya29.sdk-suite-token"],
            {},
        )
        self.addCleanup(process.stop)
        client = anthropic.AnthropicVertex(
            region="us-east5", project_id="sdk-suite-project", access_token="ya29.sdk-suite-token",
            base_url=f"http://{process.addr}/v1", max_retries=0, timeout=10,
        )
        with client.messages.stream(
            model="claude-sonnet-4-5@20250929", max_tokens=256,
            messages=[{"role": "user", "content": "What is the weather in Paris?"}],
        ) as stream:
            message = stream.get_final_message()
        self.assertEqual(message.stop_reason, "tool_use")
        calls = [(block.name, block.input) for block in message.content if block.type == "tool_use"]
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0][0], "get_weather")
        # The mock logged the URL the SDK called: Vertex AI's, under the project and region.
        path = "/v1/projects/sdk-suite-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict"
        deadline = time.monotonic() + TIMEOUT
        while not any(path in line for line in process.stderr) and time.monotonic() < deadline:
            time.sleep(0.01)  # the log line is read by another thread
        self.assertTrue(any(path in line for line in process.stderr), process.stderr)

    def test_anthropic_vertex_with_a_refused_token_is_an_authentication_error(self):
        process = Process(
            ["mock", "--provider", "vertex", "--file", str(FIXTURES / "vertex" / "text.sse"),
             "--addr", "127.0.0.1:0", "--require-api-key", "ya29.right"],
            {},
        )
        self.addCleanup(process.stop)
        client = anthropic.AnthropicVertex(
            region="us-east5", project_id="p", access_token="ya29.wrong",
            base_url=f"http://{process.addr}/v1", max_retries=0, timeout=10,
        )
        with self.assertRaises(anthropic.AuthenticationError) as raised:
            client.messages.create(model="claude-sonnet-4-5@20250929", max_tokens=16,
                                   messages=[{"role": "user", "content": "Hi"}], stream=True)
        self.assertEqual(raised.exception.status_code, 401)


if __name__ == "__main__":
    unittest.main()
