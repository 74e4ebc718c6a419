//! The streaming MIME layer (header parser, multipart/signed boundary search, base64 decoder)
//! under arbitrary chunking: the first byte sets how many bytes each `read` call returns (1 to
//! 256); the rest is a message given to `smime_stream::mime::verify` and to
//! `smime_stream::mime::decrypt_unverified` with a pre-shared key, outputs discarded.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use smime_stream::{StreamCredentials, mime};

/// A reader that returns at most `step` bytes per call, as a slow socket would.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        let (head, tail) = self.data.split_at(n);
        buf[..n].copy_from_slice(head);
        self.data = tail;
        Ok(n)
    }
}

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
