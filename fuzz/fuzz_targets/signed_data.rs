//! Parse a ContentInfo and verify its SignedData. The first byte chooses where the input is split
//! into the message and a detached content (0 = no detached content).
#![no_main]

use libfuzzer_sys::fuzz_target;
use smime_cms::VerifyOptions;

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let split = usize::from(split).min(rest.len());
    let (content, message) = rest.split_at(split);
    let mut options = VerifyOptions::new();
    if !content.is_empty() {
        options = options.detached_content(content);
    }
    let provider = smime_crypto::rustcrypto::provider();
    if let Ok(verification) = smime_cms::verify(message, &options, provider) {
        // Walk the whole report: nothing in it may panic either.
        for signer in verification.signers() {
            let _ = format!("{signer:?}");
        }
    }
});
