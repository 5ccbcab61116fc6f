//! Property tests for the HTTP/1.1 response reader (`http1`), against a naive chunked encoder
//! and a framing oracle written from RFC 9112:
//! - any body, chunked-encoded with random chunk sizes (upper- and lower-case hex, leading
//!   zeros, chunk extensions, trailer fields, CRLF or bare LF line ends), read in random pieces
//!   the way a reader with a buffer reads (unused bytes stay, more are appended), decodes to
//!   exactly the body, ends with `Piece::End`, and leaves the next response's head unused;
//! - the same for a body framed by `Content-Length`;
//! - a chunked body cut anywhere before its end is `Incomplete`, with exactly the body bytes
//!   that lay before the cut;
//! - arbitrary bytes, as a chunked body or as a response head, never panic, keep the
//!   decoder's promises about ranges and bytes used, and give the one-shot result in any split;
//! - a generated head parses whole, with the framing RFC 9112 section 6.3 gives it, and every
//!   proper prefix of it is `Ok(None)`;
//! - the same head as a request (`parse_request_head`) parses with the framing section 6.3
//!   gives a request, or is refused where a server must not guess (section 6.1).

use std::ops::Range;

use llm_sse_core::http1::{
    BodyDecoder, BodyKind, Http1Error, MAX_HEAD_BYTES, Piece, parse_request_head,
    parse_response_head,
};
use proptest::prelude::*;

/// A next response on the same connection, appended after a body: it must be left unused.
const NEXT_HEAD: &[u8] = b"HTTP/1.1 204 No Content\r\nx-next: 1\r\n\r\n";

// ---- The reader: a buffer, unused bytes kept, more appended ----

/// How a body read ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ending {
    /// `Piece::End`: the bytes after the body, unused (what is buffered and what is unread).
    End { unused: Vec<u8> },
    /// The input ran out first: what `eof` said.
    Closed(Result<(), Http1Error>),
    /// `decode` failed.
    Failed(Http1Error),
}

/// What a body read produced.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    data: Vec<u8>,
    ending: Ending,
    received: u64,
}

/// One call of `decode`, with the promises every call keeps checked: a data range lies inside
/// the bytes used (and is not empty), the bytes used lie inside the input, `NeedMore` uses all
/// of it, `End` means done (and stays so), and an error is sticky.
fn decode_checked(decoder: &mut BodyDecoder, input: &[u8]) -> Result<(usize, Piece), Http1Error> {
    let result = decoder.decode(input);
    match &result {
        Ok((used, piece)) => {
            assert!(*used <= input.len(), "used {used} of {} bytes", input.len());
            match piece {
                Piece::Data(range) => {
                    assert!(
                        range.start < range.end && range.end <= *used,
                        "data {range:?}, {used} bytes used"
                    );
                }
                Piece::NeedMore => {
                    assert_eq!(*used, input.len(), "NeedMore leaves bytes unused");
                    assert!(!decoder.is_done());
                }
                Piece::End => {
                    assert!(decoder.is_done());
                    assert_eq!(decoder.eof(), Ok(()));
                    assert_eq!(decoder.clone().decode(&input[*used..]), Ok((0, Piece::End)));
                }
            }
        }
        Err(error) => {
            assert_eq!(
                &decoder.clone().decode(input),
                &Err(error.clone()),
                "not sticky"
            );
            assert_eq!(
                &decoder.clone().decode(b""),
                &Err(error.clone()),
                "not sticky"
            );
            assert!(!decoder.is_done());
        }
    }
    result
}

