// llm-sse.js: reads the llm-sse gateway's streams in a browser (or Node 20+). No dependencies.
// The gateway serves this file at GET /llm-sse.js; see shell-tokio/docs/frontend.md.
//
//   import { stream, Message } from "/llm-sse.js";
//   const message = new Message();
//   for await (const frame of stream({ provider: "anthropic", request, resumable: true })) {
//     message.push(frame);
//     answer.textContent = message.text;
//   }
//
// - stream(options) POSTs a chat request and yields its frames (the normalized wire contract:
//   text `token`, `reasoning`, `reasoning_signature`, `redacted_reasoning`, `tool_call` pieces,
//   then the terminal frame with `done: true`), ending after the terminal frame. With a stream
//   id (a resumable stream) a dropped connection is resumed with Last-Event-ID, bounded retries
//   and backoff, and no frame is yielded twice.
// - Message folds frames into the assistant's message: text, reasoning, tool calls with parsed
//   arguments, the terminal frame's finish reason, usage and error; collect() does it for a
//   whole stream and rejects when the stream failed.
// - Failures are LlmSseError, whose `type` is the gateway's error type (`unauthorized`,
//   `not_found`, `invalid_request`, ...), the failed stream's (`overloaded_error`, ...), or one
//   of ours: `connection_error`, `incomplete_stream`, `invalid_event`, `invalid_tool_call`,
//   `http_error`. Aborting the signal rejects with the signal's reason (an AbortError).

/** Most characters in one unfinished line or event; more is an `invalid_event` error. */
const MAX_EVENT_CHARS = 16 * 1024 * 1024;
/** Longest pause between two resume attempts (before jitter), in milliseconds. */
const MAX_RETRY_DELAY_MS = 8000;

/** An error of the gateway, of the stream, or of reading it. */
export class LlmSseError extends Error {
  /**
   * @param {string} type the error type: the gateway's (`not_found`), the stream's terminal
   *   frame's (`overloaded_error`), or ours (`connection_error`, `incomplete_stream`,
   *   `invalid_event`, `invalid_tool_call`, `http_error`)
   * @param {string} message what happened
   * @param {{status?: number, retryAfter?: number, streamId?: string|null, partial?: Message,
   *   cause?: unknown}} [details] the HTTP status of an error answer and its Retry-After in
   *   seconds; the stream id; what collect() had folded; the underlying error
   */
  constructor(type, message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "LlmSseError";
    this.type = type;
    this.status = details.status;
    this.retryAfter = details.retryAfter;
    this.streamId = details.streamId ?? null;
    this.partial = details.partial;
  }
}

/**
 * A WHATWG server-sent events parser over decoded text. push() takes any piece of the stream and
 * returns the events it completed, so the result does not depend on how the text was split.
 * Lines end with CRLF, LF or CR (a CR at the end of a piece waits for the next piece to see
 * whether an LF follows); lines starting with `:` are comments (`: keep-alive`); `data` lines
 * join with "\n"; one leading U+FEFF (byte order mark) is skipped; an `id` holding U+0000 is
 * ignored, and an event without an `id` keeps the previous one as its lastEventId; `retry` and
 * unknown fields are ignored; an event cut off by the end of the stream is never dispatched.
 */
export class EventParser {
  #line = ""; // the unfinished line
  #afterCR = false; // the last piece ended with CR: an LF first in the next one belongs to it
  #started = false; // the byte order mark is looked for only at the very start
  #data = "";
  #type = "";
  #id = null; // the id field of the event being built, if it had one
  /** The last event id, as WHATWG keeps it across events. */
  lastEventId = "";

