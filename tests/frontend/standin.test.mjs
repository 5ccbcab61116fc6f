// The frontend reader's own logic against a stand-in gateway (a Node HTTP server in the test)
// that speaks the resumable-stream API of issue 15 and misbehaves on purpose: resuming after a
// drop (Last-Event-ID, no frame twice, no gap), bounded retries with backoff, the errors that
// are not retried, idle connections, aborting, and byte-level oddities of the wire. The same
// paths against the real gateway are in resume.test.mjs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { event, loadModule, open, sleep, standIn, write } from './harness.mjs';

const { stream, collect, LlmSseError } = await loadModule();

const FRAMES = [
  { token: 'Hel', done: false },
  { token: '', done: false, reasoning: 'hmm' },
  { token: 'lo', done: false },
  { token: '', done: false, tool_call: { index: 0, id: 'call_1', name: 'f', arguments: '{}' } },
  { token: '', done: true, provider: 'anthropic', id: 'msg_1', model: 'm', finish_reason: 'stop' },
];
const SID = 'st_7f3a';
const request = { model: 'm', messages: [{ role: 'user', content: 'Hi' }] };

/** Writes FRAMES[from..to) as seq from+1..to of stream `sid` (null: without ids). */
async function frames(res, sid, from, to = FRAMES.length) {
  for (let i = from; i < to; i++) await write(res, event(sid, i + 1, FRAMES[i]));
}

/** Writes the rest of the stream after frame `after`, then [DONE], and ends. */
async function rest(res, sid, after) {
  await frames(res, sid, after);
  await write(res, event(sid, FRAMES.length + 1, '[DONE]'));
  res.end();
}

/** The last event id a resume asked for. */
const lastEventId = (req) => req.headers['last-event-id'];

async function all(iterable) {
  const got = [];
  for await (const f of iterable) got.push(f);
  return got;
}

const is = (type) => (e) => {
  assert.ok(e instanceof LlmSseError, `an LlmSseError: ${e.stack ?? e}`);
  assert.equal(e.type, type, e.message);
  return true;
};

test('stand-in: a connection cut mid-stream is resumed with Last-Event-ID; every frame comes once', async (t) => {
  const server = await standIn(t, async (req, res, n) => {
    if (n === 0) {
      open(res, SID);
      await frames(res, SID, 0, 2);
      res.socket.destroy();
    } else {
      open(res);
      await rest(res, SID, 2);
    }
  });
  const ids = [];
  const reconnects = [];
  const s = stream({
    baseUrl: server.base, provider: 'anthropic', request, token: 'tok', resumable: true, retryDelayMs: 5,
    onStreamId: (id) => ids.push(id),
    onReconnect: (info) => reconnects.push(info),
  });
  assert.deepEqual(await all(s), FRAMES);
  assert.deepEqual(ids, [SID]);
  assert.deepEqual([s.streamId, s.seq, s.lastEventId, s.resumes], [SID, 5, `${SID}:5`, 1]);
  assert.equal(reconnects.length, 1);
  assert.equal(reconnects[0].attempt, 1);
  assert.equal(reconnects[0].error.type, 'connection_error');
  const [post, get] = server.requests;
  assert.deepEqual([post.method, post.url], ['POST', '/v1/chat/stream/anthropic']);
  assert.equal(post.headers['llm-sse-resumable'], 'true');
  assert.equal(post.headers.authorization, 'Bearer tok');
  assert.equal(post.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(post.body), request);
  assert.deepEqual([get.method, get.url], ['GET', `/v1/streams/${SID}`]);
  assert.equal(lastEventId(get), `${SID}:2`);
  assert.equal(get.headers.authorization, 'Bearer tok');
  assert.equal(server.requests.length, 2);
});

test('stand-in: a stream that ends cleanly before its terminal frame is resumed too', async (t) => {
  const server = await standIn(t, async (req, res, n) => {
    open(res, n === 0 ? SID : undefined);
    if (n === 0) {
      await frames(res, SID, 0, 3);
      res.end();
    } else {
      await rest(res, SID, 3);
    }
  });
  const message = await collect(stream({ baseUrl: server.base, provider: 'anthropic', request, retryDelayMs: 5 }));
  assert.equal(message.text, 'Hello');
  assert.equal(lastEventId(server.requests[1]), `${SID}:3`);
});

