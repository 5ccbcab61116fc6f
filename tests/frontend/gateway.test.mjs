// The frontend reader (shell-tokio/src/gateway/llm-sse.js) against `llm-sse serve --mock`
// serving tests/fixtures: the frames of every recording, the folded message, the gateway's error
// answers as typed errors, the token, aborting, and the module as GET /llm-sse.js serves it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chat, cuttingProxy, fixtures, golden, loadModule, modulePath, runReadmeExample, serve, sleep } from './harness.mjs';

const { stream, collect, Message, LlmSseError } = await loadModule();

const isError = (type, status) => (e) => {
  assert.ok(e instanceof LlmSseError, `an LlmSseError: ${e}`);
  assert.equal(e.type, type, e.message);
  assert.equal(e.status, status);
  return true;
};

/** The text of golden frames. */
const textOf = (frames) => frames.filter((f) => !f.done && f.reasoning === undefined).map((f) => f.token).join('');

test('every recording streams exactly its golden frames', { timeout: 60_000 }, async (t) => {
  const gateway = await serve(t, { args: ['--mock-delay-ms', '0'] });
  let count = 0;
  for (const provider of ['anthropic', 'openai', 'gemini']) {
    for (const file of readdirSync(path.join(fixtures, provider)).filter((f) => f.endsWith('.frames'))) {
      const name = file.slice(0, -'.frames'.length);
      const frames = stream({ baseUrl: gateway.base, provider, request: chat(name) });
      const got = [];
      for await (const frame of frames) got.push(frame);
      assert.deepEqual(got, golden(provider, name), `${provider}/${name}`);
      assert.equal(frames.streamId, null, 'a stream not asked to be resumable has no id');
      count += 1;
    }
  }
  assert.ok(count >= 50, `${count} recordings`);
});

test('collect: reasoning with its signature, then text, as the next turn sends them back', async (t) => {
  const gateway = await serve(t, { args: ['--mock-delay-ms', '0'] });
  const message = await collect(stream({ baseUrl: gateway.base, provider: 'anthropic', request: chat('thinking') }));
  const frames = golden('anthropic', 'thinking');
  const end = frames.at(-1);
  assert.equal(message.text, '27 × 453 = **12,231**.');
  assert.equal(message.reasoning, frames.filter((f) => f.reasoning).map((f) => f.reasoning).join(''));
  assert.deepEqual(message.content.map((p) => p.type), ['thinking', 'text']);
  assert.equal(message.content[0].signature, frames.find((f) => f.reasoning_signature).reasoning_signature);
  assert.equal(message.done, true);
  assert.deepEqual(
    [message.provider, message.id, message.model, message.finishReason, message.providerFinishReason],
    ['anthropic', end.id, 'claude-sonnet-4-5', 'stop', 'end_turn'],
  );
  assert.deepEqual(message.usage, { input_tokens: 54, output_tokens: 172 });
  assert.equal(message.error, undefined);
  assert.deepEqual(message.toAssistantMessage(), {
    role: 'assistant',
    content: [
      { type: 'thinking', thinking: message.reasoning, signature: message.content[0].signature, provider: 'anthropic' },
      { type: 'text', text: message.text },
    ],
  });
});

test('collect: redacted reasoning keeps its place and its data', async (t) => {
  const gateway = await serve(t, { args: ['--mock-delay-ms', '0'] });
  const message = await collect(stream({ baseUrl: gateway.base, provider: 'anthropic', request: chat('redacted_thinking') }));
  const frames = golden('anthropic', 'redacted_thinking');
  assert.deepEqual(message.content, [
    { type: 'redacted_thinking', data: frames[0].redacted_reasoning },
    { type: 'thinking', thinking: 'Continuing from there.', signature: frames[2].reasoning_signature },
    { type: 'text', text: 'Here is the answer.' },
  ]);
});

