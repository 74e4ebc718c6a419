//! Build and validate a certificate path over a pool taken from the input. The input is a
//! sequence of items, each a 2-byte big-endian length and that many bytes: the trust anchor,
//! the target certificate, then pool certificates and CRLs (anything that is not a certificate
//! is offered as a CRL).
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use smime_path::{Purpose, Target, TrustAnchors, Validator};

fn items(mut data: &[u8]) -> Vec<&[u8]> {
    let mut items = Vec::new();
    while let [high, low, rest @ ..] = data {
        let len = usize::from(u16::from_be_bytes([*high, *low])).min(rest.len());
        let (item, tail) = rest.split_at(len);
        items.push(item);
        data = tail;
    }
    items
}

fuzz_target!(|data: &[u8]| {
    let items = items(data);
    let [anchor, leaf, pool @ ..] = items.as_slice() else {
        return;
    };
    let mut anchors = TrustAnchors::new();
    if anchors.add_der(anchor).is_err() {
        return;
    }
    let (certificates, crls): (Vec<&[u8]>, Vec<&[u8]>) = pool
        .iter()
        .copied()
        .partition(|item| smime_x509::Certificate::from_der(item).is_ok());
    let Ok(validator) = Validator::builder(anchors)
        .time(UNIX_EPOCH + Duration::from_secs(1_767_225_600)) // 2026-01-01
        .purpose(Purpose::Sign)
        .provider(smime_crypto::rustcrypto::provider())
        .build()
    else {
        return;
    };
    let target = Target::new(leaf).with_certificates(certificates).with_crls(crls);
    if let Ok(path) = validator.validate(&target) {
        let _ = format!("{path:?}");
    }
});
