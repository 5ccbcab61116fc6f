//! The Redis store: streams that any gateway instance sharing the Redis server can resume.
//!
//! # Layout
//!
//! One Redis stream (`XADD`) per resumable stream, at the key `llm-sse:stream:{id}`:
//!
//! | entry id | fields | what |
//! |---|---|---|
//! | `0-1` | `provider <name>` | written when the stream starts, before its id is handed out |
//! | `<seq>-0` | `e <event bytes>` | event `seq` (from 1) as sent, without its `id:` line (which the reader writes again, byte for byte) |
//! | `<last seq>-1` | `end 1` | the stream ended after event `last seq` |
//!
//! So "the events after `seq`" is `XREAD ... STREAMS key <seq>-0`, and a reader that has every
//! event reads the end entry next. Events are appended with `NOMKSTREAM` (a key that is gone
//! is never made again with part of a stream), and a reader checks that the seqs follow each
//! other: a reader gets every event once, or an error frame, never a gap.
//!
//! While a stream is live its key expires [`LIVE_TTL`] after the last write; the writer
//! refreshes it at least every [`HEARTBEAT`], so a stream whose writer died (its gateway
//! stopped) disappears and its remote readers end with an error. Once ended, the key expires
//! after the store's TTL.
//!
//! # Who writes, who reads
//!
//! The instance that runs a stream keeps it in memory while it is live (a [`MemoryStore`]
//! without TTL) and serves its own readers from there; a task of its own copies each event to
//! Redis, batched. When Redis is lost, that copy stops and the key is deleted if it still can
//! be; the local readers keep their stream. A resume on this instance of a stream it is still
//! writing reads memory; any other resume reads Redis, with a connection of its own (a blocked
//! `XREAD` would hold up a shared one).

use std::future::poll_fn;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use llm_sse_core::Provider;
use llm_sse_core::gateway::Ending;
use llm_sse_core::resume::write_id_line;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, Value};
use tokio::sync::{Mutex, mpsc};

use super::log::{Log, Read};
use super::memory::MemoryStore;
use super::{Backend, BoxFuture, Detached, OpenError, Remote, Source, StoreError};

/// How long a live stream's key lives after its last write.
const LIVE_TTL: Duration = Duration::from_secs(30);

/// How often the writer of a quiet live stream refreshes its key.
const HEARTBEAT: Duration = Duration::from_secs(5);

/// How long a reader's blocking read waits before it checks that the stream still exists.
const BLOCK: Duration = Duration::from_secs(2);

/// The longest wait for a connection to Redis, and for an answer (blocking reads excepted).
const TIMEOUT: Duration = Duration::from_secs(2);

/// The most events one read asks for.
const READ_COUNT: usize = 512;

fn key(id: &str) -> String {
    format!("llm-sse:stream:{id}")
}

/// `url` without its credentials: `redis://***@host:6379/0`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<not a URL>".into();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rfind('@') {
        Some(at) => format!("{scheme}://***@{}{path}", &authority[at + 1..]),
        None => format!("{scheme}://{authority}{path}"),
    }
}

/// See the [module docs](self).
pub(crate) struct RedisStore {
    client: Client,
    /// The URL without credentials.
    shown: String,
    ttl: Duration,
    /// The streams this instance writes, while they are live.
    local: MemoryStore,
    /// The connection the writers share; `None` after a failure, until the next use connects
    /// again.
    shared: Mutex<Option<MultiplexedConnection>>,
}

impl RedisStore {
    pub(crate) async fn connect(
        url: &str,
        ttl: Duration,
        max_live_bytes: usize,
    ) -> Result<RedisStore, StoreError> {
        let shown = redact(url);
        let fail = |reason: String| StoreError {
            store: shown.clone(),
            reason,
        };
        if !(url.starts_with("redis://") || url.starts_with("redis+unix://")) {
            return Err(fail(
                "expected redis://HOST:PORT[/DB] (TLS, rediss://, is not supported)".into(),
            ));
        }
        let client = Client::open(url).map_err(|e| fail(reason(&e)))?;
        let store = RedisStore {
            client,
            shown: shown.clone(),
            ttl,
            local: MemoryStore::new(max_live_bytes, Duration::ZERO),
            shared: Mutex::new(None),
        };
        let mut connection = store.connection().await.map_err(fail)?;
        let pong: Value = redis::cmd("PING")
            .query_async(&mut connection)
            .await
            .map_err(|e| fail(reason(&e)))?;
        if !matches!(pong, Value::SimpleString(ref s) if s == "PONG") {
            return Err(fail(format!("PING answered {pong:?}")));
        }
        Ok(store)
    }

