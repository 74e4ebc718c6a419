//! The pure-Rust provider, built on the RustCrypto crates.

use crate::provider::CryptoProvider;

/// The RustCrypto provider.
pub fn provider() -> &'static dyn CryptoProvider {
    todo!()
}