test('stand-in: frames sent again after a resume are skipped; a gap is an invalid_event error', async (t) => {
  const replaying = await standIn(t, async (req, res, n) => {
    open(res, SID);
    if (n === 0) {
      await frames(res, SID, 0, 3);
      res.socket.destroy();
    } else {
      await rest(res, SID, 0); // from the start, whatever Last-Event-ID said
    }
  });
  assert.deepEqual(await all(stream({ baseUrl: replaying.base, provider: 'openai', request, retryDelayMs: 5 })), FRAMES);

  const gapped = await standIn(t, async (req, res, n) => {
    open(res, SID);
    if (n === 0) {
      await frames(res, SID, 0, 2);
      res.socket.destroy();
    } else {
      await rest(res, SID, 3); // frame 3 is missing
    }
  });
  const got = [];
  await assert.rejects(
    (async () => { for await (const f of stream({ baseUrl: gapped.base, provider: 'openai', request, retryDelayMs: 5 })) got.push(f); })(),
    (e) => is('invalid_event')(e) && /frame 4 came after frame 2/.test(e.message) && e.streamId === SID,
  );
  assert.deepEqual(got, FRAMES.slice(0, 2));
});

test('stand-in: a drop before the first frame resumes from frame 0 (the id from the header)', async (t) => {
  const server = await standIn(t, async (req, res, n) => {
    open(res, SID);
    if (n === 0) {
      await write(res, ': keep-alive\n\n');
      res.socket.destroy();
    } else {
      await rest(res, SID, 0);
    }
  });
  assert.deepEqual(await all(stream({ baseUrl: server.base, provider: 'gemini', request, retryDelayMs: 5 })), FRAMES);
  assert.equal(lastEventId(server.requests[1]), `${SID}:0`);
});

test('stand-in: the id lines alone make a stream resumable (a cross-origin page may not see the header)', async (t) => {
  const server = await standIn(t, async (req, res, n) => {
    open(res); // no llm-sse-stream-id header
    if (n === 0) {
      await frames(res, SID, 0, 1);
      res.socket.destroy();
    } else {
      await rest(res, SID, 1);
    }
  });
  const ids = [];
  const s = stream({ baseUrl: server.base, provider: 'gemini', request, retryDelayMs: 5, onStreamId: (id) => ids.push(id) });
  assert.deepEqual(await all(s), FRAMES);
  assert.deepEqual(ids, [SID]);
  assert.equal(server.requests[1].url, `/v1/streams/${SID}`);
});

test('stand-in: an unknown or expired stream (404) is not_found at once, not retried', async (t) => {
  const server = await standIn(t, async (req, res, n) => {
    if (n === 0) {
      open(res, SID);
      await frames(res, SID, 0, 2);
      res.socket.destroy();
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'not_found', message: `no stream ${SID}` } }));
    }
  });
  const got = [];
  await assert.rejects(
    (async () => { for await (const f of stream({ baseUrl: server.base, provider: 'openai', request, retryDelayMs: 5 })) got.push(f); })(),
    (e) => is('not_found')(e) && e.status === 404 && e.message === `no stream ${SID}` && e.streamId === SID,
  );
  assert.equal(got.length, 2);
  assert.equal(server.requests.length, 2);
});

test('stand-in: 503s and network errors while resuming are retried with growing pauses', async (t) => {
  const server = await standIn(t, async (req, res, n) => {
    if (n === 0) {
      open(res, SID);
      await frames(res, SID, 0, 2);
      res.socket.destroy();
    } else if (n === 1) {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":{"type":"unavailable","message":"restarting"}}');
    } else if (n === 2) {
      res.socket.destroy(); // no answer at all
    } else {
      open(res);
      await rest(res, SID, 2);
    }
  });
  const reconnects = [];
  const s = stream({
    baseUrl: server.base, provider: 'openai', request, retryDelayMs: 40,
    onReconnect: (info) => reconnects.push(info),
  });
  const started = Date.now();
  assert.deepEqual(await all(s), FRAMES);
  assert.deepEqual(reconnects.map((r) => r.attempt), [1, 2, 3]);
  assert.deepEqual(reconnects.map((r) => r.error.type), ['connection_error', 'unavailable', 'connection_error']);
  // 40, 80, 160 ms, each less up to half of it.
  const delays = reconnects.map((r) => r.delayMs);
  assert.ok(delays[0] >= 20 && delays[0] <= 40 && delays[1] >= 40 && delays[1] <= 80 && delays[2] >= 80 && delays[2] <= 160, `${delays}`);
  assert.ok(Date.now() - started >= delays[0] + delays[1] + delays[2]);
  assert.equal(server.requests.length, 4);
  assert.equal(s.resumes, 1); // one reconnection got the stream back
});

