//! The streaming BER reader under arbitrary chunking: the first byte sets how many bytes each
//! `read` call returns (1 to 256); the rest is a message given to the streaming verifier, whose
//! content output is discarded.
#![no_main]

mod trickle;

use libfuzzer_sys::fuzz_target;
use trickle::Trickle;

fuzz_target!(|data: &[u8]| {
    let Some((&step, message)) = data.split_first() else {
        return;
    };
    let reader = Trickle {
        data: message,
        step: usize::from(step) + 1,
    };
    let provider = smime_crypto::rustcrypto::provider();
    if let Ok(verification) = smime_stream::verify(reader, std::io::sink(), &[], provider) {
        let _ = verification.require_all_valid();
    }
});
