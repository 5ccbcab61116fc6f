// Shared helpers of the frontend reader's tests (`node --test` in this directory, Node 20+, no
// dependencies): the module itself, `llm-sse serve --mock` on a free loopback port, the golden
// frames of a recording, a stand-in gateway for the resume paths, and a proxy that cuts a
// connection. The binary is $LLM_SSE_BIN, else target/debug/llm-sse in the repository.

import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const bin = process.env.LLM_SSE_BIN
  ? path.resolve(process.env.LLM_SSE_BIN)
  : path.join(repo, 'target/debug/llm-sse');
export const fixtures = path.join(repo, 'tests/fixtures');
/** The module as the gateway serves it (include_str! of this file). */
export const modulePath = path.join(repo, 'shell-tokio/src/gateway/llm-sse.js');
const TIMEOUT_MS = 10_000;

/**
 * The module, imported from a copy named `.mjs`: Node reads a `.js` file outside an ES-module
 * package as CommonJS (Node 20 before 20.19 does not detect the syntax).
 */
export async function loadModule() {
  return import(moduleCopy());
}

/** The URL of a fresh copy of the module named `.mjs` (see loadModule). */
export function moduleCopy() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llm-sse-frontend-'));
  const copy = path.join(dir, 'llm-sse.mjs');
  copyFileSync(modulePath, copy);
  return pathToFileURL(copy).href;
}

/** The environment without provider keys, gateway settings or log filters of the caller's. */
function scrubbed(env) {
  const kept = Object.entries(process.env).filter(
    ([k]) => !/^(ANTHROPIC_|OPENAI_|GEMINI_|GOOGLE_API_KEY|LLM_SSE_|RUST_LOG)/.test(k),
  );
  return { ...Object.fromEntries(kept), ...env };
}

/**
 * Starts `llm-sse serve --addr 127.0.0.1:0 --mock <recordings> ...args`, killed when the test
 * `t` ends. Resolves with its base URL and a function returning its log so far (JSON lines).
 */