    fn config(response_timeout: Duration) -> AsyncConnectionConfig {
        AsyncConnectionConfig::new()
            .set_connection_timeout(TIMEOUT)
            .set_response_timeout(response_timeout)
    }

    /// The shared connection, connecting when there is none.
    async fn connection(&self) -> Result<MultiplexedConnection, String> {
        let mut shared = self.shared.lock().await;
        if let Some(connection) = shared.as_ref() {
            return Ok(connection.clone());
        }
        let connection = self
            .client
            .get_multiplexed_async_connection_with_config(&Self::config(TIMEOUT))
            .await
            .map_err(|e| reason(&e))?;
        *shared = Some(connection.clone());
        Ok(connection)
    }

    /// Forgets the shared connection after a failure (the next use connects again).
    async fn broken(&self) {
        *self.shared.lock().await = None;
    }

    /// Runs `pipe` on the shared connection.
    async fn run(&self, pipe: &redis::Pipeline) -> Result<Vec<Value>, String> {
        let mut connection = self.connection().await?;
        match pipe.query_async::<Vec<Value>>(&mut connection).await {
            Ok(values) => Ok(values),
            Err(e) => {
                if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() {
                    self.broken().await;
                }
                Err(reason(&e))
            }
        }
    }

    /// Writes the stream's first entry; `false` when Redis could not be reached.
    async fn start(&self, id: &str, provider: Provider) -> bool {
        let mut pipe = redis::pipe();
        pipe.cmd("XADD")
            .arg(key(id))
            .arg("0-1")
            .arg("provider")
            .arg(provider.as_str())
            .cmd("PEXPIRE")
            .arg(key(id))
            .arg(millis(LIVE_TTL));
        match self.run(&pipe).await {
            Ok(_) => true,
            Err(reason) => {
                tracing::warn!(
                    target: "llm_sse::gateway",
                    store = %self.shown,
                    %reason,
                    "cannot write a resumable stream to Redis: only this instance can resume it \
                     while it is live"
                );
                false
            }
        }
    }

    /// Copies the events of `log` to Redis as they come, until its end; on a failure, stops and
    /// deletes what was copied (a resume elsewhere then finds no stream rather than part of
    /// one).
    async fn copy(self: Arc<Self>, log: Arc<Log>) {
        let reader = log.reader();
        let mut after = 0;
        let key = key(&log.id);
        loop {
            let read = tokio::time::timeout(
                HEARTBEAT,
                poll_fn(|cx| log.poll_read(after, reader, true, cx)),
            )
            .await;
            let mut pipe = redis::pipe();
            let done = match read {
                // Quiet: keep the key alive.
                Err(_) => {
                    pipe.cmd("PEXPIRE").arg(&key).arg(millis(LIVE_TTL));
                    false
                }
                Ok(Read::Events(bytes, last)) => {
                    let mut seq = after;
                    let mut rest = &bytes[..];
                    while !rest.is_empty() {
                        let end = rest
                            .windows(2)
                            .position(|w| w == b"\n\n")
                            .map_or(rest.len(), |i| i + 2);
                        seq += 1;
                        pipe.cmd("XADD")
                            .arg(&key)
                            .arg("NOMKSTREAM")
                            .arg(format!("{seq}-0"))
                            .arg("e")
                            .arg(&rest[..end]);
                        rest = &rest[end..];
                    }
                    debug_assert_eq!(seq, last);
                    after = last;
                    pipe.cmd("PEXPIRE").arg(&key).arg(millis(LIVE_TTL));
                    false
                }
                Ok(Read::End) => {
                    pipe.cmd("XADD")
                        .arg(&key)
                        .arg("NOMKSTREAM")
                        .arg(format!("{after}-1"))
                        .arg("end")
                        .arg("1")
                        .cmd("PEXPIRE")
                        .arg(&key)
                        .arg(millis(self.ttl));
                    true
                }
                Ok(Read::Dropped(_)) => {
                    self.forget(&key).await;
                    break;
                }
            };
            match self.run(&pipe).await {
                // `XADD ... NOMKSTREAM` answers nil when the key is gone (expired, evicted by
                // Redis): what follows must not be written without what came before.
                Ok(values) if values.iter().any(|v| matches!(v, Value::Nil)) => {
                    tracing::warn!(
                        target: "llm_sse::gateway",
                        store = %self.shown,
                        "a resumable stream's key disappeared from Redis before it ended: only \
                         this instance can resume it"
                    );
                    self.forget(&key).await;
                    break;
                }
                Ok(_) if done => break,
                Ok(_) => {}
                Err(reason) => {
                    tracing::warn!(
                        target: "llm_sse::gateway",
                        store = %self.shown,
                        %reason,
                        "lost Redis while copying a resumable stream: only this instance can \
                         resume it while it is live"
                    );
                    self.forget(&key).await;
                    break;
                }
            }
        }
        log.leave(reader);
    }

