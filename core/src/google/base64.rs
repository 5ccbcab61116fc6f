//! The two base64 flavours the credentials need: URL-safe without padding for the JWT
//! (RFC 7515, section 2), and the standard alphabet with padding for a PEM body (RFC 7468).

use alloc::string::String;
use alloc::vec::Vec;

const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Appends `bytes` to `out` as base64url without padding.
pub(crate) fn encode_url_safe_into(bytes: &[u8], out: &mut String) {
    out.reserve(bytes.len().div_ceil(3) * 4);
    let mut chunks = bytes.chunks_exact(3);
    for chunk in &mut chunks {
        let n = u32::from(chunk[0]) << 16 | u32::from(chunk[1]) << 8 | u32::from(chunk[2]);
        for shift in [18, 12, 6, 0] {
            out.push(char::from(URL_SAFE[(n >> shift & 0x3f) as usize]));
        }
    }
    match *chunks.remainder() {
        [a] => {
            let n = u32::from(a) << 16;
            out.push(char::from(URL_SAFE[(n >> 18 & 0x3f) as usize]));
            out.push(char::from(URL_SAFE[(n >> 12 & 0x3f) as usize]));
        }
        [a, b] => {
            let n = u32::from(a) << 16 | u32::from(b) << 8;
            out.push(char::from(URL_SAFE[(n >> 18 & 0x3f) as usize]));
            out.push(char::from(URL_SAFE[(n >> 12 & 0x3f) as usize]));
            out.push(char::from(URL_SAFE[(n >> 6 & 0x3f) as usize]));
        }
        _ => {}
    }
}

/// `bytes` as base64url without padding.
#[cfg(test)]
pub(crate) fn encode_url_safe(bytes: &[u8]) -> String {
    let mut out = String::new();
    encode_url_safe_into(bytes, &mut out);
    out
}

/// The value of one character of the standard alphabet.
fn standard_value(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

/// Decodes URL-safe base64 without padding (a JWT's parts): `None` for anything else (a
/// character outside `A-Z a-z 0-9 - _`, padding, whitespace, a length of 1 modulo 4).
pub(crate) fn decode_url_safe(text: &str) -> Option<Vec<u8>> {
    if text.len() % 4 == 1 {
        return None;
    }
    let mut standard = String::with_capacity(text.len() + 3);
    for c in text.chars() {
        standard.push(match c {
            '-' => '+',
            '_' => '/',
            'A'..='Z' | 'a'..='z' | '0'..='9' => c,
            _ => return None,
        });
    }
    while standard.len() % 4 != 0 {
        standard.push('=');
    }
    decode_standard(&standard)
}

/// Decodes standard base64 with padding, skipping ASCII whitespace (a PEM body's line ends).
///
/// `None` for a character outside the alphabet, padding anywhere but at the end, or a length
/// (without whitespace) that is not a multiple of 4.
pub(crate) fn decode_standard(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut group = 0u32;
    let mut in_group = 0u8;
    let mut padding = 0u8;
    for &c in text.as_bytes() {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            // Padding fills the last one or two places of the last group.
            if in_group < 2 {
                return None;
            }
            padding += 1;
            group <<= 6;
            in_group += 1;
        } else {
            if padding > 0 {
                return None;
            }
            group = group << 6 | standard_value(c)?;
            in_group += 1;
        }
        if in_group == 4 {
            let bytes = [(group >> 16) as u8, (group >> 8) as u8, group as u8];
            out.extend_from_slice(&bytes[..3 - usize::from(padding)]);
            if padding > 0 {
                // Nothing may follow a padded group (whitespace aside).
                in_group = 5;
            } else {
                group = 0;
                in_group = 0;
            }
        } else if in_group > 4 {
            return None;
        }
    }
    match in_group {
        0 | 5 => Some(out),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4648, section 10, test vectors (standard alphabet, with padding).
    const RFC4648: [(&str, &str); 7] = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];

    #[test]
    fn rfc4648_vectors_decode() {
        for (plain, encoded) in RFC4648 {
            assert_eq!(
                decode_standard(encoded).as_deref(),
                Some(plain.as_bytes()),
                "{encoded}"
            );
        }
    }

    #[test]
    fn rfc4648_vectors_encode_url_safe_without_padding() {
        for (plain, encoded) in RFC4648 {
            assert_eq!(
                encode_url_safe(plain.as_bytes()),
                encoded.trim_end_matches('='),
                "{plain}"
            );
        }
    }

    #[test]
    fn url_safe_alphabet_is_used() {
        // 0xfb 0xff: `+/` in the standard alphabet, `-_` in the URL-safe one.
        assert_eq!(encode_url_safe(&[0xfb, 0xff, 0xbf]), "-_-_");
        assert_eq!(decode_standard("+/+/"), Some(vec![0xfb, 0xff, 0xbf]));
    }

    #[test]
    fn whitespace_is_skipped() {
        assert_eq!(
            decode_standard("Zm9v\nYmFy\r\n").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(decode_standard(" Zg= =\n").as_deref(), Some(&b"f"[..]));
    }

    #[test]
    fn malformed_input_is_refused() {
        for bad in [
            "Zg", "Zg=", "Z===", "=Zg=", "Zg==Zg==", "Zm9v-_==", "Zm9v!", "Zm9vY", "Zg==\nZ",
        ] {
            assert_eq!(decode_standard(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn every_byte_value_round_trips() {
        let bytes: Vec<u8> = (0..=255).collect();
        for len in 0..bytes.len() {
            let url_safe = encode_url_safe(&bytes[..len]);
            let mut standard: String = url_safe
                .chars()
                .map(|c| match c {
                    '-' => '+',
                    '_' => '/',
                    c => c,
                })
                .collect();
            while standard.len() % 4 != 0 {
                standard.push('=');
            }
            assert_eq!(decode_standard(&standard).as_deref(), Some(&bytes[..len]));
        }
    }
}
