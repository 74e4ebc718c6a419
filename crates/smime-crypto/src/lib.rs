#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod algorithm;
pub mod cbc_mode;
pub mod counter_mode;
mod error;
pub mod identifier;
pub mod key;
pub mod load;
pub mod provider;
pub mod rustcrypto;

#[cfg(feature = "aws-lc")]
pub mod aws_lc;

pub use algorithm::{
    AeadCipher, CbcCipher, DigestAlgorithm, EcCurve, KeyKind, RsaEncryptionPadding, SignatureScheme,
};
pub use cbc_mode::{CbcBlocks, CbcDirection};
pub use counter_mode::{AesCtr, CounterIncrement};
pub use error::Error;
pub use identifier::GcmParameters;
pub use key::{PrivateKey, PublicKey};
pub use load::{load_private_key, load_public_key, private_key_to_pkcs8};
pub use provider::{CryptoProvider, EphemeralAgreement, Hasher};

/// The default provider: aws-lc-rs when the `aws-lc` feature is on, RustCrypto otherwise.
pub fn default_provider() -> &'static dyn CryptoProvider {
    #[cfg(feature = "aws-lc")]
    {
        aws_lc::provider()
    }
    #[cfg(not(feature = "aws-lc"))]
    {
        rustcrypto::provider()
    }
}

/// Every provider compiled in, for test suites and benchmarks that run against each.
pub fn all_providers() -> Vec<&'static dyn CryptoProvider> {
    #[allow(unused_mut, reason = "only pushed to with the aws-lc feature")]
    let mut providers: Vec<&'static dyn CryptoProvider> = vec![rustcrypto::provider()];
    #[cfg(feature = "aws-lc")]
    providers.push(aws_lc::provider());
    providers
}
