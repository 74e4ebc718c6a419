#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod authenticated_safe;
mod ber;
mod error;
mod export;
pub mod identity;
mod import;
pub mod kdf;
pub mod limits;
mod mac;
mod password;
mod pbe;
mod pfx;
pub mod safe_bag;

pub use error::{AlgorithmRole, Error, Limit, Location, WrongPasswordEvidence};
pub use export::{
    COMPATIBILITY_DEFAULT_ITERATIONS, ExportBuilder, MODERN_DEFAULT_ITERATIONS, Profile, export,
};
pub use identity::Pairing;
pub use import::{
    BagAttributes, CertEntry, CrlEntry, Identity, KeyEntry, OtherAttribute, Pkcs12, SecretEntry,
    import, import_with_limits,
};
pub use kdf::HashAlgorithm;
pub use limits::Limits;
pub use mac::{ID_PBMAC1, Integrity};
pub use password::{Password, PasswordVariant};
pub use pbe::{
    EncryptionScheme, PBE_WITH_SHA_AND_2KEY_TRIPLE_DES_CBC, PBE_WITH_SHA_AND_3KEY_TRIPLE_DES_CBC,
    PBE_WITH_SHA_AND_40BIT_RC2_CBC, PBE_WITH_SHA_AND_40BIT_RC4, PBE_WITH_SHA_AND_128BIT_RC2_CBC,
    PBE_WITH_SHA_AND_128BIT_RC4, Pbes2Cipher, Pkcs12PbeCipher,
};
pub use pfx::{DigestInfoRef, MacDataRef, Pfx, PfxRef};