test('collect: tool calls with ids and parsed arguments (Anthropic streamed, Gemini whole)', async (t) => {
  const gateway = await serve(t, { args: ['--mock-delay-ms', '0'] });
  const anthropic = await collect(stream({ baseUrl: gateway.base, provider: 'anthropic', request: chat('tool_use') }));
  assert.equal(anthropic.finishReason, 'tool_calls');
  assert.equal(anthropic.text, textOf(golden('anthropic', 'tool_use')));
  assert.equal(anthropic.toolCalls.length, 1);
  const [call] = anthropic.toolCalls;
  assert.deepEqual([call.index, call.id, call.name], [0, 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', 'get_weather']);
  const raw = golden('anthropic', 'tool_use').filter((f) => f.tool_call).map((f) => f.tool_call.arguments).join('');
  assert.equal(call.rawArguments, raw);
  assert.deepEqual(call.arguments, JSON.parse(raw));

  // Gemini gives no ids: the gateway names them; a bare signature is a thinking part of its own.
  const gemini = await collect(stream({ baseUrl: gateway.base, provider: 'gemini', request: chat('function_call') }));
  assert.equal(gemini.finishReason, 'tool_calls');
  assert.deepEqual(gemini.toAssistantMessage().content, [
    { type: 'tool_call', id: 'call_Ze3AcR4mJb5Yb9KRmr-w4SO_0', name: 'get_weather', arguments: { location: 'Paris', unit: 'celsius' } },
    { type: 'thinking', thinking: '', signature: 'CiIB0e2Kbx9vT3mQ8sU1wY5aC7eG9iK1mO3qS5uW7yA9cE', provider: 'gemini' },
    { type: 'tool_call', id: 'call_Ze3AcR4mJb5Yb9KRmr-w4SO_1', name: 'get_weather', arguments: { location: 'Tokyo', unit: 'celsius' } },
  ]);

  // A call that streams no arguments has "{}".
  const empty = await collect(stream({ baseUrl: gateway.base, provider: 'anthropic', request: chat('tool_use_empty_input') }));
  assert.deepEqual(empty.toolCalls.map((c) => c.arguments), [{}]);
});

test('collect: a stream that failed rejects with its error type and what arrived', async (t) => {
  const gateway = await serve(t, { args: ['--mock-delay-ms', '0'] });
  for (const [name, type] of [['error_mid_stream', 'overloaded_error'], ['truncated', 'incomplete_stream']]) {
    const frames = golden('anthropic', name);
    await assert.rejects(
      collect(stream({ baseUrl: gateway.base, provider: 'anthropic', request: chat(name) })),
      (e) => {
        assert.ok(e instanceof LlmSseError);
        assert.equal(e.type, type);
        assert.equal(e.message, frames.at(-1).error.message);
        assert.equal(e.partial.text, textOf(frames));
        assert.equal(e.partial.finishReason, 'error');
        assert.deepEqual(e.partial.usage, frames.at(-1).usage);
        return true;
      },
      name,
    );
  }
  // The frames themselves are not errors: the terminal frame says it.
  const frames = [];
  for await (const f of stream({ baseUrl: gateway.base, provider: 'anthropic', request: chat('error_mid_stream') })) frames.push(f);
  assert.deepEqual(frames, golden('anthropic', 'error_mid_stream'));
});

test('the gateway\'s error answers are typed errors with their status', async (t) => {
  const gateway = await serve(t);
  const open = (provider, request) => stream({ baseUrl: gateway.base, provider, request })[Symbol.asyncIterator]().next();
  await assert.rejects(open('nope', chat('text')), isError('not_found', 404));
  await assert.rejects(open('anthropic', { model: 'text', messages: [] }), (e) => {
    isError('invalid_request', 400)(e);
    assert.equal(e.message, 'messages: must not be empty');
    return true;
  });
  await assert.rejects(open('anthropic', { model: 'text', messages: [], nonsense: 1 }), isError('invalid_request', 400));
});

test('the token is sent as a bearer token; without it the answer is unauthorized', async (t) => {
  const gateway = await serve(t, { args: ['--mock-delay-ms', '0'], env: { LLM_SSE_TOKEN: 'gw-s3cret' } });
  const request = chat('text');
  await assert.rejects(collect(stream({ baseUrl: gateway.base, provider: 'openai', request })), isError('unauthorized', 401));
  await assert.rejects(
    collect(stream({ baseUrl: gateway.base, provider: 'openai', request, token: 'wrong' })),
    isError('unauthorized', 401),
  );
  const message = await collect(stream({ baseUrl: gateway.base, provider: 'openai', request, token: 'gw-s3cret' }));
  assert.equal(message.text, textOf(golden('openai', 'text')));
  // The module itself is open, like the page.
  const module = await fetch(`${gateway.base}/llm-sse.js`);
  assert.equal(module.status, 200);
});

test('GET /llm-sse.js serves this module, cacheable, as JavaScript', async (t) => {
  const gateway = await serve(t, { args: ['--cors-origin', 'https://app.example'] });
  const response = await fetch(`${gateway.base}/llm-sse.js`, { headers: { origin: 'https://app.example' } });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(response.headers.get('cache-control'), 'public, max-age=600');
  // A page on another origin may import it.
  assert.equal(response.headers.get('access-control-allow-origin'), 'https://app.example');
  assert.equal(await response.text(), readFileSync(modulePath, 'utf8'));
  const head = await fetch(`${gateway.base}/llm-sse.js`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
  // The page imports it relative to itself (so the gateway may live under a path prefix).
  const page = await (await fetch(`${gateway.base}/`)).text();
  assert.match(page, /<script type="module">/);
  assert.match(page, /from "\.\/llm-sse\.js"/);
});

/** The number of streams the gateway counted as cancelled by their client (/metrics). */
async function cancelled(base) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('llm_sse_streams_cancelled_total{provider="anthropic"}'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** Waits until /metrics counts `n` cancelled streams (the gateway notices the close soon after). */
async function waitCancelled(base, n) {
  for (let i = 0; i < 200 && (await cancelled(base)) < n; i++) await sleep(10);
  assert.equal(await cancelled(base), n);
}

test('aborting the signal rejects with its reason and closes the stream at the gateway', async (t) => {
  const gateway = await serve(t, { args: ['--mock-delay-ms', '100'] });
  const controller = new AbortController();
  const frames = stream({ baseUrl: gateway.base, provider: 'anthropic', request: chat('text'), signal: controller.signal });
  const got = [];
  await assert.rejects(
    (async () => {
      for await (const frame of frames) {
        got.push(frame);
        controller.abort();
      }
    })(),
    (e) => e.name === 'AbortError',
  );
  assert.equal(got.length, 1);
  await waitCancelled(gateway.base, 1);

  // Aborted before the request: nothing is sent.
  const early = new AbortController();
  early.abort(new Error('not now'));
  await assert.rejects(
    collect(stream({ baseUrl: gateway.base, provider: 'anthropic', request: chat('text'), signal: early.signal })),
    /not now/,
  );
});

test('leaving the loop early closes the connection', async (t) => {
  const gateway = await serve(t, { args: ['--mock-delay-ms', '100'] });
  const frames = stream({ baseUrl: gateway.base, provider: 'anthropic', request: chat('text') });
  let n = 0;
  for await (const frame of frames) {
    assert.equal(frame.done, false);
    if (++n === 2) break;
  }
  await waitCancelled(gateway.base, 1);
});

test('a stream that is not resumable and loses its connection is a connection_error, never sent again', async (t) => {
  const gateway = await serve(t, { args: ['--mock-delay-ms', '20'] });
  const proxy = await cuttingProxy(t, gateway.addr, () => 3);
  const got = [];
  await assert.rejects(
    collect(stream({ baseUrl: proxy.base, provider: 'anthropic', request: chat('text'), retryDelayMs: 5 }), (f) => got.push(f)),
    (e) => {
      isError('connection_error', undefined)(e);
      assert.equal(e.partial.text, got.map((f) => f.token).join(''));
      return true;
    },
  );
  assert.deepEqual(got, golden('anthropic', 'text').slice(0, 3));
  assert.equal(proxy.connections(), 1);
  await waitCancelled(gateway.base, 1);
});

for (const which of ['manual', 'readme']) {
  test(`the ${which === 'readme' ? 'README.md' : 'frontend.md'} example runs against the gateway`, async (t) => {
    const gateway = await serve(t, { args: ['--mock-delay-ms', '0'] });
    const example = await runReadmeExample(gateway.base, which);
    const text = textOf(golden('anthropic', 'text'));
    assert.equal(example.answer.textContent, text);
    assert.deepEqual(example.logs, [['log', 'stop', { input_tokens: 25, output_tokens: 58 }, []]]);
    assert.deepEqual(example.request.messages.at(-1), { role: 'assistant', content: [{ type: 'text', text }] });
  });
}

test('a Message ignores frames after the terminal one and frames it does not know', () => {
  const message = new Message();
  message.push({ token: 'a', done: false });
  message.push({ token: '', done: false, future_kind: 'x' });
  message.push({ token: 'b', done: false });
  message.push({ token: '', done: true, provider: 'openai', finish_reason: 'stop' });
  message.push({ token: 'c', done: false });
  assert.equal(message.text, 'ab');
  assert.deepEqual(message.content, [{ type: 'text', text: 'ab' }]);
  // A tool call whose arguments are not JSON cannot be sent back.
  const bad = new Message();
  bad.push({ token: '', done: false, tool_call: { index: 0, id: 'c1', name: 'f', arguments: '{"a":' } });
  bad.push({ token: '', done: true, provider: 'openai', finish_reason: 'tool_calls' });
  assert.throws(() => bad.toAssistantMessage(), (e) => e.type === 'invalid_tool_call' && e.partial === bad);
});

test('stream() checks its options', () => {
  assert.throws(() => stream({ provider: 'anthropic', request: chat('text') }), /baseUrl/);
  assert.throws(() => stream({ baseUrl: 'http://127.0.0.1:1' }), /provider/);
  assert.throws(() => stream({ baseUrl: 'ftp://127.0.0.1:1', streamId: 's' }), /baseUrl/);
  assert.throws(() => stream({ baseUrl: 'http://127.0.0.1:1', streamId: 's', after: -1 }), /after/);
  const frames = stream({ baseUrl: 'http://127.0.0.1:1', streamId: 's' });
  frames[Symbol.asyncIterator]();
  assert.throws(() => frames[Symbol.asyncIterator](), /once/);
});