test('stand-in: the retries run out with a connection_error; Retry-After is honoured', async (t) => {
  const server = await standIn(t, async (req, res, n) => {
    if (n === 0) {
      open(res, SID);
      await frames(res, SID, 0, 1);
      res.socket.destroy();
    } else {
      res.writeHead(n === 1 ? 429 : 502, n === 1 ? { 'retry-after': '1' } : { 'content-type': 'text/html' });
      res.end('<html>Bad gateway</html>');
    }
  });
  const reconnects = [];
  await assert.rejects(
    collect(stream({ baseUrl: server.base, provider: 'openai', request, retries: 3, retryDelayMs: 5, onReconnect: (r) => reconnects.push(r) })),
    (e) => {
      is('connection_error')(e);
      assert.match(e.message, /could not be resumed after 3 attempts/);
      assert.equal(e.cause.type, 'http_error');
      assert.equal(e.cause.status, 502);
      assert.equal(e.partial.text, 'Hel');
      return true;
    },
  );
  assert.equal(server.requests.length, 4); // the POST and 3 attempts
  assert.equal(reconnects[1].error.status, 429);
  assert.ok(reconnects[1].delayMs >= 1000, `${reconnects[1].delayMs}`);
});

test('stand-in: the retries count attempts in a row: a stream cut after every frame still ends', async (t) => {
  const server = await standIn(t, async (req, res, n) => {
    open(res, SID);
    if (n < FRAMES.length) {
      await frames(res, SID, n, n + 1); // one new frame per connection, then a cut
      res.socket.destroy();
    } else {
      await rest(res, SID, FRAMES.length);
    }
  });
  const s = stream({ baseUrl: server.base, provider: 'openai', request, retries: 2, retryDelayMs: 5 });
  assert.deepEqual(await all(s), FRAMES);
  assert.equal(s.resumes, FRAMES.length - 1); // the cut after the terminal frame needs no resume
  assert.deepEqual(server.requests.slice(1).map(lastEventId), [1, 2, 3, 4].map((n) => `${SID}:${n}`));
});

test('stand-in: a stream without id that drops is an error at once, never sent again', async (t) => {
  const cut = await standIn(t, async (req, res) => {
    open(res);
    await frames(res, null, 0, 2);
    res.socket.destroy();
  });
  await assert.rejects(collect(stream({ baseUrl: cut.base, provider: 'openai', request, retryDelayMs: 5 })), is('connection_error'));
  assert.equal(cut.requests.length, 1);

  const ended = await standIn(t, async (req, res) => {
    open(res);
    await frames(res, null, 0, 2);
    res.end();
  });
  await assert.rejects(
    collect(stream({ baseUrl: ended.base, provider: 'openai', request })),
    (e) => is('incomplete_stream')(e) && e.partial.text === 'Hel',
  );
  assert.equal(ended.requests.length, 1);
});

test('stand-in: a silent connection is dropped after idleTimeoutMs and resumed; keep-alives keep it', async (t) => {
  const server = await standIn(t, async (req, res, n) => {
    open(res, SID);
    if (n === 0) {
      for (let i = 0; i < 6; i++) {
        await write(res, ': keep-alive\n\n');
        await sleep(50);
      }
      await frames(res, SID, 0, 2);
      // then silence, never ended
    } else {
      await rest(res, SID, 2);
    }
  });
  const s = stream({ baseUrl: server.base, provider: 'openai', request, idleTimeoutMs: 150, retryDelayMs: 5 });
  assert.deepEqual(await all(s), FRAMES);
  assert.equal(s.resumes, 1);
  assert.equal(lastEventId(server.requests[1]), `${SID}:2`);
});

test('stand-in: aborting while waiting to resume rejects at once', async (t) => {
  const server = await standIn(t, async (req, res) => {
    open(res, SID);
    await frames(res, SID, 0, 1);
    res.socket.destroy();
  });
  const controller = new AbortController();
  const started = Date.now();
  await assert.rejects(
    collect(stream({
      baseUrl: server.base, provider: 'openai', request, retryDelayMs: 60_000, signal: controller.signal,
      onReconnect: () => setTimeout(() => controller.abort(), 20),
    })),
    (e) => e.name === 'AbortError',
  );
  assert.ok(Date.now() - started < 5000);
  assert.equal(server.requests.length, 1);
});

