//! The streaming MIME layer (header parser, multipart/signed boundary search, base64 decoder)
//! under arbitrary chunking: the first byte sets how many bytes each `read` call returns (1 to
//! 256); the rest is a message given to `smime_stream::mime::verify` and to
//! `smime_stream::mime::decrypt_unverified` with a pre-shared key, outputs discarded.
#![no_main]

mod trickle;

use libfuzzer_sys::fuzz_target;
use smime_stream::{StreamCredentials, mime};
use trickle::Trickle;

fuzz_target!(|data: &[u8]| {
    let Some((&step, message)) = data.split_first() else {
        return;
    };
    let step = usize::from(step) + 1;
    let provider = smime_crypto::rustcrypto::provider();
    let reader = Trickle {
        data: message,
        step,
    };
    if let Ok(verification) = mime::verify(reader, std::io::sink(), &[], provider) {
        let _ = verification.cms().require_all_valid();
    }
    let credentials = StreamCredentials::new().kek(b"fuzz-kek", &[0x24; 32]);
    let reader = Trickle {
        data: message,
        step,
    };
    let _ = mime::decrypt_unverified(reader, std::io::sink(), &credentials, provider);
});