/// Reads a body of kind `kind` from `bytes`, appended to the reader's buffer in pieces of
/// `sizes` in turn (an empty buffer is decoded first, as a reader may).
fn read_body(kind: BodyKind, bytes: &[u8], sizes: &[usize]) -> Outcome {
    let mut decoder = BodyDecoder::new(kind);
    let mut pending: Vec<u8> = Vec::new();
    let mut data = Vec::new();
    let mut fed = 0;
    let mut turn = 0;
    let ending = loop {
        let (used, piece) = match decode_checked(&mut decoder, &pending) {
            Ok(step) => step,
            Err(error) => break Ending::Failed(error),
        };
        match piece {
            Piece::Data(range) => data.extend_from_slice(&pending[range]),
            Piece::End => {
                let mut unused = pending[used..].to_vec();
                unused.extend_from_slice(&bytes[fed..]);
                break Ending::End { unused };
            }
            Piece::NeedMore => {
                if fed == bytes.len() {
                    break Ending::Closed(decoder.eof());
                }
                let size = sizes.get(turn % sizes.len().max(1)).copied().unwrap_or(1);
                let next = (fed + size.max(1)).min(bytes.len());
                turn += 1;
                pending.drain(..used);
                pending.extend_from_slice(&bytes[fed..next]);
                fed = next;
                continue;
            }
        }
        pending.drain(..used);
    };
    assert_eq!(
        decoder.received(),
        data.len() as u64,
        "received() is the data handed out"
    );
    Outcome {
        data,
        ending,
        received: decoder.received(),
    }
}

// ---- A naive chunked encoder (RFC 9112, section 7.1) ----

/// How one chunk-size line (and the line end after its data) is written.
#[derive(Debug, Clone)]
struct LineStyle {
    /// Bit `i` set: the `i`-th hex digit is upper case.
    case_mask: u32,
    leading_zeros: usize,
    /// Chunk extensions, with any whitespace before them (`;a=b`, ` ;x="y z"`).
    extension: String,
    eol: &'static str,
}

/// A chunked encoding, and where the body's bytes lie in it.
#[derive(Clone)]
struct Chunked {
    bytes: Vec<u8>,
    data: Vec<Range<usize>>,
}

impl std::fmt::Debug for Chunked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "b\"{}\" (data at {:?})",
            self.bytes.escape_ascii(),
            self.data
        )
    }
}

impl Chunked {
    /// How many body bytes lie before `at`.
    fn data_before(&self, at: usize) -> u64 {
        self.data
            .iter()
            .map(|r| r.end.min(at).saturating_sub(r.start) as u64)
            .sum()
    }
}

fn hex_size(size: usize, style: &LineStyle) -> String {
    let mut digits = "0".repeat(style.leading_zeros);
    digits.push_str(&format!("{size:x}"));
    digits
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if style.case_mask >> (i % 32) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

/// `body` in chunks of `sizes` in turn (at least 1 byte), with the lines written as `styles`
/// say in turn, the last chunk as `last` says, then the trailer fields and the final line end.
fn encode_chunked(
    body: &[u8],
    sizes: &[usize],
    styles: &[LineStyle],
    last: &LineStyle,
    trailers: &[(String, String)],
) -> Chunked {
    let mut out = Chunked {
        bytes: Vec::new(),
        data: Vec::new(),
    };
    let mut rest = body;
    let mut i = 0;
    while !rest.is_empty() {
        let size = sizes[i % sizes.len()].clamp(1, rest.len());
        let style = &styles[i % styles.len()];
        let line = format!("{}{}{}", hex_size(size, style), style.extension, style.eol);
        out.bytes.extend_from_slice(line.as_bytes());
        let start = out.bytes.len();
        out.bytes.extend_from_slice(&rest[..size]);
        out.data.push(start..out.bytes.len());
        out.bytes.extend_from_slice(style.eol.as_bytes());
        rest = &rest[size..];
        i += 1;
    }
    let line = format!("{}{}{}", hex_size(0, last), last.extension, last.eol);
    out.bytes.extend_from_slice(line.as_bytes());
    for (name, value) in trailers {
        out.bytes
            .extend_from_slice(format!("{name}: {value}{}", last.eol).as_bytes());
    }
    out.bytes.extend_from_slice(last.eol.as_bytes());
    out
}

// ---- Generators ----

fn eol() -> impl Strategy<Value = &'static str> {
    prop_oneof![4 => Just("\r\n"), 1 => Just("\n")]
}

/// Chunk extensions (RFC 9112, section 7.1.1): `;name`, `;name=token`, `;name="quoted"`, with
/// optional whitespace before each semicolon.
fn extension() -> impl Strategy<Value = String> {
    let one = (
        prop_oneof![Just(""), Just(" "), Just("\t ")],
        "[a-zA-Z][a-zA-Z0-9-]{0,6}",
        prop_oneof![
            Just(String::new()),
            "[a-zA-Z0-9!#$%&'*+.^_`|~-]{1,8}".prop_map(|token| format!("={token}")),
            // qdtext and quoted pairs.
            "([ \t!#-\\[\\]-~]|\\\\[\"\\\\]){0,10}".prop_map(|text| format!("=\"{text}\"")),
        ],
    )
        .prop_map(|(space, name, value)| format!("{space};{name}{value}"));
    prop_oneof![
        2 => Just(String::new()),
        2 => one.clone(),
        1 => prop::collection::vec(one, 2..4).prop_map(|all| all.concat()),
    ]
}