  /**
   * @param {string} text the next piece of the stream
   * @returns {{type: string, data: string, id: string|null, lastEventId: string}[]} the events
   *   it completed: `id` is the event's own id field (null without one)
   */
  push(text) {
    const events = [];
    let at = 0;
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) at = 1;
    }
    if (this.#afterCR && text.length > 0) {
      this.#afterCR = false;
      if (text.charCodeAt(at) === 0x0a) at += 1;
    }
    const ends = /\r\n|\r|\n/g;
    ends.lastIndex = at;
    for (let m = ends.exec(text); m !== null; m = ends.exec(text)) {
      const line = this.#line + text.slice(at, m.index);
      this.#line = "";
      at = m.index + m[0].length;
      if (m[0] === "\r" && at === text.length) this.#afterCR = true;
      this.#field(line, events);
    }
    this.#line += text.slice(at);
    if (this.#line.length + this.#data.length > MAX_EVENT_CHARS) {
      throw new LlmSseError("invalid_event", `an event longer than ${MAX_EVENT_CHARS} characters`);
    }
    return events;
  }

  #field(line, events) {
    if (line === "") {
      this.#dispatch(events);
      return;
    }
    if (line.charCodeAt(0) === 0x3a) return; // ":" starts a comment
    const colon = line.indexOf(":");
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1); // one space after the colon
    if (name === "data") {
      this.#data += value + "\n";
      if (this.#data.length > MAX_EVENT_CHARS) {
        throw new LlmSseError("invalid_event", `an event longer than ${MAX_EVENT_CHARS} characters`);
      }
    } else if (name === "event") {
      this.#type = value;
    } else if (name === "id" && !value.includes("\0")) {
      this.#id = value;
      this.lastEventId = value;
    }
  }

  #dispatch(events) {
    const id = this.#id;
    this.#id = null;
    if (this.#data !== "") {
      events.push({
        type: this.#type || "message",
        data: this.#data.slice(0, -1),
        id,
        lastEventId: this.lastEventId,
      });
    }
    this.#data = "";
    this.#type = "";
  }
}

/**
 * Options of stream().
 * @typedef {object} StreamOptions
 * @property {string} [provider] `anthropic`, `openai` or `gemini`: POSTs `request` to
 *   /v1/chat/stream/{provider}
 * @property {object} [request] the chat request: `{model, messages, ...}` (see shell-tokio/docs/gateway.md, "The request")
 * @property {string} [streamId] instead of provider and request: read the resumable stream with
 *   this id (GET /v1/streams/{id}), the frames after `after`
 * @property {number} [after] with streamId: the last frame already seen (default 0: all of them)
 * @property {string|URL} [baseUrl] the gateway; default: where this module was loaded from
 * @property {string} [token] the gateway's token, sent as `Authorization: Bearer`
 * @property {boolean} [resumable] ask for a resumable stream (`llm-sse-resumable: true`)
 * @property {AbortSignal} [signal] aborts the request, the reading and any wait to resume
 * @property {number} [retries] resume attempts in a row without a new frame before giving up
 *   with `connection_error` (default 8)
 * @property {number} [retryDelayMs] the first pause before resuming; each next one doubles, up
 *   to 8 s, less a random part of up to half (default 250)
 * @property {number} [idleTimeoutMs] treat a connection silent this long as dropped (default:
 *   never; the gateway sends `: keep-alive` every 15 s)
 * @property {Record<string, string>} [headers] more request headers
 * @property {(id: string) => void} [onStreamId] called once the stream id is known (the
 *   response's `llm-sse-stream-id`, or the first frame's `id`), to keep it across a reload
 * @property {(info: {attempt: number, delayMs: number, error: LlmSseError}) => void}
 *   [onReconnect] called before each wait to resume
 * @property {typeof fetch} [fetch] the fetch to use (default: the global one)
 */

/**
 * Opens a stream: POSTs `options.request` (or resumes `options.streamId`) and returns its frames
 * as an async iterable. Nothing is sent before the iteration starts.
 * @param {StreamOptions} options
 * @returns {FrameStream}
 */
export function stream(options) {
  return new FrameStream(options);
}

/**
 * The frames of one stream, an async iterable (once). Leaving the loop early closes the
 * connection. Its properties follow the stream: `streamId` (null unless resumable), `seq` (the
 * last frame's number), `lastEventId` (`<stream id>:<seq>`), `resumes` (reconnections made).
 */
