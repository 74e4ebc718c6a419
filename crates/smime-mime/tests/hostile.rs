//! Hostile input: budgets end deep or wide messages with typed errors, quickly and on a
//! small stack; arbitrary bytes never panic; the MIME splitter handles the odd corners.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed expectation should stop the test"
)]

use std::time::{Duration, Instant};

const STACK: usize = 512 * 1024;

use proptest::prelude::*;
use smime_mime::budget::{MAX_HEADER_FIELDS, MAX_NESTING_DEPTH, MAX_PARTS, MAX_SMIME_STRUCTURES};
use smime_mime::{Entity, Error, OpenOptions};

/// Runs `f` on a thread with a STACK-byte stack and checks it ends within ten seconds (a generous bound for a loaded debug build).
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let start = Instant::now();
    let result = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    result
}

fn open(message: &[u8]) -> Result<smime_mime::Report, Error> {
    smime_mime::open(
        message,
        &OpenOptions::new(),
        smime_crypto::default_provider(),
    )
}

#[test]
fn deeply_nested_multiparts_end_with_nesting_too_deep() {
    let mut message = String::new();
    for level in 0..10_000 {
        message.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=b{level}\r\n\r\n--b{level}\r\n"
        ));
    }
    message.push_str("\r\nleaf\r\n");
    let error = on_small_stack(move || open(message.as_bytes()).unwrap_err());
    match error {
        Error::NestingTooDeep { limit, path, .. } => {
            assert_eq!(limit, MAX_NESTING_DEPTH);
            assert_eq!(path.steps().len(), MAX_NESTING_DEPTH);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn deeply_nested_messages_end_with_nesting_too_deep() {
    // 200,000 nested message/rfc822 entities (6.6 MB): a tree-building parser that recurses
    // when dropping overflows its stack here.
    let message =
        "Content-Type: message/rfc822\r\n\r\n".repeat(200_000) + "Subject: x\r\n\r\nhi\r\n";
    let error = on_small_stack(move || {
        (
            open(message.as_bytes()).unwrap_err(),
            smime_mime::find(message.as_bytes()).unwrap_err(),
        )
    });
    assert!(
        matches!(error.0, Error::NestingTooDeep { .. }),
        "{:?}",
        error.0
    );
    assert!(
        matches!(error.1, Error::NestingTooDeep { .. }),
        "{:?}",
        error.1
    );
}

#[test]
fn base64_encoded_messages_count_towards_the_depth() {
    use base64ct::Encoding;
    let mut message = b"Subject: innermost\r\n\r\nhi\r\n".to_vec();
    for _ in 0..(MAX_NESTING_DEPTH + 2) {
        let encoded = base64ct::Base64::encode_string(&message);
        message = format!(
            "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n"
        )
        .into_bytes();
    }
    let error = on_small_stack(move || open(&message).unwrap_err());
    assert!(matches!(error, Error::NestingTooDeep { .. }), "{error:?}");
}

#[test]
fn too_many_parts_is_a_budget_error() {
    let mut message = String::from("Content-Type: multipart/mixed; boundary=b\r\n\r\n");
    for _ in 0..(MAX_PARTS + 10) {
        message.push_str("--b\r\n\r\nx\r\n");
    }
    message.push_str("--b--\r\n");
    let error = on_small_stack(move || open(message.as_bytes()).unwrap_err());
    match error {
        Error::BudgetExceeded { what, limit, .. } => {
            assert_eq!(what, "MIME parts in one message");
            assert_eq!(limit, MAX_PARTS);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn too_many_header_fields_is_a_budget_error() {
    let message = "X-A: b\r\n".repeat(MAX_HEADER_FIELDS + 1) + "\r\nbody";
    match Entity::parse(message.as_bytes()).unwrap_err() {
        Error::BudgetExceeded { what, limit, .. } => {
            assert_eq!(what, "header fields in one entity");
            assert_eq!(limit, MAX_HEADER_FIELDS);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn too_many_smime_structures_is_a_budget_error() {
    let mut message = String::from("Content-Type: multipart/mixed; boundary=b\r\n\r\n");
    for _ in 0..(MAX_SMIME_STRUCTURES + 1) {
        message.push_str(
            "--b\r\nContent-Type: application/pkcs7-mime\r\nContent-Transfer-Encoding: base64\r\n\r\nMAA=\r\n",
        );
    }
    message.push_str("--b--\r\n");
    for error in [
        open(message.as_bytes()).unwrap_err(),
        smime_mime::find(message.as_bytes()).unwrap_err(),
    ] {
        match error {
            Error::BudgetExceeded { what, limit, .. } => {
                assert_eq!(what, "S/MIME structures in one message");
                assert_eq!(limit, MAX_SMIME_STRUCTURES);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn empty_input_is_an_error() {
    assert_eq!(open(b"").unwrap_err(), Error::Empty);
    assert_eq!(smime_mime::find(b"").unwrap_err(), Error::Empty);
    assert_eq!(Entity::parse(b"").unwrap_err(), Error::Empty);
}

#[test]
fn multipart_corners() {
    // Preamble, transport padding after the boundary, an epilogue, a longer boundary that
    // starts with ours, LF-only line ends, an empty part.
    let raw = b"Content-Type: multipart/mixed; boundary=\"ab\"\n\npreamble\n--ab  \n\none\n--abc\nnot a delimiter\n--ab\n--ab\t\nContent-Type: text/html\n\n<p>\n--ab--\nepilogue\n";
    let entity = Entity::parse(raw).unwrap();
    let multipart = entity.multipart().unwrap();
    assert!(multipart.is_closed());
    assert_eq!(&raw[multipart.preamble()], b"preamble");
    assert_eq!(&raw[multipart.epilogue()], b"epilogue\n");
    let parts: Vec<&[u8]> = multipart.parts().iter().map(|p| p.raw()).collect();
    assert_eq!(
        parts,
        [
            &b"\none\n--abc\nnot a delimiter"[..],
            b"",
            b"Content-Type: text/html\n\n<p>"
        ]
    );
    assert_eq!(multipart.parts()[2].content_type().essence(), "text/html");

    // No close delimiter: the last part runs to the end.
    let raw = b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nunterminated\r\n";
    let entity = Entity::parse(raw).unwrap();
    let multipart = entity.multipart().unwrap();
    assert!(!multipart.is_closed());
    assert_eq!(multipart.parts()[0].raw(), b"\r\nunterminated\r\n");

    // No delimiter at all: reported as an unreadable part, not silently dropped.
    let raw = b"Content-Type: multipart/mixed; boundary=x\r\n\r\nno parts here\r\n";
    let report = open(raw).unwrap();
    assert!(matches!(
        report.parts()[0].kind(),
        smime_mime::PartKind::Unreadable(_)
    ));

    // A part without a blank line after its (absent) header section.
    let raw = b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nJust text, no header.\r\n--x--\r\n";
    let entity = Entity::parse(raw).unwrap();
    let part = &entity.multipart().unwrap().parts()[0];
    assert!(!part.has_content_type());
    assert_eq!(part.body_raw(), b"Just text, no header.");
}

#[test]
fn folded_and_encoded_content_type_parameters() {
    let raw = b"Content-Type: application/pkcs7-mime;\r\n\tsmime-type=enveloped-data;\r\n name*=utf-8''smime%2Ep7m\r\nContent-Disposition: attachment;\r\n filename=\"smime.p7m\"\r\n\r\nbody";
    let entity = Entity::parse(raw).unwrap();
    let content_type = entity.content_type();
    assert!(content_type.is("application", "pkcs7-mime"));
    assert_eq!(content_type.parameter("SMIME-TYPE"), Some("enveloped-data"));
    assert_eq!(content_type.parameter("name"), Some("smime.p7m"));
    assert_eq!(entity.filename().as_deref(), Some("smime.p7m"));
}

fn arbitrary_mime() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop::collection::vec(
        prop_oneof![
            Just(b"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b\r\n".to_vec()),
            Just(b"Content-Type: multipart/mixed; boundary=c\r\n".to_vec()),
            Just(b"Content-Type: message/rfc822\r\n".to_vec()),
            Just(b"Content-Type: application/x-pkcs7-mime; name=a.p7m\r\n".to_vec()),
            Just(b"Content-Transfer-Encoding: base64\r\n".to_vec()),
            Just(b"Content-Transfer-Encoding: quoted-printable\r\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"--b\r\n".to_vec()),
            Just(b"--b--\r\n".to_vec()),
            Just(b"--c\r\n".to_vec()),
            Just(b"--c--".to_vec()),
            Just(b"MIAGCSqGSIb3DQEHAqCAMIACAQEx".to_vec()),
            Just(b"MAA=\r\n".to_vec()),
            Just(b"=3D=\r\n".to_vec()),
            prop::collection::vec(any::<u8>(), 0..16),
        ],
        0..40,
    );
    pieces.prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = open(&bytes);
        let _ = smime_mime::find(&bytes);
        let _ = smime_mime::canonical::prepare(&bytes);
    }

    #[test]
    fn mime_shaped_bytes_never_panic(bytes in arbitrary_mime()) {
        let _ = open(&bytes);
        let _ = smime_mime::find(&bytes);
        if let Ok(prepared) = smime_mime::canonical::prepare(&bytes) {
            // Prepared output is CR LF throughout and prepares to itself.
            prop_assert!(smime_mime::canonical::is_crlf(&prepared));
            prop_assert_eq!(smime_mime::canonical::prepare(&prepared).unwrap(), prepared);
        }
    }

    #[test]
    fn every_part_range_lies_inside_its_parent(bytes in arbitrary_mime()) {
        if let Ok(entity) = Entity::parse(&bytes) {
            let mut stack = vec![entity];
            while let Some(entity) = stack.pop() {
                let range = entity.range();
                prop_assert!(range.start <= range.end && range.end <= bytes.len());
                if let Some(multipart) = entity.multipart() {
                    for part in multipart.parts() {
                        prop_assert!(part.range().start >= range.start && part.range().end <= range.end);
                        stack.push(part.clone());
                    }
                }
                if let Some(message) = entity.message() {
                    stack.push(message.clone());
                }
            }
        }
    }
}