fn line_style() -> impl Strategy<Value = LineStyle> {
    (any::<u32>(), 0usize..4, extension(), eol()).prop_map(
        |(case_mask, leading_zeros, extension, eol)| LineStyle {
            case_mask,
            leading_zeros,
            extension,
            eol,
        },
    )
}

fn trailers() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(
        ("[xX]-[a-zA-Z0-9-]{1,10}", "([!-~]([ \t!-~]{0,16}[!-~])?)?"),
        0..3,
    )
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        // Bytes that look like framing.
        prop::collection::vec(prop::sample::select(b"0aF;\r\n \"".to_vec()), 0..100),
    ]
}

/// Sizes of the pieces the reader appends (and of chunks).
fn sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(prop_oneof![1usize..4, 1usize..64, 100usize..400], 1..6)
}

fn chunked() -> impl Strategy<Value = (Vec<u8>, Chunked)> {
    (
        body(),
        sizes(),
        prop::collection::vec(line_style(), 1..4),
        line_style(),
        trailers(),
    )
        .prop_map(|(body, sizes, styles, last, trailers)| {
            let encoding = encode_chunked(&body, &sizes, &styles, &last, &trailers);
            (body, encoding)
        })
}

/// Bytes that are mostly chunked framing, so that the decoder's states are all reached.
fn framing_noise() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(b"0123456789abcdefABCDEF;= \t\r\n\"xz:".to_vec()),
            1 => any::<u8>(),
        ],
        0..200,
    )
}

// ---- Response heads and the framing oracle (RFC 9112, section 6.3) ----