    /// Deletes a stream's key, if Redis can still be reached.
    async fn forget(&self, key: &str) {
        let mut pipe = redis::pipe();
        pipe.cmd("DEL").arg(key);
        let _ = self.run(&pipe).await;
    }

    /// Opens a reader of stream `id` in Redis after `after` events.
    async fn open_remote(&self, id: &str, after: u64) -> Result<Source, OpenError> {
        let unavailable = |e: redis::RedisError| OpenError::Unavailable(reason(&e));
        // A connection of its own: a blocked XREAD holds its connection up.
        let mut connection = self
            .client
            .get_multiplexed_async_connection_with_config(&Self::config(BLOCK + TIMEOUT))
            .await
            .map_err(unavailable)?;
        let key = key(id);
        let (first, last): (Value, Value) = redis::pipe()
            .cmd("XRANGE")
            .arg(&key)
            .arg("0-1")
            .arg("0-1")
            .cmd("XREVRANGE")
            .arg(&key)
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(1)
            .query_async(&mut connection)
            .await
            .map_err(unavailable)?;
        let provider = entries(&first)
            .and_then(|e| e.into_iter().next())
            .filter(|(id, _)| id == "0-1")
            .and_then(|(_, fields)| field(&fields, "provider"))
            .and_then(|name| std::str::from_utf8(&name).ok()?.parse::<Provider>().ok())
            .ok_or(OpenError::NotFound)?;
        let have = entries(&last)
            .and_then(|e| e.into_iter().next())
            .and_then(|(id, _)| entry_seq(&id))
            .map_or(0, |(seq, _)| seq);
        if after > have {
            return Err(OpenError::Beyond { have });
        }
        let (tx, rx) = mpsc::channel(2);
        tokio::spawn(follow(connection, id.to_owned(), after, tx));
        Ok(Source::Remote {
            provider,
            events: rx,
        })
    }
}

/// Reads the events of stream `id` after `after` and hands them to `tx` until the end entry, or
/// until the stream cannot be read to its end (an error, never a gap).
async fn follow(
    mut connection: MultiplexedConnection,
    id: String,
    mut after: u64,
    tx: mpsc::Sender<Remote>,
) {
    let key = key(&id);
    let lost = Remote::Lost(Ending::StoreLost);
    loop {
        let mut xread = redis::cmd("XREAD");
        xread
            .arg("COUNT")
            .arg(READ_COUNT)
            .arg("BLOCK")
            .arg(millis(BLOCK))
            .arg("STREAMS")
            .arg(&key)
            // After event `after`; at the start, after the first entry (`0-1`, the provider).
            .arg(format!("{after}-{}", u8::from(after == 0)));
        let read = xread.query_async::<Value>(&mut connection);
        let value = tokio::select! {
            value = read => value,
            () = tx.closed() => return,
        };
        let value = match value {
            Ok(value) => value,
            Err(_) => {
                let _ = tx.send(lost).await;
                return;
            }
        };
        if matches!(value, Value::Nil) {
            // Nothing new: is the stream still there (its writer alive)?
            let exists = redis::cmd("EXISTS")
                .arg(&key)
                .query_async::<i64>(&mut connection)
                .await;
            if exists != Ok(1) {
                let _ = tx.send(lost).await;
                return;
            }
            continue;
        }
        let Some(read) = xread_entries(&value) else {
            let _ = tx.send(lost).await;
            return;
        };
        let mut events = Vec::new();
        let mut ended = false;
        for (entry_id, fields) in read {
            match entry_seq(&entry_id) {
                Some((seq, 0)) if seq == after + 1 && !ended => {
                    let Some(bytes) = field(&fields, "e") else {
                        let _ = tx.send(lost).await;
                        return;
                    };
                    write_id_line(&id, seq, &mut events);
                    events.extend_from_slice(&bytes);
                    after = seq;
                }
                Some((seq, 1)) if seq == after => ended = true,
                // Anything else would be a gap.
                _ => {
                    let _ = tx.send(lost).await;
                    return;
                }
            }
        }
        if !events.is_empty() && tx.send(Remote::Events(Bytes::from(events))).await.is_err() {
            return;
        }
        if ended {
            let _ = tx.send(Remote::End).await;
            return;
        }
    }
}

/// `<seq>-<n>` of an entry id.
fn entry_seq(id: &str) -> Option<(u64, u64)> {
    let (seq, n) = id.split_once('-')?;
    Some((seq.parse().ok()?, n.parse().ok()?))
}

type Entry = (String, Vec<(Vec<u8>, Vec<u8>)>);

