//! SHA-1 and SHA-2 with `aws_lc_rs::digest`.

use aws_lc_rs::digest;

use crate::algorithm::DigestAlgorithm;
use crate::provider::Hasher;

/// The `aws-lc-rs` algorithm for a digest.
pub(super) fn algorithm(algorithm: DigestAlgorithm) -> &'static digest::Algorithm {
    match algorithm {
        // SHA-1 is only verified (old mail), never used to sign: see `DigestAlgorithm::Sha1`.
        DigestAlgorithm::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        DigestAlgorithm::Sha256 => &digest::SHA256,
        DigestAlgorithm::Sha384 => &digest::SHA384,
        DigestAlgorithm::Sha512 => &digest::SHA512,
    }
}

/// An incremental digest computation.
pub(super) struct AwsLcHasher {
    algorithm: DigestAlgorithm,
    context: digest::Context,
}

impl AwsLcHasher {
    pub(super) fn new(algorithm: DigestAlgorithm) -> Self {
        Self {
            algorithm,
            context: digest::Context::new(self::algorithm(algorithm)),
        }
    }
}

impl Hasher for AwsLcHasher {
    fn algorithm(&self) -> DigestAlgorithm {
        self.algorithm
    }

    fn update(&mut self, data: &[u8]) {
        self.context.update(data);
    }

    fn finish(self: Box<Self>) -> Vec<u8> {
        self.context.finish().as_ref().to_vec()
    }
}

/// One-shot digest.
pub(super) fn digest(algorithm: DigestAlgorithm, data: &[u8]) -> Vec<u8> {
    digest::digest(self::algorithm(algorithm), data)
        .as_ref()
        .to_vec()
}

/// Imports a precomputed digest of `algorithm` for signing or verification.
pub(super) fn import(
    algorithm: DigestAlgorithm,
    digest: &[u8],
) -> Result<digest::Digest, crate::Error> {
    digest::Digest::import_less_safe(digest, self::algorithm(algorithm)).map_err(|_| {
        crate::Error::InvalidLength {
            what: "digest",
            len: digest.len(),
        }
    })
}