test('stand-in: a stream opened by id reads the frames after `after`', async (t) => {
  const server = await standIn(t, async (req, res) => {
    open(res, SID);
    const after = Number(lastEventId(req).split(':').at(-1));
    await rest(res, SID, after);
  });
  const s = stream({ baseUrl: `${server.base}/`, streamId: SID, after: 3, token: 't' });
  assert.deepEqual(await all(s), FRAMES.slice(3));
  assert.equal(s.seq, 5);
  assert.equal(server.requests[0].url, `/v1/streams/${SID}`);
  assert.equal(lastEventId(server.requests[0]), `${SID}:3`);
  assert.equal(server.requests[0].headers.authorization, 'Bearer t');
  // A stream id with characters a path must escape.
  const odd = stream({ baseUrl: server.base, streamId: 'a/b c', after: 5 });
  await assert.rejects(all(odd)); // the stand-in answers it with frames of another id
  assert.equal(server.requests[1].url, '/v1/streams/a%2Fb%20c');
});

test('stand-in: answers that are not the gateway\'s: http_error with the status', async (t) => {
  const server = await standIn(t, async (req, res, n) => {
    if (n === 0) {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>proxy error</html>');
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>a page</html>');
    }
  });
  await assert.rejects(collect(stream({ baseUrl: server.base, provider: 'openai', request })), (e) => is('http_error')(e) && e.status === 502 && e.message === '502 Bad Gateway');
  await assert.rejects(collect(stream({ baseUrl: server.base, provider: 'openai', request })), (e) => is('http_error')(e) && /expected text\/event-stream, got text\/html/.test(e.message));
});

test('stand-in: [DONE] before the terminal frame, and a frame that is not JSON, are errors', async (t) => {
  const server = await standIn(t, async (req, res, n) => {
    open(res);
    await frames(res, null, 0, 1);
    await write(res, n === 0 ? 'data: [DONE]\n\n' : 'data: {"token":"x","done":fals\n\n');
    res.end();
  });
  await assert.rejects(collect(stream({ baseUrl: server.base, provider: 'openai', request })), is('incomplete_stream'));
  await assert.rejects(collect(stream({ baseUrl: server.base, provider: 'openai', request })), (e) => is('invalid_event')(e) && /not a frame/.test(e.message));
});

test('stand-in: the end after the terminal frame is a normal end, with or without [DONE]', async (t) => {
  const server = await standIn(t, async (req, res) => {
    open(res);
    await frames(res, null, 0);
    res.end();
  });
  assert.deepEqual(await all(stream({ baseUrl: server.base, provider: 'openai', request })), FRAMES);
});

test('stand-in: a byte order mark, CR and CRLF line ends, comments, multi-line data and UTF-8 cut anywhere', async (t) => {
  const wire = Buffer.from(
    '\uFEFF: hello\r\n\r\n'
      + 'id: s:1\r\ndata: {"token":"é😀",\r\ndata: "done":false}\r\n\r\n'
      + 'id: s:2\rdata: {"token":"жx","done":false}\r\r'
      + ': keep-alive\n\n'
      + 'id: s:3\nevent: message\ndata:{"token":"","done":true,"finish_reason":"stop"}\n\n'
      + 'data: [DONE]\n\n',
    'utf8',
  );
  const server = await standIn(t, async (req, res) => {
    open(res);
    for (const byte of wire) {
      await write(res, Buffer.from([byte]));
      await sleep(1);
    }
    res.end();
  });
  const message = await collect(stream({ baseUrl: server.base, provider: 'openai', request }));
  assert.equal(message.text, 'é😀жx');
  assert.equal(message.finishReason, 'stop');
});

test('stand-in: leaving the loop early closes the connection, and nothing is resumed', async (t) => {
  let closed = false;
  const server = await standIn(t, async (req, res) => {
    open(res, SID);
    res.on('close', () => { closed = true; });
    await frames(res, SID, 0, 2);
  });
  for await (const f of stream({ baseUrl: server.base, provider: 'openai', request, retryDelayMs: 5 })) {
    assert.equal(f.token, 'Hel');
    break;
  }
  for (let i = 0; i < 100 && !closed; i++) await sleep(10);
  assert.ok(closed, 'the connection was not closed');
  await sleep(50);
  assert.equal(server.requests.length, 1);
});
