"""The official `openai` Python SDK against `llm-sse serve` (POST /v1/chat/completions), for a
model of each provider, the provider being `llm-sse mock` serving a recording."""

from __future__ import annotations

import json
import unittest

import openai

from harness import ERROR, PROVIDERS, TEXT, TOOLS, WEATHER_TOOL, Recording, gateway, mock, model, stack

MESSAGES = [{"role": "user", "content": "What is the weather in Paris?"}]
TOOL = {"type": "function", "function": WEATHER_TOOL}


def client(serve, api_key: str = "sk-anything") -> openai.OpenAI:
    return openai.OpenAI(base_url=f"http://{serve.addr}/v1", api_key=api_key, max_retries=0, timeout=10)


class OpenAISDK(unittest.TestCase):
    def test_streamed_text_is_the_recordings(self):
        for provider in PROVIDERS:
            with self.subTest(provider=provider):
                recording = Recording(provider, TEXT[provider])
                serve = stack(self, provider, TEXT[provider])
                stream = client(serve).chat.completions.create(
                    model=model(provider),
                    messages=MESSAGES,
                    stream=True,
                    stream_options={"include_usage": True},
                )
                text, usage, finish = "", None, None
                for chunk in stream:
                    if chunk.choices:
                        text += chunk.choices[0].delta.content or ""
                        finish = chunk.choices[0].finish_reason or finish
                    if chunk.usage is not None:
                        usage = (chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                    self.assertEqual(chunk.model, model(provider))
                self.assertEqual(text, recording.text)
                self.assertEqual(finish, "stop")
                self.assertEqual(usage, recording.openai_usage())
                self.assertIsNotNone(usage)

    def test_the_stream_helper_reassembles_tool_calls(self):
        for provider in PROVIDERS:
            with self.subTest(provider=provider):
                recording = Recording(provider, TOOLS[provider])
                serve = stack(self, provider, TOOLS[provider])
                with client(serve).chat.completions.stream(
                    model=model(provider),
                    messages=MESSAGES,
                    tools=[TOOL],
                    stream_options={"include_usage": True},
                ) as stream:
                    completion = stream.get_final_completion()
                choice = completion.choices[0]
                self.assertEqual(choice.finish_reason, "tool_calls")
                calls = choice.message.tool_calls
                self.assertEqual(
                    [(c.function.name, json.loads(c.function.arguments)) for c in calls],
                    recording.tool_calls,
                )
                ids = [c.id for c in calls]
                self.assertTrue(all(ids) and len(set(ids)) == len(ids), ids)
                self.assertEqual(
                    (completion.usage.prompt_tokens, completion.usage.completion_tokens),
                    recording.openai_usage(),
                )
                self.assertEqual(
                    completion.usage.total_tokens,
                    completion.usage.prompt_tokens + completion.usage.completion_tokens,
                )
                self.assertEqual(choice.message.content or "", recording.text)

    def test_a_provider_error_mid_stream_raises_the_sdks_error(self):
        for provider in PROVIDERS:
            with self.subTest(provider=provider):
                recording = Recording(provider, ERROR[provider])
                serve = stack(self, provider, ERROR[provider])
                stream = client(serve).chat.completions.create(
                    model=model(provider), messages=MESSAGES, stream=True
                )
                text = ""
                with self.assertRaises(openai.APIError) as raised:
                    for chunk in stream:
                        if chunk.choices:
                            text += chunk.choices[0].delta.content or ""
                error = raised.exception
                self.assertNotIsInstance(error, openai.APIConnectionError)
                self.assertEqual(error.message, recording.error["message"])
                self.assertEqual(error.body["type"], recording.error["type"])
                # Everything before the error arrived.
                self.assertEqual(text, recording.text)
                self.assertTrue(text)

    def test_a_two_turn_tool_loop(self):
        for provider in PROVIDERS:
            with self.subTest(provider=provider):
                # Turn one: the model calls the tool (streamed, through the helper).
                first = stack(self, provider, TOOLS[provider])
                with client(first).chat.completions.stream(
                    model=model(provider), messages=MESSAGES, tools=[TOOL]
                ) as stream:
                    message = stream.get_final_completion().choices[0].message
                self.assertTrue(message.tool_calls)
                # Turn two: the assistant's message as the SDK returned it, and one result per
                # call, to a provider serving a text answer (not streamed this time).
                second = stack(self, provider, TEXT[provider])
                messages = [*MESSAGES, message]
                for call in message.tool_calls:
                    args = json.loads(call.function.arguments)
                    messages.append(
                        {"role": "tool", "tool_call_id": call.id, "content": f"18 C in {args['location']}"}
                    )
                answer = client(second).chat.completions.create(
                    model=model(provider), messages=messages, tools=[TOOL]
                )
                self.assertEqual(answer.choices[0].message.content, Recording(provider, TEXT[provider]).text)
                self.assertEqual(answer.choices[0].finish_reason, "stop")

    def test_not_streamed_the_same_content(self):
        for provider in PROVIDERS:
            with self.subTest(provider=provider):
                for recordings in (TEXT, TOOLS):
                    recording = Recording(provider, recordings[provider])
                    serve = stack(self, provider, recordings[provider])
                    completion = client(serve).chat.completions.create(
                        model=model(provider), messages=MESSAGES, tools=[TOOL]
                    )
                    self.assertEqual(completion.object, "chat.completion")
                    self.assertEqual(completion.model, model(provider))
                    message = completion.choices[0].message
                    self.assertEqual(message.content or "", recording.text)
                    self.assertEqual(
                        [(c.function.name, json.loads(c.function.arguments)) for c in message.tool_calls or []],
                        recording.tool_calls,
                    )
                    self.assertEqual(
                        (completion.usage.prompt_tokens, completion.usage.completion_tokens),
                        recording.openai_usage(),
                    )
                # A stream that fails: the gateway's status for its error (overloaded: 503), as the
                # SDK's error class.
                serve = stack(self, provider, ERROR[provider])
                with self.assertRaises(openai.APIStatusError) as raised:
                    client(serve).chat.completions.create(model=model(provider), messages=MESSAGES)
                expected = {"anthropic": 503, "openai": 429, "gemini": 503}[provider]
                self.assertEqual(raised.exception.status_code, expected)
                if expected == 429:
                    self.assertIsInstance(raised.exception, openai.RateLimitError)

    def test_aliases_the_model_list_and_the_token(self):
        _, base = mock(self, "gemini", "text")
        serve = gateway(self, {"gemini": base}, "--model-alias", "fast=gemini/gemini-2.5-flash", token="gw-token")
        with self.assertRaises(openai.AuthenticationError):
            client(serve, api_key="wrong").models.list()
        sdk = client(serve, api_key="gw-token")
        self.assertEqual([(m.id, m.owned_by) for m in sdk.models.list()], [("fast", "gemini")])
        answer = sdk.chat.completions.create(model="fast", messages=MESSAGES)
        self.assertEqual(answer.choices[0].message.content, Recording("gemini", "text").text)
        # A model named as users type it goes to the provider its name says, unchanged.
        answer = sdk.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
        self.assertEqual(answer.model, "gemini-2.5-flash")
        self.assertEqual(answer.choices[0].message.content, Recording("gemini", "text").text)
        with self.assertRaises(openai.NotFoundError) as raised:
            sdk.chat.completions.create(model="mistral-large-latest", messages=MESSAGES)
        self.assertEqual(raised.exception.code, "model_not_found")
        with self.assertRaises(openai.BadRequestError) as raised:
            sdk.chat.completions.create(model="fast", messages=MESSAGES, temperature=3)
        self.assertEqual(raised.exception.param, "temperature")


if __name__ == "__main__":
    unittest.main()
