//! The encoder: one message at a time, appended to a buffer.

use alloc::vec::Vec;
use core::fmt;

use super::{CRC_LEN, Header, HeaderValue, OVERHEAD, PRELUDE_LEN};

/// The longest header name the format can carry (its length is one byte).
const MAX_NAME_LEN: usize = 255;
/// The longest string or byte-array value the specification allows (`<1..2^15-1>`).
const MAX_VALUE_LEN: usize = 32_767;

/// Why a message could not be encoded (nothing was written).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncodeError {
    /// A header name is empty or longer than 255 bytes (the specification requires 1 to 255).
    HeaderNameLength {
        /// Which header: 0 for the first.
        index: usize,
        /// The name's length in bytes.
        len: usize,
    },
    /// A string or byte-array value is longer than the 32,767 bytes the specification allows.
    HeaderValueTooLong {
        /// Which header: 0 for the first.
        index: usize,
        /// The value's length in bytes.
        len: usize,
    },
    /// The message would be longer than its 32-bit total length can say.
    MessageTooLong {
        /// The length it would have, in bytes.
        len: usize,
    },
    /// [`bedrock::encode_chunk`](super::bedrock::encode_chunk) was given invocation metrics for
    /// an event that is not a JSON object (the metrics are a member of the event's object).
    EventNotAnObject,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::HeaderNameLength { index, len } => write!(
                f,
                "event-stream header #{index} has a name of {len} bytes (1 to {MAX_NAME_LEN} allowed)"
            ),
            EncodeError::HeaderValueTooLong { index, len } => write!(
                f,
                "event-stream header #{index} has a value of {len} bytes (at most {MAX_VALUE_LEN} allowed)"
            ),
            EncodeError::MessageTooLong { len } => write!(
                f,
                "an event-stream message of {len} bytes is longer than a 32-bit length can say"
            ),
            EncodeError::EventNotAnObject => f.write_str(
                "Bedrock invocation metrics can only be added to an event that is a JSON object",
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for EncodeError {}

/// Appends one message with `headers` (in this order) and `payload` to `out`; returns the
/// number of bytes appended.
///
/// Every value type is encoded as the specification says; a [`HeaderValue::Bool`] becomes type
/// `0` or `1`. On error nothing is appended.
///
/// ```
/// use llm_sse_core::eventstream::{encode, Header, HeaderValue};
///
/// let mut out = Vec::new();
/// let n = encode(&[Header::new("n", HeaderValue::Byte(7))], b"hi", &mut out)?;
/// assert_eq!(n, 16 + 4 + 2); // framing, the header (1 + 1 + 1 + 1 bytes), the payload
/// assert_eq!(&out[..8], [0, 0, 0, 22, 0, 0, 0, 4]); // total length, headers length
/// assert_eq!(&out[12..18], [1, b'n', 2, 7, b'h', b'i']);
/// # Ok::<(), llm_sse_core::eventstream::EncodeError>(())
/// ```
pub fn encode(
    headers: &[Header<'_>],
    payload: &[u8],
    out: &mut Vec<u8>,
) -> Result<usize, EncodeError> {
    let mut headers_len = 0usize;
    for (index, header) in headers.iter().enumerate() {
        headers_len = headers_len.saturating_add(header_len(index, header)?);
    }
    let total = OVERHEAD
        .saturating_add(headers_len)
        .saturating_add(payload.len());
    let (Ok(total_len), Ok(headers_len_u32)) = (u32::try_from(total), u32::try_from(headers_len))
    else {
        return Err(EncodeError::MessageTooLong { len: total });
    };
    out.reserve(total);
    let start = out.len();
    out.extend_from_slice(&total_len.to_be_bytes());
    out.extend_from_slice(&headers_len_u32.to_be_bytes());
    let mut crc = crc32fast::Hasher::new();
    crc.update(&out[start..]);
    out.extend_from_slice(&crc.clone().finalize().to_be_bytes());
    for header in headers {
        write_header(header, out);
    }
    out.extend_from_slice(payload);
    // The message checksum continues from the prelude's 8 bytes.
    crc.update(&out[start + 8..]);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
    debug_assert_eq!(out.len() - start, total);
    debug_assert_eq!(PRELUDE_LEN + headers_len + payload.len() + CRC_LEN, total);
    Ok(total)
}

/// The encoded length of `header`, after checking that it can be encoded.
fn header_len(index: usize, header: &Header<'_>) -> Result<usize, EncodeError> {
    let name_len = header.name.len();
    if name_len == 0 || name_len > MAX_NAME_LEN {
        return Err(EncodeError::HeaderNameLength {
            index,
            len: name_len,
        });
    }
    let value_len = match header.value {
        HeaderValue::Bool(_) => 0,
        HeaderValue::Byte(_) => 1,
        HeaderValue::Short(_) => 2,
        HeaderValue::Integer(_) => 4,
        HeaderValue::Long(_) | HeaderValue::Timestamp(_) => 8,
        HeaderValue::Uuid(_) => 16,
        HeaderValue::ByteArray(bytes) => 2 + checked_value_len(index, bytes.len())?,
        HeaderValue::String(text) => 2 + checked_value_len(index, text.len())?,
    };
    Ok(1 + name_len + 1 + value_len)
}

fn checked_value_len(index: usize, len: usize) -> Result<usize, EncodeError> {
    if len > MAX_VALUE_LEN {
        return Err(EncodeError::HeaderValueTooLong { index, len });
    }
    Ok(len)
}

/// Writes a header that [`header_len`] accepted.
fn write_header(header: &Header<'_>, out: &mut Vec<u8>) {
    // Checked by `header_len`: 1 to 255 bytes.
    out.push(header.name.len() as u8);
    out.extend_from_slice(header.name.as_bytes());
    out.push(header.value.type_code());
    match header.value {
        HeaderValue::Bool(_) => {}
        HeaderValue::Byte(v) => out.extend_from_slice(&v.to_be_bytes()),
        HeaderValue::Short(v) => out.extend_from_slice(&v.to_be_bytes()),
        HeaderValue::Integer(v) => out.extend_from_slice(&v.to_be_bytes()),
        HeaderValue::Long(v) | HeaderValue::Timestamp(v) => out.extend_from_slice(&v.to_be_bytes()),
        HeaderValue::Uuid(bytes) => out.extend_from_slice(&bytes),
        HeaderValue::ByteArray(bytes) => write_sized(bytes, out),
        HeaderValue::String(text) => write_sized(text.as_bytes(), out),
    }
}

/// A `u16` length (checked by `header_len`: at most 32,767) and the bytes.
fn write_sized(bytes: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
    out.extend_from_slice(bytes);
}
