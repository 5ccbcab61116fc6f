"""The official `anthropic` Python SDK against `llm-sse serve` (POST /v1/messages), for a
model of each provider, the provider being `llm-sse mock` serving a recording."""

from __future__ import annotations

import unittest

import anthropic

from harness import ERROR, PROVIDERS, TEXT, TOOLS, WEATHER_TOOL, Recording, gateway, mock, model, stack

MESSAGES = [{"role": "user", "content": "What is the weather in Paris?"}]
TOOL = {
    "name": WEATHER_TOOL["name"],
    "description": WEATHER_TOOL["description"],
    "input_schema": WEATHER_TOOL["parameters"],
}


def client(serve, api_key: str = "sk-anything") -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=f"http://{serve.addr}", api_key=api_key, max_retries=0, timeout=10)


def tool_uses(message) -> list[tuple[str, dict]]:
    return [(block.name, block.input) for block in message.content if block.type == "tool_use"]


def text_of(message) -> str:
    return "".join(block.text for block in message.content if block.type == "text")


class AnthropicSDK(unittest.TestCase):
    def test_streamed_text_is_the_recordings(self):
        for provider in PROVIDERS:
            with self.subTest(provider=provider):
                recording = Recording(provider, TEXT[provider])
                serve = stack(self, provider, TEXT[provider])
                events = client(serve).messages.create(
                    model=model(provider), max_tokens=1024, messages=MESSAGES, stream=True
                )
                text, usage, stop_reason, types = "", None, None, []
                for event in events:
                    types.append(event.type)
                    if event.type == "content_block_delta" and event.delta.type == "text_delta":
                        text += event.delta.text
                    elif event.type == "message_start":
                        self.assertEqual(event.message.model, model(provider))
                    elif event.type == "message_delta":
                        usage = (event.usage.input_tokens, event.usage.output_tokens)
                        stop_reason = event.delta.stop_reason
                self.assertEqual(text, recording.text)
                self.assertEqual((types[0], types[-1]), ("message_start", "message_stop"))
                self.assertEqual(stop_reason, "end_turn")
                self.assertEqual(usage, recording.anthropic_usage())

    def test_the_stream_helper_reassembles_tool_calls(self):
        for provider in PROVIDERS:
            with self.subTest(provider=provider):
                recording = Recording(provider, TOOLS[provider])
                serve = stack(self, provider, TOOLS[provider])
                with client(serve).messages.stream(
                    model=model(provider), max_tokens=1024, messages=MESSAGES, tools=[TOOL]
                ) as stream:
                    text = "".join(stream.text_stream)
                    message = stream.get_final_message()
                self.assertEqual(message.stop_reason, "tool_use")
                self.assertEqual(tool_uses(message), recording.tool_calls)
                ids = [block.id for block in message.content if block.type == "tool_use"]
                self.assertTrue(all(ids) and len(set(ids)) == len(ids), ids)
                self.assertEqual((message.usage.input_tokens, message.usage.output_tokens), recording.anthropic_usage())
                self.assertEqual(text, recording.text)
                self.assertEqual(text_of(message), recording.text)

    def test_a_provider_error_mid_stream_raises_the_sdks_error(self):
        for provider in PROVIDERS:
            with self.subTest(provider=provider):
                recording = Recording(provider, ERROR[provider])
                serve = stack(self, provider, ERROR[provider])
                text = ""
                with self.assertRaises(anthropic.APIStatusError) as raised:
                    with client(serve).messages.stream(
                        model=model(provider), max_tokens=1024, messages=MESSAGES
                    ) as stream:
                        for chunk in stream.text_stream:
                            text += chunk
                error = raised.exception
                self.assertEqual(
                    error.body,
                    {"type": "error", "error": {"type": recording.error["type"], "message": recording.error["message"]}},
                )
                self.assertEqual(text, recording.text)
                self.assertTrue(text)

    def test_a_two_turn_tool_loop(self):
        for provider in PROVIDERS:
            with self.subTest(provider=provider):
                first = stack(self, provider, TOOLS[provider])
                with client(first).messages.stream(
                    model=model(provider), max_tokens=1024, messages=MESSAGES, tools=[TOOL]
                ) as stream:
                    message = stream.get_final_message()
                self.assertEqual(message.stop_reason, "tool_use")
                # Turn two: the assistant's content as the SDK returned it, and one result per
                # call, to a provider serving a text answer (not streamed this time).
                results = [
                    {"type": "tool_result", "tool_use_id": block.id, "content": f"18 C in {block.input['location']}"}
                    for block in message.content
                    if block.type == "tool_use"
                ]
                messages = [
                    *MESSAGES,
                    {"role": "assistant", "content": message.content},
                    {"role": "user", "content": results},
                ]
                second = stack(self, provider, TEXT[provider])
                answer = client(second).messages.create(
                    model=model(provider), max_tokens=1024, messages=messages, tools=[TOOL]
                )
                self.assertEqual(text_of(answer), Recording(provider, TEXT[provider]).text)
                self.assertEqual(answer.stop_reason, "end_turn")

    def test_not_streamed_the_same_content(self):
        for provider in PROVIDERS:
            with self.subTest(provider=provider):
                for recordings in (TEXT, TOOLS):
                    recording = Recording(provider, recordings[provider])
                    serve = stack(self, provider, recordings[provider])
                    message = client(serve).messages.create(
                        model=model(provider), max_tokens=1024, messages=MESSAGES, tools=[TOOL]
                    )
                    self.assertEqual(message.type, "message")
                    self.assertEqual(message.model, model(provider))
                    self.assertEqual(text_of(message), recording.text)
                    self.assertEqual(tool_uses(message), recording.tool_calls)
                    self.assertEqual(
                        (message.usage.input_tokens, message.usage.output_tokens), recording.anthropic_usage()
                    )
                serve = stack(self, provider, ERROR[provider])
                with self.assertRaises(anthropic.APIStatusError) as raised:
                    client(serve).messages.create(model=model(provider), max_tokens=1024, messages=MESSAGES)
                expected = {"anthropic": 503, "openai": 429, "gemini": 503}[provider]
                self.assertEqual(raised.exception.status_code, expected)
                if expected == 429:
                    self.assertIsInstance(raised.exception, anthropic.RateLimitError)

    def test_aliases_and_the_token_as_x_api_key(self):
        _, base = mock(self, "openai", "text")
        serve = gateway(self, {"openai": base}, "--model-alias", "gpt=openai/gpt-4.1-mini", token="gw-token")
        with self.assertRaises(anthropic.AuthenticationError):
            client(serve, api_key="wrong").messages.create(model="gpt", max_tokens=10, messages=MESSAGES)
        sdk = client(serve, api_key="gw-token")
        # GET /v1/models answers Anthropic's list shape to Anthropic's SDK.
        self.assertEqual([m.id for m in sdk.models.list()], ["gpt"])
        answer = sdk.messages.create(model="gpt", max_tokens=100, messages=MESSAGES)
        self.assertEqual(text_of(answer), Recording("openai", "text").text)
        # A model named as users type it goes to the provider its name says, unchanged.
        answer = sdk.messages.create(model="gpt-4.1-mini", max_tokens=100, messages=MESSAGES)
        self.assertEqual(answer.model, "gpt-4.1-mini")
        self.assertEqual(text_of(answer), Recording("openai", "text").text)
        with self.assertRaises(anthropic.NotFoundError):
            sdk.messages.create(model="mistral-large-latest", max_tokens=10, messages=MESSAGES)
        with self.assertRaises(anthropic.BadRequestError) as raised:
            sdk.messages.create(model="gpt", max_tokens=10, messages=MESSAGES, extra_body={"top_k": 5})
        self.assertIn("top_k", raised.exception.message)


if __name__ == "__main__":
    unittest.main()
