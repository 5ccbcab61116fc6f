//! The control prefix of the parser and decoder targets' inputs: chunk sizes and flags.

use alloc::vec::Vec;

/// Split points read from the control prefix of a fuzz input.
pub(super) struct Split<'a> {
    sizes: &'a [u8],
    /// Control flag: end a decoder run with `fail` instead of `finish`.
    pub(super) fail_at_end: bool,
}

impl<'a> Split<'a> {
    /// Separates the control prefix from the stream.
    pub(super) fn parse(data: &'a [u8]) -> (Split<'a>, &'a [u8]) {
        let Some((&ctrl, rest)) = data.split_first() else {
            return (
                Split {
                    sizes: &[],
                    fail_at_end: false,
                },
                &[],
            );
        };
        let k = usize::from(ctrl & 0x07).min(rest.len());
        let (sizes, stream) = rest.split_at(k);
        let split = Split {
            sizes,
            fail_at_end: ctrl & 0x08 != 0,
        };
        (split, stream)
    }

    /// The chunks of `stream`: the sizes in turn (0 counts as 1), or single bytes.
    pub(super) fn chunks<'s>(&self, stream: &'s [u8]) -> Vec<&'s [u8]> {
        let mut out = Vec::new();
        let mut rest = stream;
        let mut i = 0;
        while !rest.is_empty() {
            let size = match self.sizes {
                [] => 1,
                sizes => usize::from(sizes[i % sizes.len()]).max(1),
            };
            let (head, tail) = rest.split_at(size.min(rest.len()));
            out.push(head);
            rest = tail;
            i += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_reads_the_control_prefix() {
        let (split, stream) = Split::parse(b"\x0a\x02\x03abcdefgh");
        assert!(split.fail_at_end);
        assert_eq!(stream, b"abcdefgh");
        assert_eq!(split.chunks(stream), [&b"ab"[..], b"cde", b"fg", b"h"]);
        let (split, stream) = Split::parse(b"\0xyz");
        assert_eq!(split.chunks(stream), [&b"x"[..], b"y", b"z"]);
        let (split, stream) = Split::parse(b"\x07\x00");
        assert_eq!((split.sizes, stream), (&b"\0"[..], &b""[..]));
        assert!(Split::parse(b"").1.is_empty());
    }
}
