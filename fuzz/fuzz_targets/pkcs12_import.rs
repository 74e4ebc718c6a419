//! Import a PKCS#12 file with a fixed password. Iteration caps are lowered so that a slow
//! (but legal) key derivation is not reported as a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smime_pkcs12::{Limits, Password};

fuzz_target!(|data: &[u8]| {
    let mut limits = Limits::default();
    limits.max_iterations = 2048;
    limits.max_total_iterations = 20_000;
    if let Ok(contents) = smime_pkcs12::import_with_limits(data, Password::new("fuzz"), limits) {
        let _ = contents.identities();
        let _ = format!("{contents:?}");
    }
});
