//! Parse an arbitrary message, find its S/MIME structures and verify what is signed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smime_mime::OpenOptions;

fuzz_target!(|data: &[u8]| {
    let _ = smime_mime::find(data);
    if let Ok(report) = smime_mime::open(data, &OpenOptions::new(), smime_crypto::rustcrypto::provider()) {
        let _ = report.signature_coverage();
        let _ = format!("{report:?}");
    }
});