/// The entries of an `XRANGE` answer.
fn entries(value: &Value) -> Option<Vec<Entry>> {
    let Value::Array(items) = value else {
        return None;
    };
    items.iter().map(entry).collect()
}

fn entry(value: &Value) -> Option<Entry> {
    let Value::Array(pair) = value else {
        return None;
    };
    let [id, fields] = pair.as_slice() else {
        return None;
    };
    let id = String::from_utf8(bytes(id)?).ok()?;
    let Value::Array(fields) = fields else {
        return None;
    };
    let fields = fields
        .chunks(2)
        .map(|kv| match kv {
            [k, v] => Some((bytes(k)?, bytes(v)?)),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some((id, fields))
}

/// The entries of an `XREAD` answer for one key (RESP2 arrays, or a RESP3 map).
fn xread_entries(value: &Value) -> Option<Vec<Entry>> {
    match value {
        Value::Array(streams) => {
            let Value::Array(stream) = streams.first()? else {
                return None;
            };
            entries(stream.get(1)?)
        }
        Value::Map(streams) => entries(&streams.first()?.1),
        _ => None,
    }
}

fn bytes(value: &Value) -> Option<Vec<u8>> {
    match value {
        Value::BulkString(b) => Some(b.clone()),
        Value::SimpleString(s) => Some(s.clone().into_bytes()),
        _ => None,
    }
}

fn field(fields: &[(Vec<u8>, Vec<u8>)], name: &str) -> Option<Vec<u8>> {
    fields
        .iter()
        .find(|(k, _)| k == name.as_bytes())
        .map(|(_, v)| v.clone())
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// A Redis error as a message (the crate's messages name no credentials).
fn reason(e: &redis::RedisError) -> String {
    e.to_string()
}

impl Backend for Arc<RedisStore> {
    fn create<'a>(
        &'a self,
        id: &'a str,
        provider: Provider,
        detached: &'a Detached,
    ) -> BoxFuture<'a, Arc<Log>> {
        Box::pin(async move {
            let log = self.local.create_now(id, provider);
            if self.start(id, provider).await {
                // Counted: a shutdown lets the copy write the stream's end.
                let guard = detached.enter();
                let copy = Arc::clone(self).copy(Arc::clone(&log));
                tokio::spawn(async move {
                    copy.await;
                    drop(guard);
                });
            }
            log
        })
    }

    fn append(&self, log: &Arc<Log>, event: &[u8]) {
        self.local.append(log, event);
    }

    fn finish(&self, log: &Arc<Log>) {
        self.local.finish(log);
    }

    fn open<'a>(&'a self, id: &'a str, after: u64) -> BoxFuture<'a, Result<Source, OpenError>> {
        Box::pin(async move {
            // A stream this instance is writing: from memory.
            if let Some(log) = self.local.get(id) {
                let have = log.len();
                if after > have {
                    return Err(OpenError::Beyond { have });
                }
                return Ok(Source::Local { log, after });
            }
            self.open_remote(id, after).await
        })
    }

    fn describe(&self) -> String {
        self.shown.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_credentials() {
        assert_eq!(
            redact("redis://:s3cret@127.0.0.1:6379/2"),
            "redis://***@127.0.0.1:6379/2"
        );
        assert_eq!(redact("redis://user:p@ss@h:1"), "redis://***@h:1");
        assert_eq!(redact("redis://h:1/0"), "redis://h:1/0");
        assert_eq!(redact("nonsense"), "<not a URL>");
    }

    #[test]
    fn entry_ids() {
        assert_eq!(entry_seq("12-0"), Some((12, 0)));
        assert_eq!(entry_seq("12-1"), Some((12, 1)));
        assert_eq!(entry_seq("12"), None);
    }

    #[test]
    fn xread_answers() {
        let entry = |id: &str, k: &str, v: &str| {
            Value::Array(vec![
                Value::BulkString(id.into()),
                Value::Array(vec![
                    Value::BulkString(k.into()),
                    Value::BulkString(v.into()),
                ]),
            ])
        };
        let resp2 = Value::Array(vec![Value::Array(vec![
            Value::BulkString("k".into()),
            Value::Array(vec![entry("1-0", "e", "a"), entry("1-1", "end", "1")]),
        ])]);
        let read = xread_entries(&resp2).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].0, "1-0");
        assert_eq!(field(&read[0].1, "e"), Some(b"a".to_vec()));
        let resp3 = Value::Map(vec![(
            Value::BulkString("k".into()),
            Value::Array(vec![entry("2-0", "e", "b")]),
        )]);
        assert_eq!(xread_entries(&resp3).unwrap()[0].0, "2-0");
        assert!(xread_entries(&Value::Int(1)).is_none());
    }
}