export class FrameStream {
  /** @type {string|null} */
  streamId = null;
  seq = 0;
  lastEventId = "";
  resumes = 0;
  #options;
  #fetch;
  #base;
  #iterated = false;

  /** @param {StreamOptions} options */
  constructor(options) {
    const o = { ...options, retries: options.retries ?? 8, retryDelayMs: options.retryDelayMs ?? 250 };
    if (o.streamId !== undefined) {
      this.streamId = String(o.streamId);
      this.seq = Number(o.after ?? 0);
      if (!Number.isSafeInteger(this.seq) || this.seq < 0) {
        throw new TypeError("llm-sse: `after` must be a frame number (0 or more)");
      }
      this.lastEventId = `${this.streamId}:${this.seq}`;
    } else if (typeof o.provider !== "string" || typeof o.request !== "object" || !o.request) {
      throw new TypeError("llm-sse: stream() needs `provider` and `request`, or `streamId`");
    }
    this.#options = o;
    this.#fetch = o.fetch ?? globalThis.fetch.bind(globalThis);
    this.#base = gatewayBase(o.baseUrl);
  }

  [Symbol.asyncIterator]() {
    if (this.#iterated) throw new TypeError("llm-sse: a stream can be read once");
    this.#iterated = true;
    return this.#frames();
  }

  async *#frames() {
    const { signal } = this.#options;
    let terminal = false;
    let attempts = 0; // resume attempts since the last new frame
    let response;
    if (this.#options.streamId === undefined) {
      response = await this.#post();
    } else {
      [response, attempts] = await this.#resume(0, null);
    }
    for (;;) {
      let drop;
      try {
        for await (const event of readEvents(response.body, this.#options.idleTimeoutMs)) {
          if (event.type !== "message") continue;
          if (event.data === "[DONE]") {
            if (terminal) return;
            throw this.#error("incomplete_stream", "the stream sent [DONE] before its terminal frame");
          }
          if (terminal) continue; // nothing comes between the terminal frame and [DONE]
          const seq = this.#seqOf(event.id);
          if (seq !== null) {
            if (seq <= this.seq) continue; // sent before the drop: already yielded
            if (seq !== this.seq + 1) {
              throw this.#error("invalid_event", `frame ${seq} came after frame ${this.seq}: frames are missing`);
            }
          }
          const frame = parseFrame(event.data, this.streamId);
          if (seq !== null) {
            this.seq = seq;
            this.lastEventId = event.id;
          }
          attempts = 0;
          terminal = frame.done;
          yield frame;
        }
        if (terminal) return; // the connection ended between the terminal frame and [DONE]
        drop = this.#error("incomplete_stream", "the stream ended before its terminal frame");
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        if (e instanceof LlmSseError && !e.dropped) throw e;
        if (terminal) return; // only [DONE] was lost
        drop = this.#error("connection_error", `the connection was lost: ${e.message ?? e}`, e);
      }
      if (this.streamId === null) throw drop; // not resumable
      [response, attempts] = await this.#resume(attempts, drop);
    }
  }

  /** Sends the chat request; its answer, once it is a stream. */
  async #post() {
    const o = this.#options;
    const headers = this.#headers({ "content-type": "application/json" });
    if (o.resumable) headers["llm-sse-resumable"] = "true";
    const url = new URL(`v1/chat/stream/${encodeURIComponent(o.provider)}`, this.#base);
    let response;
    try {
      response = await this.#fetch(url, {
        method: "POST",
        headers,
        body: JSON.stringify(o.request),
        signal: o.signal,
      });
    } catch (e) {
      if (o.signal?.aborted) throw o.signal.reason;
      throw this.#error("connection_error", `the request failed: ${e.message ?? e}`, e);
    }
    return this.#opened(response);
  }

  /**
   * Reconnects to the stream with its last event id: waits (unless this is the first try of a
   * stream opened by id), asks again after network errors and 408, 429 and 5xx answers, gives
   * up after `retries` attempts in a row. Returns the stream and the attempts made so far.
   */
  async #resume(attempts, drop) {
    const o = this.#options;
    let last = drop;
    for (let attempt = attempts; ; attempt++) {
      if (attempt >= o.retries) {
        throw this.#error(
          "connection_error",
          `the stream could not be resumed after ${o.retries} attempts${last ? `: ${last.message}` : ""}`,
          last,
        );
      }
      if (last !== null) {
        let delayMs = Math.min(o.retryDelayMs * 2 ** attempt, MAX_RETRY_DELAY_MS);
        delayMs = Math.round(delayMs * (1 - Math.random() / 2));
        if (last.retryAfter !== undefined) delayMs = Math.max(delayMs, last.retryAfter * 1000);
        o.onReconnect?.({ attempt: attempt + 1, delayMs, error: last });
        await sleep(delayMs, o.signal);
      }
      const url = new URL(`v1/streams/${encodeURIComponent(this.streamId)}`, this.#base);
      const headers = this.#headers({ "last-event-id": `${this.streamId}:${this.seq}` });
      try {
        const response = await this.#fetch(url, { headers, signal: o.signal, cache: "no-store" });
        const opened = await this.#opened(response);
        this.resumes += 1;
        return [opened, attempt + 1];
      } catch (e) {
        if (o.signal?.aborted) throw o.signal.reason;
        if (e instanceof LlmSseError && !retryable(e.status)) throw e;
        last = e instanceof LlmSseError ? e : this.#error("connection_error", `${e.message ?? e}`, e);
      }
    }
  }

  /** Checks an answer: a typed error unless it is `200 text/event-stream`. */
  async #opened(response) {
    if (!response.ok) throw await answerError(response, this.streamId);
    const type = response.headers.get("content-type") ?? "";
    if (!/^text\/event-stream\b/i.test(type)) {
      response.body?.cancel().catch(() => {});
      throw this.#error("http_error", `expected text/event-stream, got ${type || "no content type"}`, undefined, response.status);
    }
    const id = response.headers.get("llm-sse-stream-id");
    if (id) this.#knowStreamId(id);
    return response;
  }

  #headers(extra) {
    const o = this.#options;
    const headers = { accept: "text/event-stream", ...o.headers, ...extra };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    return headers;
  }

  /** The seq of an `id: <stream id>:<seq>`, or null for an event without one. */
  #seqOf(id) {
    if (id === null) return null;
    const colon = id.lastIndexOf(":");
    const seq = colon < 0 ? NaN : Number(id.slice(colon + 1));
    if (!Number.isSafeInteger(seq) || seq < 1) {
      throw this.#error("invalid_event", `an event id that is not <stream id>:<seq>: ${JSON.stringify(id)}`);
    }
    this.#knowStreamId(id.slice(0, colon));
    return seq;
  }

  #knowStreamId(id) {
    if (this.streamId === null) {
      this.streamId = id;
      this.#options.onStreamId?.(id);
    }
  }

  #error(type, message, cause, status) {
    return new LlmSseError(type, message, { cause, status, streamId: this.streamId });
  }
}

