//! The bulk fast paths of the streaming MIME codecs (base64 decoded in whole groups between
//! line breaks, lines of 57 octets encoded together, CR LF runs copied whole) against
//! reference models, at chunk borders: a CR ending one chunk and its LF starting the next,
//! a group of four or its `=` padding split across reads, line lengths that are not a
//! multiple of four, spaces inside lines, garbage anywhere, pieces larger than one bulk call.
// Tests may unwrap and index: a failure is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::{Read, Write};

use proptest::prelude::*;
use smime_stream::mime::canonical::{CrlfReader, CrlfWriter};
use smime_stream::mime::transfer_encoding::{Base64Error, Base64Reader, Base64Writer};

/// A reader that hands out at most `step` octets per call.
struct Trickle<'a> {
    inner: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.step.max(1)).min(self.inner.len());
        buf[..n].copy_from_slice(&self.inner[..n]);
        self.inner = &self.inner[n..];
        Ok(n)
    }
}

/// The decoder's rules, one octet at a time, as written in the module documentation: CR,
/// LF, space and tab skipped; `=` marks the end; any other non-alphabet octet, alphabet
/// after `=`, or a dangling last character is an error at its offset.
fn reference_decode(text: &[u8]) -> Result<Vec<u8>, (u64, &'static str)> {
    let mut out = Vec::new();
    let (mut accumulator, mut bits, mut characters, mut padded) = (0u32, 0u32, 0u64, false);
    for (offset, &byte) in text.iter().enumerate() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padded = true;
                continue;
            }
            b'\r' | b'\n' | b' ' | b'\t' => continue,
            _ => return Err((offset as u64, "a character outside the base64 alphabet")),
        };
        if padded {
            return Err((offset as u64, "base64 data after the padding"));
        }
        characters += 1;
        accumulator = (accumulator << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((accumulator >> bits) as u8);
            accumulator &= (1 << bits) - 1;
        }
    }
    if characters % 4 == 1 {
        return Err((
            text.len() as u64,
            "truncated: a last base64 character that makes no octet",
        ));
    }
    Ok(out)
}

/// What the streaming decoder gives for `text` read `step` octets at a time.
fn stream_decode(text: &[u8], step: usize) -> Result<Vec<u8>, (u64, &'static str)> {
    let mut out = Vec::new();
    match Base64Reader::new(Trickle { inner: text, step }).read_to_end(&mut out) {
        Ok(_) => Ok(out),
        Err(error) => {
            let inner = error
                .get_ref()
                .and_then(|e| e.downcast_ref::<Base64Error>())
                .expect("a Base64Error");
            Err((inner.offset, inner.reason))
        }
    }
}

/// Base64 text of `data` in lines of `line` characters, each ended by `ending`.
fn wrapped(data: &[u8], line: usize, ending: &[u8]) -> Vec<u8> {
    use base64ct::Encoding;
    let text = base64ct::Base64::encode_string(data);
    let mut out = Vec::new();
    for piece in text.as_bytes().chunks(line.max(1)) {
        out.extend_from_slice(piece);
        out.extend_from_slice(ending);
    }
    out
}

/// Chunk sizes that hit the interesting borders: tiny ones, ones around a line (76 + CR LF)
/// and around the readers' 64 KiB buffers.
fn steps() -> impl Strategy<Value = usize> {
    prop_oneof![
        1usize..8,
        70usize..90,
        prop::sample::select(vec![
            155usize, 156, 157, 4095, 4096, 4097, 65535, 65536, 65537
        ]),
        1usize..100_000,
    ]
}