/// How a generated head frames its body.
#[derive(Debug, Clone)]
enum Framing {
    /// `Content-Length: n`: written as `n` (with leading zeros), `n, n`, or on two lines.
    Length { n: u64, zeros: usize, form: u8 },
    /// `Transfer-Encoding` with these codings (over one or two lines; none: an empty field),
    /// and perhaps a `Content-Length` too.
    Codings {
        codings: Vec<&'static str>,
        two_lines: bool,
        length: Option<u64>,
    },
    /// Neither field.
    Neither,
    /// A `Content-Length` that is not one decimal number (RFC 9112, section 6.3, item 5).
    BadLength(&'static str),
}

#[derive(Debug, Clone)]
struct HeadSpec {
    minor: u8,
    status: u16,
    reason: String,
    /// Other fields: name, value, whitespace around the value.
    fields: Vec<(String, String, &'static str)>,
    framing: Framing,
    /// Name spellings for the framing fields (`content-length`, `transfer-encoding`).
    name_case: u32,
    /// `Connection` field value, if any.
    connection: Option<&'static str>,
    /// Where the framing and connection lines go among the others.
    positions: (usize, usize),
    eol: &'static str,
}

/// `name` with the letters whose bit is set in `mask` upper-cased.
fn spelled(name: &str, mask: u32) -> String {
    name.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask >> (i % 32) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

impl HeadSpec {
    /// The field lines in order: name, value as written, value as a parser should give it.
    fn lines(&self) -> Vec<(String, String)> {
        let mut lines: Vec<(String, String)> = self
            .fields
            .iter()
            .map(|(name, value, ows)| (name.clone(), format!("{ows}{value}{ows}")))
            .collect();
        let length_name = spelled("content-length", self.name_case);
        let coding_name = spelled("transfer-encoding", self.name_case.rotate_left(7));
        let mut framing = Vec::new();
        match &self.framing {
            Framing::Length { n, zeros, form } => {
                let digits = format!("{}{n}", "0".repeat(*zeros));
                match form % 3 {
                    0 => framing.push((length_name, digits)),
                    1 => framing.push((length_name, format!("{digits}, {n}"))),
                    _ => {
                        framing.push((length_name.clone(), digits));
                        framing.push((length_name, n.to_string()));
                    }
                }
            }
            Framing::Codings {
                codings,
                two_lines,
                length,
            } => {
                if *two_lines && codings.len() > 1 {
                    let (first, second) = codings.split_at(1);
                    framing.push((coding_name.clone(), first.join(", ")));
                    framing.push((coding_name, second.join(",")));
                } else {
                    framing.push((coding_name, codings.join(", ")));
                }
                if let Some(n) = length {
                    framing.push((length_name, n.to_string()));
                }
            }
            Framing::Neither => {}
            Framing::BadLength(value) => framing.push((length_name, String::from(*value))),
        }
        let at = self.positions.0 % (lines.len() + 1);
        lines.splice(at..at, framing);
        if let Some(options) = self.connection {
            let at = self.positions.1 % (lines.len() + 1);
            lines.insert(at, (String::from("Connection"), String::from(options)));
        }
        lines
    }

    fn text(&self) -> Vec<u8> {
        let mut text = format!(
            "HTTP/1.{} {} {}{}",
            self.minor, self.status, self.reason, self.eol
        );
        for (name, value) in self.lines() {
            text.push_str(&format!("{name}:{value}{}", self.eol));
        }
        text.push_str(self.eol);
        text.into_bytes()
    }

    /// The framing RFC 9112, section 6.3 gives this response (to a request that is not
    /// `HEAD` or `CONNECT`), and whether the connection may carry another request after it.
    fn expected(&self) -> Result<(BodyKind, bool), Http1Error> {
        // 5. An invalid Content-Length is an unrecoverable error (whatever the status: the
        //    field is invalid).
        if let Framing::BadLength(_) = self.framing {
            return Err(Http1Error::InvalidContentLength);
        }
        let close_option = self
            .connection
            .is_some_and(|options| options.to_ascii_lowercase().contains("close"));
        // 1. 1xx, 204 and 304 responses end at their head.
        if (100..200).contains(&self.status) || self.status == 204 || self.status == 304 {
            return Ok((BodyKind::Empty, self.minor == 1 && !close_option));
        }
        let (body, smuggling) = match &self.framing {
            // 3. Transfer-Encoding overrides Content-Length; chunked only as the final coding,
            //    else (an empty field included) the body lasts until the connection closes.
            Framing::Codings {
                codings, length, ..
            } => {
                let body = if codings.last() == Some(&"chunked") {
                    BodyKind::Chunked
                } else {
                    BodyKind::UntilClose
                };
                (body, length.is_some())
            }
            // 6. A valid Content-Length.
            Framing::Length { n, .. } => (BodyKind::Length(*n), false),
            // 8. Neither: until the connection closes.
            Framing::Neither => (BodyKind::UntilClose, false),
            Framing::BadLength(_) => unreachable!("handled above"),
        };
        // The `keep_alive` rule as documented: HTTP/1.1, no `close` option, a body whose end
        // is known, and (after a possible smuggling attempt) not again.
        let keep_alive =
            self.minor == 1 && !close_option && body != BodyKind::UntilClose && !smuggling;
        Ok((body, keep_alive))
    }
}

impl HeadSpec {
    /// The field lines as a parser should give them: names as written, values without the
    /// whitespace around them.
    fn parsed_fields(&self) -> Vec<(String, Vec<u8>)> {
        self.lines()
            .into_iter()
            .map(|(name, value)| (name, value.trim_matches([' ', '\t']).as_bytes().to_vec()))
            .collect()
    }

    /// The same fields under a request line.
    fn request_text(&self, method: &str, target: &str) -> Vec<u8> {
        let mut text = format!("{method} {target} HTTP/1.{}{}", self.minor, self.eol);
        for (name, value) in self.lines() {
            text.push_str(&format!("{name}:{value}{}", self.eol));
        }
        text.push_str(self.eol);
        text.into_bytes()
    }

    /// The framing RFC 9112 gives this head as a request, and whether the client lets the
    /// connection carry another request: no body unless one is declared (section 6.3, item
    /// 7), and a refusal where the body could be read two ways or not at all (section 6.1:
    /// a server may refuse Transfer-Encoding with Content-Length, must refuse a final coding
    /// other than chunked, and an HTTP/1.0 request with Transfer-Encoding is suspect).
    fn expected_request(&self) -> Result<(BodyKind, bool), Http1Error> {
        let options = self.connection.unwrap_or("").to_ascii_lowercase();
        let has = |option: &str| options.split(',').any(|o| o.trim() == option);
        let keep_alive = !has("close") && (self.minor == 1 || has("keep-alive"));
        let body = match &self.framing {
            Framing::BadLength(_) => return Err(Http1Error::InvalidContentLength),
            Framing::Codings { codings, .. } if codings.is_empty() => {
                return Err(Http1Error::InvalidHead("empty transfer-encoding"));
            }
            Framing::Codings { .. } if self.minor == 0 => {
                return Err(Http1Error::InvalidHead(
                    "transfer-encoding in an HTTP/1.0 request",
                ));
            }
            Framing::Codings {
                length: Some(_), ..
            } => {
                return Err(Http1Error::InvalidHead(
                    "both transfer-encoding and content-length",
                ));
            }
            Framing::Codings { codings, .. } if codings.last() == Some(&"chunked") => {
                BodyKind::Chunked
            }
            Framing::Codings { .. } => {
                return Err(Http1Error::InvalidHead(
                    "transfer coding other than chunked",
                ));
            }
            Framing::Length { n: 0, .. } | Framing::Neither => BodyKind::Empty,
            Framing::Length { n, .. } => BodyKind::Length(*n),
        };
        Ok((body, keep_alive))
    }
}

fn head_spec() -> impl Strategy<Value = HeadSpec> {
    let field = (
        prop_oneof![
            prop::sample::select(vec![
                "Content-Type",
                "cache-control",
                "Server",
                "date",
                "x-request-id",
                "Set-Cookie"
            ])
            .prop_map(String::from),
            "[xX]-[a-zA-Z0-9!#$%&'*+.^_`|~-]{1,12}",
        ],
        "([!-~\\x{80}-\\x{ff}]([ \t!-~]{0,24}[!-~])?)?",
        prop_oneof![Just(""), Just(" "), Just(" \t")],
    );
    let framing = prop_oneof![
        (0u64..100_000, 0usize..3, any::<u8>()).prop_map(|(n, zeros, form)| Framing::Length {
            n,
            zeros,
            form
        }),
        (
            prop::collection::vec(prop::sample::select(vec!["gzip", "deflate", "br"]), 0..3),
            prop::bool::weighted(0.8),
            any::<bool>(),
            prop::option::weighted(0.2, 0u64..1000),
            prop::bool::weighted(0.05),
        )
            .prop_map(|(mut codings, chunked, two_lines, length, empty)| {
                if empty {
                    // A field with no coding in it.
                    codings.clear();
                } else if chunked || codings.is_empty() {
                    codings.push("chunked");
                }
                Framing::Codings {
                    codings,
                    two_lines,
                    length,
                }
            }),
        Just(Framing::Neither),
        prop::sample::select(vec![
            "",
            ",",
            " , ",
            "-1",
            "+1",
            "0x10",
            "1 2",
            "1, 2",
            "1.0",
            "99999999999999999999"
        ])
        .prop_map(Framing::BadLength),
    ];
    (
        prop_oneof![4 => Just(1u8), 1 => Just(0u8)],
        prop_oneof![
            8 => (200u16..600).prop_filter("no body", |s| *s != 204 && *s != 304),
            1 => prop::sample::select(vec![100u16, 102, 103, 204, 304]),
        ],
        "[ \t!-~]{0,20}",
        prop::collection::vec(field, 0..6),
        framing,
        any::<u32>(),
        prop::option::of(prop::sample::select(vec![
            "close",
            "Close",
            "keep-alive",
            "keep-alive, close",
            "TE, Keep-Alive",
        ])),
        (any::<usize>(), any::<usize>()),
        prop_oneof![4 => Just("\r\n"), 1 => Just("\n")],
    )
        .prop_map(
            |(minor, status, reason, fields, framing, name_case, connection, positions, eol)| {
                HeadSpec {
                    minor,
                    status,
                    reason,
                    fields,
                    framing,
                    name_case,
                    connection,
                    positions,
                    eol,
                }
            },
        )
}

/// Bytes that start like a response head and go on with head-like noise.
fn head_noise() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(vec![
            &b""[..],
            b"HTTP/1.1 200 OK\r\n",
            b"HTTP/1.0 101 x\r\n",
            b"HTTP/1.1 304 \r\ncontent-length: 3\r\n",
        ]),
        prop::collection::vec(
            prop_oneof![
                4 => prop::sample::select(
                    b"HTTP/1. 0123456789:,;\r\n\t-content-lengthtransfer-encodingchunkedclose"
                        .to_vec()
                ),
                1 => any::<u8>(),
            ],
            0..200,
        ),
    )
        .prop_map(|(start, noise)| [start, &noise[..]].concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// A chunked body read in any pieces is exactly the body, then `End`, with the next
    /// response's head left unused.
    #[test]
    fn chunked_bodies_decode_in_any_pieces((body, encoding) in chunked(), pieces in sizes()) {
        let mut bytes = encoding.bytes.clone();
        bytes.extend_from_slice(NEXT_HEAD);
        let expected = Outcome {
            data: body.clone(),
            ending: Ending::End { unused: NEXT_HEAD.to_vec() },
            received: body.len() as u64,
        };
        prop_assert_eq!(&read_body(BodyKind::Chunked, &bytes, &pieces), &expected);
        prop_assert_eq!(&read_body(BodyKind::Chunked, &bytes, &[bytes.len()]), &expected);
        prop_assert_eq!(&read_body(BodyKind::Chunked, &bytes, &[1]), &expected);
        let (head, used) = parse_response_head(NEXT_HEAD).unwrap().unwrap();
        prop_assert_eq!((head.status, used), (204, NEXT_HEAD.len()));
    }

    /// A body framed by `Content-Length` read in any pieces is exactly the body, then `End`,
    /// with the next response's head left unused.
    #[test]
    fn length_bodies_decode_in_any_pieces(body in body(), pieces in sizes()) {
        let mut bytes = body.clone();
        bytes.extend_from_slice(NEXT_HEAD);
        let expected = Outcome {
            data: body.clone(),
            ending: Ending::End { unused: NEXT_HEAD.to_vec() },
            received: body.len() as u64,
        };
        let kind = BodyKind::Length(body.len() as u64);
        prop_assert_eq!(&read_body(kind, &bytes, &pieces), &expected);
        prop_assert_eq!(&read_body(kind, &bytes, &[1]), &expected);
        // Cut before its end: incomplete, with what arrived.
        for cut in 0..body.len() {
            let outcome = read_body(kind, &body[..cut], &pieces);
            prop_assert_eq!(outcome.ending, Ending::Closed(Err(Http1Error::Incomplete { received: cut as u64 })));
            prop_assert_eq!(&outcome.data[..], &body[..cut]);
        }
    }

    /// A chunked body cut anywhere before its end is `Incomplete`, having handed out exactly
    /// the body bytes before the cut.
    #[test]
    fn cut_chunked_bodies_are_incomplete((body, encoding) in chunked(), pieces in sizes()) {
        for cut in 0..encoding.bytes.len() {
            let before = encoding.data_before(cut);
            let expected = Outcome {
                data: body[..before as usize].to_vec(),
                ending: Ending::Closed(Err(Http1Error::Incomplete { received: before })),
                received: before,
            };
            prop_assert_eq!(&read_body(BodyKind::Chunked, &encoding.bytes[..cut], &pieces), &expected, "cut at {}", cut);
        }
    }

    /// Arbitrary bytes as a chunked body: no panic, the promises of every `decode` call kept
    /// (`decode_checked`), and any pieces give the one-shot result.
    #[test]
    fn arbitrary_chunked_bytes_are_safe(
        prefix in prop::option::of(chunked()),
        noise in framing_noise(),
        pieces in sizes(),
    ) {
        // Sometimes after a valid start, so that the noise lands in every state.
        let mut bytes = prefix.map(|(_, encoding)| {
            let keep = encoding.bytes.len().saturating_sub(noise.len() % 7);
            encoding.bytes[..keep].to_vec()
        }).unwrap_or_default();
        bytes.extend_from_slice(&noise);
        let whole = read_body(BodyKind::Chunked, &bytes, &[bytes.len()]);
        prop_assert_eq!(&read_body(BodyKind::Chunked, &bytes, &pieces), &whole);
        prop_assert_eq!(&read_body(BodyKind::Chunked, &bytes, &[1]), &whole);
        for kind in [BodyKind::UntilClose, BodyKind::Length(noise.len() as u64 / 2), BodyKind::Empty] {
            let outcome = read_body(kind, &bytes, &pieces);
            prop_assert_eq!(&outcome, &read_body(kind, &bytes, &[bytes.len()]));
        }
    }

    /// Arbitrary bytes as a response head: no panic; a head found is found the same with more
    /// bytes after it and in its own bytes; `Ok(None)` only while shorter than the limit.
    #[test]
    fn arbitrary_heads_are_safe(bytes in head_noise(), extra in prop::collection::vec(any::<u8>(), 0..20)) {
        match parse_response_head(&bytes) {
            Ok(Some((head, used))) => {
                prop_assert!(used <= bytes.len());
                prop_assert_eq!(parse_response_head(&bytes[..used]), Ok(Some((head.clone(), used))));
                let more = [&bytes[..], &extra[..]].concat();
                prop_assert_eq!(parse_response_head(&more), Ok(Some((head.clone(), used))));
                prop_assert!(!head.keep_alive || (head.minor_version == 1 && head.body != BodyKind::UntilClose));
                prop_assert!(head.minor_version <= 1);
            }
            Ok(None) => prop_assert!(bytes.len() < MAX_HEAD_BYTES),
            Err(_) => {}
        }
    }

    /// A generated head parses whole, with its fields in order and the framing RFC 9112,
    /// section 6.3 gives it; every proper prefix is `Ok(None)`; the body after it is not
    /// part of it.
    #[test]
    fn generated_heads_parse_with_their_framing(spec in head_spec(), tail in body()) {
        let text = spec.text();
        for end in 0..text.len() {
            prop_assert_eq!(parse_response_head(&text[..end]), Ok(None), "prefix of {} bytes", end);
        }
        let expected = match spec.expected() {
            Ok(framing) => framing,
            Err(error) => {
                prop_assert_eq!(parse_response_head(&text), Err(error));
                return Ok(());
            }
        };
        let (head, used) = parse_response_head(&text).unwrap().expect("a whole head");
        prop_assert_eq!(used, text.len());
        prop_assert_eq!(head.status, spec.status);
        prop_assert_eq!(head.minor_version, spec.minor);
        prop_assert_eq!(&head.headers, &spec.parsed_fields());
        prop_assert_eq!((head.body, head.keep_alive), expected);
        let with_body = [&text[..], &tail[..]].concat();
        prop_assert_eq!(parse_response_head(&with_body), Ok(Some((head, used))));
    }

    /// The same heads as requests: parsed whole with their method, target, fields in order
    /// and a request's framing, or refused as a server must; every proper prefix is
    /// `Ok(None)`; the body after the head is not part of it.
    #[test]
    fn generated_request_heads_parse_with_a_requests_framing(
        spec in head_spec(),
        method in prop::sample::select(vec!["GET", "POST", "PUT", "OPTIONS"]),
        target in "/[a-z0-9/._~-]{0,16}(\\?[a-z0-9=&]{0,12})?",
        tail in body(),
    ) {
        let text = spec.request_text(method, &target);
        for end in 0..text.len() {
            prop_assert_eq!(parse_request_head(&text[..end], MAX_HEAD_BYTES), Ok(None), "prefix of {} bytes", end);
        }
        let expected = match spec.expected_request() {
            Ok(framing) => framing,
            Err(error) => {
                prop_assert_eq!(parse_request_head(&text, MAX_HEAD_BYTES), Err(error));
                return Ok(());
            }
        };
        let (head, used) = parse_request_head(&text, MAX_HEAD_BYTES).unwrap().expect("a whole head");
        prop_assert_eq!(used, text.len());
        prop_assert_eq!(head.method.as_str(), method);
        prop_assert_eq!(&head.target, &target);
        prop_assert_eq!(head.minor_version, spec.minor);
        prop_assert_eq!(&head.headers, &spec.parsed_fields());
        prop_assert_eq!((head.body, head.keep_alive), expected);
        prop_assert!(!head.expect_continue);
        let with_body = [&text[..], &tail[..]].concat();
        prop_assert_eq!(parse_request_head(&with_body, MAX_HEAD_BYTES), Ok(Some((head, used))));
    }
}
