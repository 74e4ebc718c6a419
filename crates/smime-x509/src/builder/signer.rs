//! An issuer's [`PrivateKey`] as the signer x509-cert's builders want.
//!
//! x509-cert's `Builder` trait (for certificates, CRLs and requests) asks its signer for three
//! things: the public key (`signature::Keypair`, with a verifying key that encodes as a
//! `SubjectPublicKeyInfo`), the signature `AlgorithmIdentifier`
//! (`spki::DynSignatureAlgorithmIdentifier`) and the signature (`signature::Signer`).
//! [`ProviderSigner`] gives all three from a `&dyn PrivateKey`, a [`SignatureScheme`] and the
//! provider that hashes.

use der::asn1::BitString;
use smime_crypto::{CryptoProvider, KeyKind, PrivateKey, PublicKey, SignatureScheme};
use spki::{AlgorithmIdentifierOwned, Document, SignatureBitStringEncoding};

use crate::error::Error;

/// A signer for x509-cert's builders: a private key, the scheme it signs with and the
/// provider that hashes the message.
///
/// Its [`sign`](Self::sign) hashes the message, signs the digest and checks the fresh
/// signature against the public key before handing it out (a fault in the signing
/// computation — the Bellcore attack on RSA-CRT — or a key that does not match its public
/// half shows here, not at the relying party).
///
/// It implements `signature::Signer<ProviderSignature>`, `signature::Keypair` and
/// `spki::DynSignatureAlgorithmIdentifier`, so that x509-cert's `CrlBuilder` and
/// `RequestBuilder` can be driven with our keys too.
///
/// ```
/// use smime_crypto::{EcCurve, KeyKind, SignatureScheme, DigestAlgorithm};
/// use smime_x509::builder::ProviderSigner;
///
/// let provider = smime_crypto::default_provider();
/// let pkcs8 = provider.generate_pkcs8(KeyKind::Ec { curve: EcCurve::P256 })?;
/// let key = provider.private_key_from_pkcs8(&pkcs8)?;
/// let scheme = SignatureScheme::Ecdsa { digest: DigestAlgorithm::Sha256 };
/// let signer = ProviderSigner::new(provider, key.as_ref(), scheme)?;
/// let signature = signer.sign(b"to be signed")?;
/// provider.verify(scheme, key.public_key(), b"to be signed", &signature)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ProviderSigner<'a> {
    provider: &'a dyn CryptoProvider,
    key: &'a dyn PrivateKey,
    scheme: SignatureScheme,
    algorithm: AlgorithmIdentifierOwned,
}

impl<'a> ProviderSigner<'a> {
    /// A signer for `key` with `scheme`. The scheme must suit the key: a PKCS #1 v1.5 or PSS
    /// scheme for an RSA key, ECDSA for an EC key.
    pub fn new(
        provider: &'a dyn CryptoProvider,
        key: &'a dyn PrivateKey,
        scheme: SignatureScheme,
    ) -> Result<Self, Error> {
        let kind = key.kind();
        let fits = match kind {
            KeyKind::Rsa { .. } => scheme.is_rsa(),
            KeyKind::Ec { .. } => matches!(scheme, SignatureScheme::Ecdsa { .. }),
            _ => false,
        };
        if !fits {
            return Err(Error::InvalidBuilderInput {
                field: "signature scheme",
                reason: format!(
                    "{} cannot be made with a {kind} key",
                    scheme.operation_name()
                ),
            });
        }
        let algorithm = scheme
            .to_algorithm_identifier()
            .map_err(|source| Error::Issuing {
                operation: "encoding the signature algorithm",
                source,
            })?;
        Ok(Self {
            provider,
            key,
            scheme,
            algorithm,
        })
    }

    /// The signature scheme.
    pub fn scheme(&self) -> SignatureScheme {
        self.scheme
    }

    /// The signature `AlgorithmIdentifier`, as it goes into a certificate's `signature` and
    /// `signatureAlgorithm` fields (RFC 4055, RFC 5758).
    pub fn algorithm_identifier(&self) -> &AlgorithmIdentifierOwned {
        &self.algorithm
    }

    /// The signing key's public key.
    pub fn public_key(&self) -> &PublicKey {
        self.key.public_key()
    }

    /// Signs `message`: hashes it with the scheme's digest, signs the digest, and verifies
    /// the signature before returning it. ECDSA signatures are DER `Ecdsa-Sig-Value`s.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let digest = self
            .provider
            .digest(self.scheme.digest(), message)
            .map_err(|source| Error::Issuing {
                operation: "hashing the data to be signed",
                source,
            })?;
        let signature = self
            .key
            .sign_digest(self.scheme, &digest)
            .map_err(|source| Error::Issuing {
                operation: "signing",
                source,
            })?;
        self.provider
            .verify_digest(self.scheme, self.key.public_key(), &digest, &signature)
            .map_err(|source| Error::Issuing {
                operation: "checking the fresh signature against the signer's public key",
                source,
            })?;
        Ok(signature)
    }
}

/// The public key of a [`ProviderSigner`], as `signature::Keypair` hands it out: it encodes
/// as its `SubjectPublicKeyInfo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignerPublicKey(pub PublicKey);

impl spki::EncodePublicKey for SignerPublicKey {
    fn to_public_key_der(&self) -> spki::Result<Document> {
        Ok(Document::try_from(self.0.spki_der())?)
    }
}

/// A signature made by a [`ProviderSigner`]: the bytes that go into a `BIT STRING`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderSignature(pub Vec<u8>);

impl SignatureBitStringEncoding for ProviderSignature {
    fn to_bitstring(&self) -> der::Result<BitString> {
        BitString::from_bytes(&self.0)
    }
}

impl signature::Keypair for ProviderSigner<'_> {
    type VerifyingKey = SignerPublicKey;

    fn verifying_key(&self) -> SignerPublicKey {
        SignerPublicKey(self.key.public_key().clone())
    }
}

impl spki::DynSignatureAlgorithmIdentifier for ProviderSigner<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(self.algorithm.clone())
    }
}

impl signature::Signer<ProviderSignature> for ProviderSigner<'_> {
    fn try_sign(&self, message: &[u8]) -> Result<ProviderSignature, signature::Error> {
        self.sign(message)
            .map(ProviderSignature)
            .map_err(signature::Error::from_source)
    }
}