export async function serve(t, { args = [], env = {}, mock = fixtures } = {}) {
  const child = spawn(
    bin,
    ['serve', '--addr', '127.0.0.1:0', '--log-format', 'json', '--mock', mock, ...args],
    { env: scrubbed(env), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.after(() => child.kill('SIGKILL'));
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const addr = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve: no address: ${log}`)), TIMEOUT_MS);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`serve exited (${code}): ${log}`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
  });
  const logLines = () => log.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  return { base: `http://${addr}`, addr, log: logLines };
}

/** Whether this `llm-sse serve` has resumable streams (`--resumable`). */
export function gatewayResumes() {
  const help = spawnSync(bin, ['serve', '--help'], { encoding: 'utf8' });
  return help.status === 0 && help.stdout.includes('--resumable');
}

/** The golden frames of a recording, parsed: `tests/fixtures/<provider>/<name>.frames`. */
export function golden(provider, name) {
  return readFileSync(path.join(fixtures, provider, `${name}.frames`), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('data: {'))
    .map((line) => JSON.parse(line.slice(6)));
}

/** The frames of a recording as the gateway writes them (`data: <json>\n\n` each, then [DONE]). */
export function goldenText(provider, name) {
  return readFileSync(path.join(fixtures, provider, `${name}.frames`), 'utf8');
}

/** A chat request for a recording: `--mock` answers the one whose name is the model. */
export function chat(model, content = 'Hi') {
  return { model, messages: [{ role: 'user', content }] };
}

/**
 * A stand-in gateway on 127.0.0.1:0 for the resume paths, speaking the resumable-stream API of
 * issue 15 (headers `llm-sse-resumable`, `llm-sse-stream-id`, `id: <stream id>:<seq>` lines,
 * `GET /v1/streams/{id}` with `Last-Event-ID`). `handler(req, res, n)` answers each request
 * (`n` counts them from 0); every request is recorded in `requests` (method, url, headers,
 * body). Closed when the test `t` ends.
 */
export async function standIn(t, handler) {
  const requests = [];
  const sockets = new Set();
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const piece of req) body += piece;
    const n = requests.length;
    requests.push({ method: req.method, url: req.url, headers: req.headers, body });
    try {
      await handler(req, res, n);
    } catch (e) {
      res.destroy(e);
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { base: `http://127.0.0.1:${server.address().port}`, requests };
}

/** Starts an event stream answer, with a stream id when given. */
export function open(res, streamId) {
  const headers = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
  if (streamId) headers['llm-sse-stream-id'] = streamId;
  res.writeHead(200, headers);
  res.flushHeaders();
}

/** One frame of a resumable stream as the gateway writes it. */
export function event(streamId, seq, frame) {
  const id = streamId === null ? '' : `id: ${streamId}:${seq}\n`;
  return `${id}data: ${typeof frame === 'string' ? frame : JSON.stringify(frame)}\n\n`;
}

/** Writes `text` and resolves once it was handed to the socket. */
export function write(res, text) {
  return new Promise((resolve) => res.write(text, resolve));
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A TCP proxy on 127.0.0.1:0 in front of `target` (host:port) that cuts connections.
 * `cut(n)` says, for the n-th connection (from 0), after how many events of the answer (each
 * ended by a blank line, `\n\n`) to close both sides (null: never); nothing past that point is
 * forwarded. Closed when the test `t` ends.
 */
export async function cuttingProxy(t, target, cut) {
  const colon = target.lastIndexOf(':');
  const [host, port] = [target.slice(0, colon), Number(target.slice(colon + 1))];
  const sockets = new Set();
  let connections = 0;
  const server = net.createServer((client) => {
    const limit = cut(connections++);
    const upstream = net.connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream);
    let events = 0;
    let cutDone = false;
    upstream.on('data', (bytes) => {
      if (cutDone) return;
      if (limit === null) {
        client.write(bytes);
        return;
      }
      // The head ends with \r\n\r\n and chunked framing uses \r\n: every \n\n ends an event.
      let at = 0;
      for (let i = bytes.indexOf('\n\n'); i >= 0; i = bytes.indexOf('\n\n', i + 2)) {
        events += 1;
        if (events === limit) {
          at = i + 2;
          break;
        }
      }
      if (events < limit) {
        client.write(bytes);
        return;
      }
      cutDone = true;
      client.write(bytes.subarray(0, at), () => {
        client.destroy();
        upstream.destroy();
      });
    });
    upstream.on('end', () => client.end());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { base: `http://127.0.0.1:${server.address().port}`, connections: () => connections };
}

/**
 * Runs a documented example (the first `js` block of shell-tokio/docs/frontend.md, or with
 * `which` = 'readme' the first one of README.md's "In the browser" section) against the
 * gateway at `base`: its import pointed at a copy of the module and `baseUrl` added to its
 * stream() call (in a browser the module's own URL gives it). Resolves with the example's
 * `request`, `message`, `answer` element and what it logged.
 */
export async function runReadmeExample(base, which = 'manual') {
  const [file, section] = which === 'readme'
    ? [path.join(repo, 'README.md'), /^### In the browser[^\n]*\n[\s\S]*?```js\n([\s\S]*?)```/m]
    : [path.join(repo, 'shell-tokio', 'docs', 'frontend.md'), /^# Frontend[^\n]*\n[\s\S]*?```js\n([\s\S]*?)```/];
  const found = readFileSync(file, 'utf8').match(section);
  if (!found) throw new Error(`no js example in ${file}`);
  const block = found[1];
  const imported = block.replace(/from "http:\/\/127\.0\.0\.1:8080\/llm-sse\.js"/, `from ${JSON.stringify(moduleCopy())}`);
  const code = imported.replace('stream({ ', `stream({ baseUrl: ${JSON.stringify(base)}, `);
  if (imported === block || code === imported) throw new Error(`the example in ${file} changed shape`);
  const module = path.join(mkdtempSync(path.join(os.tmpdir(), 'llm-sse-readme-')), 'example.mjs');
  writeFileSync(
    module,
    'export const logs = [];\n'
      + 'const console = { log: (...a) => logs.push(["log", ...a]), warn: (...a) => logs.push(["warn", ...a]), error: (...a) => logs.push(["error", ...a]) };\n'
      + 'export const answer = { textContent: "" };\n'
      + `${code}\nexport { request, message };\n`,
  );
  return import(pathToFileURL(module).href);
}