/// Base64-like text: mostly alphabet, with line breaks, spaces, tabs, `=` and garbage.
fn base64ish() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            40 => prop::sample::select(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".to_vec()
            ),
            4 => Just(b'\r'),
            4 => Just(b'\n'),
            1 => Just(b' '),
            1 => Just(b'\t'),
            1 => Just(b'='),
            1 => prop::sample::select(vec![b'*', b'-', 0u8, 0x80, 0xff, b'_', b'.']),
        ],
        0..600,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any base64-like text (valid or not) decodes to what the octetwise rules give, with
    /// the same error offset and reason, at any chunking.
    #[test]
    fn base64_decoder_matches_the_octetwise_rules(text in base64ish(), step in steps()) {
        prop_assert_eq!(stream_decode(&text, step), reference_decode(&text));
    }

    /// Valid base64 in any line length (not only multiples of four, so that groups straddle
    /// line breaks), any line ending, and padding split at any read border.
    #[test]
    fn base64_lines_of_any_length(
        data in prop::collection::vec(any::<u8>(), 0..3000),
        line in 1usize..200,
        ending in prop::sample::select(vec![&b"\r\n"[..], b"\n", b"\r", b"\r\r\n", b" \r\n", b"\t\n", b""]),
        step in steps(),
    ) {
        let text = wrapped(&data, line, ending);
        prop_assert_eq!(stream_decode(&text, step), Ok(data));
    }

    /// A single bad octet anywhere in a long, well-formed body (past the first bulk piece)
    /// is found at its exact offset.
    #[test]
    fn base64_garbage_in_a_long_body(
        seed in any::<u8>(),
        at in any::<prop::sample::Index>(),
        bad in prop::sample::select(vec![b'*', b'=', b' ', 0u8, 0xff]),
        step in steps(),
    ) {
        let data: Vec<u8> = (0..150_000u32).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect();
        let mut text = wrapped(&data, 76, b"\r\n");
        let at = at.index(text.len());
        text[at] = bad;
        prop_assert_eq!(stream_decode(&text, step), reference_decode(&text));
    }

    /// The encoder gives the one-shot encoding whatever the write sizes (around 57-octet
    /// lines and larger than a buffer).
    #[test]
    fn base64_encoder_at_any_write_sizes(
        data in prop::collection::vec(any::<u8>(), 0..5000),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c.index(data.len() + 1)).collect();
        cuts.sort_unstable();
        let mut writer = Base64Writer::new(Vec::new());
        let mut from = 0;
        for cut in cuts.into_iter().chain([data.len()]) {
            writer.write_all(&data[from..cut]).unwrap();
            from = cut;
        }
        let encoded = writer.finish().unwrap();
        prop_assert_eq!(&encoded, &smime_mime::canonical::encode_base64(&data));
        prop_assert_eq!(stream_decode(&encoded, 1 + data.len() % 97), Ok(data));
    }

    /// CR LF conversion with CRs and LFs dense, a CR at the end of a chunk and its LF at the
    /// start of the next, through the reader and the writer.
    #[test]
    fn crlf_at_chunk_borders(
        data in prop::collection::vec(prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'a'), any::<u8>()], 0..2000),
        step in steps(),
    ) {
        let expected = smime_mime::canonical::to_crlf(&data).into_owned();
        let mut read = Vec::new();
        CrlfReader::new(Trickle { inner: &data, step }).read_to_end(&mut read).unwrap();
        prop_assert_eq!(&read, &expected);
        let mut writer = CrlfWriter::new(Vec::new());
        for piece in data.chunks(step) {
            writer.write_all(piece).unwrap();
        }
        prop_assert_eq!(&writer.into_inner(), &expected);
    }
}

/// A group split by the read border right before its `=` padding, and the padding itself
/// split: `QUI=` is "AB", `QQ==` is "A".
#[test]
fn padding_split_across_reads() {
    for text in [&b"QUJD\r\nQUI=\r\n"[..], b"QUJDQQ==", b"QUJD\nQQ=\n=\n"] {
        let expected = reference_decode(text).unwrap();
        for step in 1..=text.len() {
            assert_eq!(
                stream_decode(text, step),
                Ok(expected.clone()),
                "step {step}"
            );
        }
    }
    assert_eq!(
        stream_decode(b"QUJDQQ==QQ==", 5),
        Err((8, "base64 data after the padding"))
    );
}

/// A body of several bulk pieces (more than 64 KiB of text) round-trips at every
/// interesting chunk size, with the CR of a CR LF as the last octet of a read.
#[test]
fn long_body_round_trip() {
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let text = smime_mime::canonical::encode_base64(&data);
    // 78-octet lines: a read of 77 ends on the CR of the first line.
    for step in [77, 78, 79, 65_535, 65_536, 1 << 20] {
        assert_eq!(stream_decode(&text, step), Ok(data.clone()), "step {step}");
    }
}
