// The official `openai` npm package streaming a completion through `llm-sse serve`, in front of
// `llm-sse mock` serving a recorded Anthropic stream: the text is the recording's, and the
// usage the one the OpenAI dialect reports for it. Run with `node --test` (Node 20).
//
// The binary is $LLM_SSE_BIN, else target/debug/llm-sse in the repository.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = process.env.LLM_SSE_BIN ?? path.join(repo, 'target/debug/llm-sse');
const fixtures = path.join(repo, 'tests/fixtures');
const TIMEOUT_MS = 10_000;

const children = [];
after(() => {
  for (const child of children) child.kill('SIGTERM');
});

/** Starts `llm-sse ...args` and resolves with the address it prints first. */
function start(args, env) {
  const scrubbed = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(ANTHROPIC_|OPENAI_|GEMINI_|GOOGLE_API_KEY|LLM_SSE_|RUST_LOG)/.test(k),
    ),
  );
  const child = spawn(bin, args, { env: { ...scrubbed, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]}: no address: ${stderr}`)), TIMEOUT_MS);
    child.on('error', reject);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
  });
}

/** The text and usage of a recording, from its golden normalized frames. */
function recording(provider, name) {
  const frames = readFileSync(path.join(fixtures, provider, `${name}.frames`), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('data: {'))
    .map((line) => JSON.parse(line.slice(6)));
  return { text: frames.map((f) => f.token).join(''), usage: frames.at(-1).usage };
}

test('the openai npm package streams a completion through the gateway', { timeout: 30_000 }, async () => {
  const mock = await start([
    'mock', '--provider', 'anthropic', '--file', path.join(fixtures, 'anthropic/text.sse'),
    '--addr', '127.0.0.1:0', '--require-api-key', 'sk-mock-anthropic',
  ]);
  const gateway = await start(['serve', '--addr', '127.0.0.1:0'], {
    ANTHROPIC_API_KEY: 'sk-mock-anthropic',
    ANTHROPIC_BASE_URL: `http://${mock}`,
    LLM_SSE_MAX_RETRIES: '0',
    LLM_SSE_TOKEN: 'gw-token',
  });
  const client = new OpenAI({ baseURL: `http://${gateway}/v1`, apiKey: 'gw-token', maxRetries: 0 });
  const stream = await client.chat.completions.create({
    model: 'anthropic/claude-sonnet-4-5',
    messages: [{ role: 'user', content: 'What are server-sent events?' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usage = null;
  let finish = null;
  for await (const chunk of stream) {
    assert.equal(chunk.model, 'anthropic/claude-sonnet-4-5');
    if (chunk.choices.length > 0) {
      text += chunk.choices[0].delta.content ?? '';
      finish = chunk.choices[0].finish_reason ?? finish;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  const expected = recording('anthropic', 'text');
  assert.equal(text, expected.text);
  assert.equal(finish, 'stop');
  assert.deepEqual(
    [usage.prompt_tokens, usage.completion_tokens],
    [expected.usage.input_tokens, expected.usage.output_tokens],
  );

  // A wrong token is the SDK's own AuthenticationError.
  const wrong = new OpenAI({ baseURL: `http://${gateway}/v1`, apiKey: 'wrong', maxRetries: 0 });
  await assert.rejects(
    wrong.chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }] }),
    OpenAI.AuthenticationError,
  );
});
