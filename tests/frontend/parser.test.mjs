// The module's SSE parser (EventParser) against the WHATWG rules: every vector runs whole,
// split in two at every position, and one character at a time, and must give the same events.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModule } from './harness.mjs';

const { EventParser, LlmSseError } = await loadModule();

// [name, input, events (type, data, own id, last event id), lastEventId at the end]
const ev = (data, { type = 'message', id = null, last = id ?? '' } = {}) => ({ type, data, id, lastEventId: last });
const VECTORS = [
  ['LF line ends', 'data: a\n\ndata: b\n\n', [ev('a'), ev('b')]],
  ['CRLF line ends', 'data: a\r\n\r\ndata: b\r\n\r\n', [ev('a'), ev('b')]],
  ['CR line ends', 'data: a\r\rdata: b\r\r', [ev('a'), ev('b')]],
  ['mixed line ends in one event', 'data: a\r\ndata: b\rdata: c\n\n', [ev('a\nb\nc')]],
  ['CR then CRLF is two line ends', 'data: a\r\r\n', [ev('a')]],
  ['CRLF then LF ends the event', 'data: a\r\n\n', [ev('a')]],
  ['comments are skipped', ': keep-alive\n\ndata: x\n: in the middle\n\n:\n\n', [ev('x')]],
  ['multi-line data joins with LF', 'data: {"token":\ndata: "a","done":false}\n\n', [ev('{"token":\n"a","done":false}')]],
  ['no space after the colon', 'data:x\n\n', [ev('x')]],
  ['only one space is removed', 'data:  x \n\n', [ev(' x ')]],
  ['a field without colon has an empty value', 'data\n\ndata\ndata\n\n', [ev(''), ev('\n')]],
  ['a data line with nothing dispatches an empty event', 'data:\n\n', [ev('')]],
  ['an event without data is not dispatched', 'event: ping\n\n\n\n', []],
  ['an id alone sets the last event id', 'id: s:1\n\ndata: a\n\n', [ev('a', { last: 's:1' })], 's:1'],
  ['the last event id carries over', 'id: s:1\ndata: a\n\ndata: b\n\n', [ev('a', { id: 's:1' }), ev('b', { last: 's:1' })], 's:1'],
  ['an empty id resets it', 'id: s:1\ndata: a\n\nid\ndata: b\n\n', [ev('a', { id: 's:1' }), ev('b', { id: '' })], ''],
  ['an id holding NUL is ignored', 'id: s:1\ndata: a\n\nid: s\u0000:2\ndata: b\n\n', [ev('a', { id: 's:1' }), ev('b', { last: 's:1' })], 's:1'],
  ['an id with colons is kept whole', 'id: a:b:7\ndata: x\n\n', [ev('x', { id: 'a:b:7' })], 'a:b:7'],
  ['event types, reset after each event', 'event: ping\ndata: x\n\ndata: y\n\n', [ev('x', { type: 'ping' }), ev('y')]],
  ['retry and unknown fields are ignored', 'retry: 10\nfoo: bar\nData: no\ndata: x\n\n', [ev('x')]],
  ['one leading BOM is skipped', '\uFEFFdata: a\n\n', [ev('a')]],
  ['a second BOM is part of the field name', '\uFEFF\uFEFFdata: a\n\ndata: b\n\n', [ev('b')]],
  ['a BOM later is data', 'data: \uFEFFa\n\n', [ev('\uFEFFa')]],
  ['an event cut off at the end is dropped', 'data: a\n\ndata: b\n', [ev('a')]],
  ['a line cut off at the end is dropped', 'data: a\n\ndata: b', [ev('a')]],
  ['UTF-8 text and astral characters', 'data: é 😀 ж\n\n', [ev('é 😀 ж')]],
  [
    'a resumable stream as the gateway writes it',
    'id: st_1:1\ndata: {"token":"Hi","done":false}\n\n: keep-alive\n\nid: st_1:2\ndata: {"token":"","done":true}\n\nid: st_1:3\ndata: [DONE]\n\n',
    [
      ev('{"token":"Hi","done":false}', { id: 'st_1:1' }),
      ev('{"token":"","done":true}', { id: 'st_1:2' }),
      ev('[DONE]', { id: 'st_1:3' }),
    ],
    'st_1:3',
  ],
];

function run(pieces) {
  const parser = new EventParser();
  const events = [];
  for (const piece of pieces) events.push(...parser.push(piece));
  return { events, lastEventId: parser.lastEventId };
}

for (const [name, input, events, last = ''] of VECTORS) {
  test(`SSE: ${name}`, () => {
    const whole = run([input]);
    assert.deepEqual(whole.events, events, 'whole');
    assert.equal(whole.lastEventId, last, 'whole: lastEventId');
    for (let i = 0; i <= input.length; i++) {
      const split = run([input.slice(0, i), input.slice(i)]);
      assert.deepEqual(split, whole, `split at ${i}`);
    }
    assert.deepEqual(run([...input.split('')]), whole, 'one character at a time');
    // Empty pieces change nothing (a CR at a piece's end still waits for the next LF).
    assert.deepEqual(run(input.split('').flatMap((c) => [c, ''])), whole, 'with empty pieces');
  });
}

test('SSE: a line over the limit is an invalid_event error, not unbounded memory', () => {
  const parser = new EventParser();
  const mib = 'x'.repeat(1 << 20);
  assert.throws(
    () => {
      for (let i = 0; i < 17; i++) parser.push(i === 0 ? `data: ${mib}` : mib);
    },
    (e) => e instanceof LlmSseError && e.type === 'invalid_event',
  );
});

test('SSE: an event over the limit in many short lines is an invalid_event error too', () => {
  const parser = new EventParser();
  const line = `data: ${'x'.repeat(1 << 16)}\n`;
  assert.throws(
    () => {
      for (let i = 0; i < 300; i++) parser.push(line);
    },
    (e) => e instanceof LlmSseError && e.type === 'invalid_event',
  );
});
