//! Property tests: whatever the input, signing and encrypting give messages that open, are
//! trusted, and hold the same content.
// Test code: panicking on unexpected input is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::fixture;
use proptest::prelude::*;
use smime::{Coverage, Keys};

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Any bytes — text, binary, a header block or not — sign, then sign-and-encrypt, and
    /// open to the same trusted content.
    #[test]
    fn any_input_round_trips(input in proptest::collection::vec(any::<u8>(), 0..600), opaque in any::<bool>()) {
        let f = fixture();
        let mut builder = f.signer(&f.alice);
        if opaque {
            builder = builder.opaque();
        }
        let signer = builder.build().unwrap();
        let signed = smime::sign(&input, &signer).unwrap();
        let report = smime::open(&signed, &Keys::new(), &f.trust()).unwrap();
        prop_assert!(report.signers()[0].is_trusted(), "{:?}", report.problems());
        prop_assert_eq!(report.signature_coverage(), Coverage::Complete);

        let sealed = smime::sign_and_encrypt(&input, &signer, &[f.recipient(&f.carol)]).unwrap();
        let opened = smime::open(&sealed, &f.keys(&[&f.carol]), &f.trust()).unwrap();
        prop_assert!(opened.is_encryption_authenticated());
        prop_assert!(opened.signers()[0].is_trusted(), "{:?}", opened.problems());
        prop_assert_eq!(opened.content(), report.content());
    }

    /// The header-block detection never panics, and text without one becomes text/plain.
    #[test]
    fn header_detection_is_total(input in proptest::collection::vec(any::<u8>(), 0..300)) {
        let entity = smime::message::as_mime_entity(&input);
        if !smime::message::has_header_block(&input) {
            prop_assert!(entity.starts_with(b"Content-Type: text/plain; charset=utf-8\r\n\r\n"));
            prop_assert!(entity.ends_with(&input));
        } else {
            prop_assert_eq!(&*entity, &input[..]);
        }
    }
}
