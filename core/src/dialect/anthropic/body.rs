//! The non-streaming body: a finished stream out as a `message` body
//! ([`non_streaming_body`]).

use alloc::vec::Vec;

use serde::Serialize;
use serde_json::Value;

use crate::accumulate::{AccumulateError, ContentBlock, Message};

use crate::dialect::{Dialect, DialectError, ResponseMeta, client_tool_call_id, write_json};

use super::{UsageOut, stop_reason_of};

/// The `message` body of a finished stream (folded by the [`Accumulator`](crate::Accumulator)),
/// or the error to answer instead.
///
/// The message's blocks in order: `text`, `thinking` (`signature` `""` when the reasoning
/// carries none), `redacted_thinking`, `tool_use` (`input` the parsed arguments; a call without
/// a (non-empty) id gets [`tool_call_id`](crate::dialect::tool_call_id)); `stop_reason` and `usage` as in
/// the stream.
///
/// # Errors
///
/// [`DialectError::from_accumulate_error`]: for a failed stream the status its error stands for.
pub fn non_streaming_body(
    meta: &ResponseMeta,
    result: &Result<Message, AccumulateError>,
) -> Result<Vec<u8>, DialectError> {
    let message = match result {
        Ok(message) => message,
        Err(error) => {
            return Err(DialectError::from_accumulate_error(
                Dialect::Anthropic,
                error,
            ));
        }
    };
    let ids: Vec<_> = message
        .content
        .iter()
        .map(|block| match block {
            ContentBlock::ToolCall(call) => {
                client_tool_call_id(call.id.as_deref(), &meta.id, call.index)
            }
            _ => alloc::borrow::Cow::Borrowed(""),
        })
        .collect();
    let content: Vec<BlockOut<'_>> = message
        .content
        .iter()
        .zip(&ids)
        .map(|(block, id)| match block {
            ContentBlock::Text(text) => BlockOut::Text { text },
            ContentBlock::Thinking {
                thinking,
                signature,
            } => BlockOut::Thinking {
                thinking,
                signature: signature.as_deref().unwrap_or(""),
            },
            ContentBlock::RedactedThinking { data } => BlockOut::RedactedThinking { data },
            ContentBlock::ToolCall(call) => BlockOut::ToolUse {
                id,
                name: &call.name,
                input: &call.arguments,
            },
        })
        .collect();
    let body = MessageOut {
        id: &meta.id,
        kind: "message",
        role: "assistant",
        model: &meta.model,
        content: &content,
        stop_reason: stop_reason_of(
            message.provider,
            message.provider_finish_reason.as_deref(),
            message.finish_reason,
        ),
        stop_sequence: None,
        usage: UsageOut::new(message.provider, message.usage.as_ref()),
    };
    let mut out = Vec::new();
    write_json(&body, &mut out);
    Ok(out)
}

#[derive(Serialize)]
struct MessageOut<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    role: &'static str,
    model: &'a str,
    content: &'a [BlockOut<'a>],
    stop_reason: &'a str,
    stop_sequence: Option<&'a str>,
    usage: UsageOut,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum BlockOut<'a> {
    Text {
        text: &'a str,
    },
    Thinking {
        thinking: &'a str,
        signature: &'a str,
    },
    RedactedThinking {
        data: &'a str,
    },
    ToolUse {
        id: &'a str,
        name: &'a str,
        input: &'a Value,
    },
}
