// Resumable streams end to end: the frontend reader against the real `llm-sse serve --mock`,
// with a proxy in between that cuts the connection mid-stream. They run once the gateway has
// resumable streams (`llm-sse serve --resumable` in its help; issue 15, item 2) and are skipped
// with a message before that. The reader's own resume logic is tested without the gateway in
// standin.test.mjs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chat, cuttingProxy, gatewayResumes, golden, loadModule, serve, sleep } from './harness.mjs';

const { stream, collect, LlmSseError } = await loadModule();

const skip = gatewayResumes() ? false : 'this llm-sse serve has no resumable streams yet (no --resumable)';

/** The gateway's log lines of requests with `method` to paths starting with `prefix`. */
async function requests(gateway, method, prefix, atLeast = 0) {
  // A request's line is written when its answer ends; the first one may end after the reader's.
  let lines = [];
  for (let i = 0; i < 100; i++) {
    lines = gateway.log().filter((l) => l.message === 'request' && l.method === method && l.path.startsWith(prefix));
    if (lines.length >= atLeast) break;
    await sleep(20);
  }
  return lines;
}

test('a resumable stream cut mid-way resumes through the gateway: every frame once, one generation', { skip }, async (t) => {
  const gateway = await serve(t, { args: ['--mock-delay-ms', '20'] });
  // The first connection is cut after 3 events; the resume goes through untouched.
  const proxy = await cuttingProxy(t, gateway.addr, (n) => (n === 0 ? 3 : null));
  const ids = [];
  const s = stream({
    baseUrl: proxy.base, provider: 'anthropic', request: chat('text'), resumable: true, retryDelayMs: 20,
    onStreamId: (id) => ids.push(id),
  });
  const got = [];
  for await (const frame of s) got.push(frame);
  assert.deepEqual(got, golden('anthropic', 'text'));
  assert.equal(s.resumes, 1);
  assert.equal(proxy.connections(), 2);
  assert.deepEqual(ids, [s.streamId]);
  assert.equal(s.seq, got.length);
  assert.equal((await requests(gateway, 'POST', '/v1/chat/stream/', 1)).length, 1, 'one generation');
  assert.equal((await requests(gateway, 'GET', '/v1/streams/', 1)).length, 1);
});

test('a resumable stream carries the same frames, and can be read again by id after it ended', { skip }, async (t) => {
  const gateway = await serve(t, { args: ['--mock-delay-ms', '0'] });
  const s = stream({ baseUrl: gateway.base, provider: 'gemini', request: chat('function_call'), resumable: true });
  const first = await collect(s);
  assert.ok(s.streamId, 'a stream id');
  const frames = golden('gemini', 'function_call');
  const again = [];
  for await (const f of stream({ baseUrl: gateway.base, streamId: s.streamId })) again.push(f);
  assert.deepEqual(again, frames);
  const rest = [];
  for await (const f of stream({ baseUrl: gateway.base, streamId: s.streamId, after: 2 })) rest.push(f);
  assert.deepEqual(rest, frames.slice(2));
  assert.deepEqual(first.toolCalls.map((c) => c.id), frames.filter((f) => f.tool_call?.id).map((f) => f.tool_call.id));
});

test('serve --resumable makes streams resumable without the header', { skip }, async (t) => {
  const gateway = await serve(t, { args: ['--mock-delay-ms', '0', '--resumable'] });
  const s = stream({ baseUrl: gateway.base, provider: 'openai', request: chat('text') });
  await collect(s);
  assert.ok(s.streamId);
});

test('an unknown stream id is not_found', { skip }, async (t) => {
  const gateway = await serve(t);
  await assert.rejects(
    collect(stream({ baseUrl: gateway.base, streamId: 'no-such-stream' })),
    (e) => e instanceof LlmSseError && e.type === 'not_found' && e.status === 404,
  );
});