/** Whether a failed resume is worth another try: network errors, 408, 429 and 5xx answers. */
function retryable(status) {
  return status === undefined || status === 408 || status === 429 || status >= 500;
}

/** The gateway's URL as a base for relative paths (ending with `/`). */
function gatewayBase(baseUrl) {
  let base;
  try {
    base = new URL(String(baseUrl ?? new URL(".", import.meta.url)), globalThis.location?.href);
  } catch (e) {
    throw new TypeError(`llm-sse: baseUrl ${JSON.stringify(String(baseUrl))} is not a URL`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new TypeError("llm-sse: pass `baseUrl`, the gateway's http(s) URL");
  }
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  return base;
}

/** The events of a response body; cancels the body when the caller stops early. */
async function* readEvents(body, idleTimeoutMs) {
  const reader = body.pipeThrough(new TextDecoderStream("utf-8", { ignoreBOM: true })).getReader();
  const parser = new EventParser();
  try {
    for (;;) {
      const { value, done } = await read(reader, idleTimeoutMs);
      if (done) return;
      yield* parser.push(value);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** reader.read(), failing when nothing arrives for `idleTimeoutMs`. */
function read(reader, idleTimeoutMs) {
  if (!idleTimeoutMs) return reader.read();
  let timer;
  const silence = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const error = new LlmSseError("connection_error", `nothing arrived for ${idleTimeoutMs} ms`);
      error.dropped = true; // a drop to resume from, not a failure of the stream
      reject(error);
    }, idleTimeoutMs);
  });
  return Promise.race([reader.read(), silence]).finally(() => clearTimeout(timer));
}

