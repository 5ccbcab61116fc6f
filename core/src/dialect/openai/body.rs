//! The non-streaming body: a finished stream out as a `chat.completion` body
//! ([`non_streaming_body`]).

use alloc::string::String;
use alloc::vec::Vec;

use serde::Serialize;

use crate::accumulate::{AccumulateError, ContentBlock, Message};

use crate::dialect::{Dialect, DialectError, ResponseMeta, client_tool_call_id, write_json};

use super::{UsageOut, finish_reason};

/// The `chat.completion` body of a finished stream (folded by the
/// [`Accumulator`](crate::Accumulator)), or the error to answer instead.
///
/// The message's text blocks are joined into `content` (`null` when there is none), its
/// reasoning into `reasoning_content`, its tool calls into `tool_calls` (arguments as streamed;
/// a call without an id gets [`tool_call_id`](crate::dialect::tool_call_id)); usage as in the stream, when reported.
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
        Err(error) => return Err(DialectError::from_accumulate_error(Dialect::OpenAi, error)),
    };
    let mut content: Option<String> = None;
    let mut reasoning: Option<String> = None;
    let mut calls = Vec::new();
    for block in &message.content {
        match block {
            ContentBlock::Text(text) => content.get_or_insert_with(String::new).push_str(text),
            ContentBlock::Thinking { thinking, .. } if !thinking.is_empty() => {
                reasoning.get_or_insert_with(String::new).push_str(thinking);
            }
            ContentBlock::ToolCall(call) => calls.push(call),
            _ => {}
        }
    }
    let ids: Vec<_> = calls
        .iter()
        .map(|call| client_tool_call_id(call.id.as_deref(), &meta.id, call.index))
        .collect();
    let tool_calls: Vec<ToolCallOut<'_>> = calls
        .iter()
        .zip(&ids)
        .map(|(call, id)| ToolCallOut {
            id,
            kind: "function",
            function: FunctionOut {
                name: &call.name,
                arguments: if call.raw_arguments.is_empty() {
                    "{}"
                } else {
                    &call.raw_arguments
                },
            },
        })
        .collect();
    let body = CompletionOut {
        id: &meta.id,
        object: "chat.completion",
        created: meta.created,
        model: &meta.model,
        choices: [CompletionChoice {
            index: 0,
            message: MessageOut {
                role: "assistant",
                content: content.as_deref(),
                reasoning_content: reasoning.as_deref(),
                tool_calls: (!tool_calls.is_empty()).then_some(tool_calls.as_slice()),
            },
            finish_reason: finish_reason(message.finish_reason),
        }],
        usage: message
            .usage
            .as_ref()
            .map(|u| UsageOut::new(message.provider, u)),
    };
    let mut out = Vec::new();
    write_json(&body, &mut out);
    Ok(out)
}

#[derive(Serialize)]
struct CompletionOut<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    choices: [CompletionChoice<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<UsageOut>,
}

#[derive(Serialize)]
struct CompletionChoice<'a> {
    index: u32,
    message: MessageOut<'a>,
    finish_reason: &'static str,
}

#[derive(Serialize)]
struct MessageOut<'a> {
    role: &'static str,
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_calls: Option<&'a [ToolCallOut<'a>]>,
}

#[derive(Serialize)]
struct ToolCallOut<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    function: FunctionOut<'a>,
}

#[derive(Serialize)]
struct FunctionOut<'a> {
    name: &'a str,
    arguments: &'a str,
}