function parseFrame(data, streamId) {
  let frame;
  try {
    frame = JSON.parse(data);
  } catch (e) {
    frame = undefined;
  }
  if (frame === null || typeof frame !== "object" || typeof frame.done !== "boolean") {
    const shown = data.length > 200 ? `${data.slice(0, 200)}...` : data;
    throw new LlmSseError("invalid_event", `an event that is not a frame: ${shown}`, { streamId });
  }
  return frame;
}

/** The typed error of a non-2xx answer: the gateway's `{"error":{"type","message"}}` if given. */
async function answerError(response, streamId) {
  let type = "http_error";
  let message = `${response.status} ${response.statusText}`.trim();
  try {
    const body = await response.json();
    if (body && body.error && typeof body.error.type === "string") {
      type = body.error.type;
      message = String(body.error.message ?? type);
    }
  } catch (e) {
    // not JSON: the status says it
  }
  const after = response.headers.get("retry-after");
  const retryAfter = after !== null && /^\d+$/.test(after) ? Number(after) : undefined;
  return new LlmSseError(type, message, { status: response.status, retryAfter, streamId });
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const abort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", abort, { once: true });
  });
}

/**
 * The assistant's message, folded from frames with push(). `content` holds its parts in stream
 * order, shaped as the request's content parts so that the next turn can send them back
 * (toAssistantMessage()): `{type: "text", text}`, `{type: "thinking", thinking, signature?}`,
 * `{type: "redacted_thinking", data}`, `{type: "tool_call", index, id, name, rawArguments,
 * arguments}` (`rawArguments` the fragments so far; `arguments` parsed once the stream ended,
 * undefined if they are not JSON). After the terminal frame: `done`, and `provider`, `id`,
 * `model`, `finishReason`, `providerFinishReason`, `usage`, `error` as it gave them.
 */
export class Message {
  /** @type {object[]} */
  content = [];
  done = false;
  provider = undefined;
  id = undefined;
  model = undefined;
  finishReason = undefined;
  providerFinishReason = undefined;
  usage = undefined;
  /** @type {{type: string, message: string}|undefined} */
  error = undefined;
  #open = null; // the text or thinking part that text or reasoning continues
  #calls = new Map(); // tool-call index -> its part

  /** Folds one frame in (frames after the terminal one are ignored). Returns this. */
  push(frame) {
    if (this.done) return this;
    if (frame.done) {
      this.done = true;
      this.#open = null;
      this.provider = frame.provider;
      this.id = frame.id;
      this.model = frame.model;
      this.finishReason = frame.finish_reason;
      this.providerFinishReason = frame.provider_finish_reason;
      this.usage = frame.usage;
      this.error = frame.error;
      for (const call of this.#calls.values()) {
        try {
          call.arguments = JSON.parse(call.rawArguments || "{}");
        } catch (e) {
          // left undefined: collect() and toAssistantMessage() report it
        }
      }
    } else if (frame.tool_call) {
      const piece = frame.tool_call;
      this.#open = null;
      let call = this.#calls.get(piece.index);
      if (!call) {
        call = { type: "tool_call", index: piece.index, id: piece.id, name: piece.name, rawArguments: "", arguments: undefined };
        this.#calls.set(piece.index, call);
        this.content.push(call);
      }
      call.rawArguments += piece.arguments ?? "";
    } else if (frame.reasoning !== undefined) {
      if (this.#open?.type !== "thinking") {
        this.#open = { type: "thinking", thinking: "" };
        this.content.push(this.#open);
      }
      this.#open.thinking += frame.reasoning;
    } else if (frame.reasoning_signature !== undefined) {
      // Closes the reasoning before it; alone (as Gemini sends it), a part of its own.
      if (this.#open?.type === "thinking") {
        this.#open.signature = frame.reasoning_signature;
      } else {
        this.content.push({ type: "thinking", thinking: "", signature: frame.reasoning_signature });
      }
      this.#open = null;
    } else if (frame.redacted_reasoning !== undefined) {
      this.#open = null;
      this.content.push({ type: "redacted_thinking", data: frame.redacted_reasoning });
    } else if (typeof frame.token === "string" && frame.token !== "") {
      if (this.#open?.type !== "text") {
        this.#open = { type: "text", text: "" };
        this.content.push(this.#open);
      }
      this.#open.text += frame.token;
    } // a frame of a later contract revision: not ours to fold
    return this;
  }

  /** The answer's text. */
  get text() {
    return this.content.filter((p) => p.type === "text").map((p) => p.text).join("");
  }

  /** The reasoning text. */
  get reasoning() {
    return this.content.filter((p) => p.type === "thinking").map((p) => p.thinking).join("");
  }

  /** The tool calls, in the order of their index. */
  get toolCalls() {
    return this.content.filter((p) => p.type === "tool_call");
  }

  /**
   * The message as the next request's assistant turn: `{role: "assistant", content: [...]}`,
   * thinking parts marked with the provider that made them. Throws `invalid_tool_call` for a
   * tool call whose arguments are not JSON (or when the stream has not ended).
   */
  toAssistantMessage() {
    const content = this.content.map((part) => {
      if (part.type === "tool_call") {
        if (part.arguments === undefined) throw invalidToolCall(part, this);
        const call = { type: "tool_call", name: part.name, arguments: part.arguments };
        return part.id === undefined ? call : { type: "tool_call", id: part.id, ...call };
      }
      if (part.type === "thinking" || part.type === "redacted_thinking") {
        return this.provider ? { ...part, provider: this.provider } : { ...part };
      }
      return { ...part };
    });
    return { role: "assistant", content };
  }
}

function invalidToolCall(call, message) {
  const why = message.done ? "its arguments are not JSON" : "the stream has not ended";
  return new LlmSseError(
    "invalid_tool_call",
    `tool call ${call.index} (${call.name}): ${why}: ${call.rawArguments}`,
    { partial: message },
  );
}

/**
 * Reads a whole stream into a Message. Rejects with an LlmSseError whose `partial` is the
 * message so far when the stream failed (the terminal frame's error type, `connection_error`,
 * ...), ended without its terminal frame (`incomplete_stream`), or made a tool call whose
 * arguments are not JSON (`invalid_tool_call`).
 * @param {AsyncIterable<object>} frames what stream() returns, or any frames
 * @param {(frame: object, message: Message) => void} [onFrame] called after each frame is folded
 * @returns {Promise<Message>}
 */
export async function collect(frames, onFrame) {
  const message = new Message();
  try {
    for await (const frame of frames) {
      message.push(frame);
      onFrame?.(frame, message);
    }
  } catch (e) {
    if (e instanceof LlmSseError && e.partial === undefined) e.partial = message;
    throw e;
  }
  if (!message.done) {
    throw new LlmSseError("incomplete_stream", "the stream ended before its terminal frame", { partial: message });
  }
  if (message.error) {
    throw new LlmSseError(message.error.type, message.error.message, { partial: message });
  }
  const bad = message.toolCalls.find((call) => call.arguments === undefined);
  if (bad) throw invalidToolCall(bad, message);
  return message;
}
