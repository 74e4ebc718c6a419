//! Who signs, and how: a certificate, its private key, the chain to send along, and options.

use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use smime_crypto::{CryptoProvider, DigestAlgorithm, KeyKind, PrivateKey};
use smime_mime::{HeaderSelection, MessageBuilder};
use smime_x509::Certificate;

use crate::enveloped::CmsEncryptor;
use crate::error::Error;
use crate::message::as_mime_entity;
use crate::recipient::Encryption;

/// How the signature is attached to the content (RFC 8551 §3.5).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SigningMode {
    /// `multipart/signed`: the content stays readable by mail clients without S/MIME, the
    /// signature travels as a second part (`smime.p7s`). The default, as RFC 8551 §3.5
    /// recommends.
    #[default]
    Detached,
    /// `application/pkcs7-mime; smime-type=signed-data`: the content is inside the
    /// SignedData. Only S/MIME clients can show it, but no gateway can re-encode it.
    Opaque,
}

/// A signing identity with its options, ready to sign any number of messages.
///
/// Make one with [`Signer::new`] (defaults) or [`Signer::builder`]; load one with
/// [`Signer::from_pem`] or [`Signer::from_pkcs12`]. Building checks once that the key belongs
/// to the certificate and that the certificate may sign, so that each message costs only
/// the signature. A `Signer` is cheap to clone and can be shared between threads.
///
/// Defaults: [`SigningMode::Detached`], SHA-256, RSA PKCS #1 v1.5 for RSA keys (ECDSA for EC
/// keys), the signer's certificate in the message, signingTime now, the header fields of
/// [`HeaderSelection::standard`] carried to the outside, and
/// [`smime_crypto::default_provider`].
#[derive(Clone)]
pub struct Signer {
    certificate: Certificate,
    key: Arc<dyn PrivateKey>,
    chain: Vec<Certificate>,
    mode: SigningMode,
    digest: DigestAlgorithm,
    pss: bool,
    signing_time: Option<SystemTime>,
    headers: HeaderSelection,
    provider: &'static dyn CryptoProvider,
    /// The CMS layer's signer, made on first use and cloned per message: its certificate's
    /// DER and hash, and the chain's DER, are computed once per signer, not per message.
    cms: OnceLock<smime_cms::SignerBuilder>,
}

impl core::fmt::Debug for Signer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Signer")
            .field("subject", &self.certificate.subject().to_string())
            .field("key", &self.key.kind())
            .field("chain", &self.chain.len())
            .field("mode", &self.mode)
            .field("digest", &self.digest)
            .field("pss", &self.pss)
            .field("provider", &self.provider.name())
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer with every default; see [`Signer::builder`] for the options.
    ///
    /// # Errors
    /// [`Error::KeyMismatch`] when `key` is not the certificate's key;
    /// [`Error::CertificateNotUsable`] when the certificate may not sign.
    pub fn new(certificate: Certificate, key: Arc<dyn PrivateKey>) -> Result<Self, Error> {
        Self::builder(certificate, key).build()
    }

    /// Starts a signer with options.
    pub fn builder(certificate: Certificate, key: Arc<dyn PrivateKey>) -> SignerBuilder {
        SignerBuilder {
            signer: Self {
                certificate,
                key,
                chain: Vec::new(),
                mode: SigningMode::default(),
                digest: DigestAlgorithm::Sha256,
                pss: false,
                signing_time: None,
                headers: HeaderSelection::standard(),
                provider: smime_crypto::default_provider(),
                cms: OnceLock::new(),
            },
        }
    }

    /// Loads a signer from a certificate file and a key file as OpenSSL writes them (PEM or
    /// DER; the key may be PKCS #8, encrypted PKCS #8 — give its `password` —, PKCS #1 or
    /// SEC1). Certificates after the first one in `certificate` become the chain.
    ///
    /// # Errors
    /// The certificate or key cannot be read ([`Error::Certificate`], [`Error::Crypto`]).
    pub fn from_pem(
        certificate: &[u8],
        key: &[u8],
        password: Option<&[u8]>,
    ) -> Result<SignerBuilder, Error> {
        let mut certificates = smime_x509::load_certificates(certificate)?.into_iter();
        let leaf = certificates.next().ok_or(smime_x509::Error::Empty)?;
        let key = smime_crypto::load_private_key(smime_crypto::default_provider(), key, password)?;
        Ok(Self::builder(leaf, key).chain(certificates))
    }

    /// Loads a signer from a PKCS #12 file: its first key, that key's certificate and the
    /// CA certificates of the file as the chain.
    ///
    /// # Errors
    /// [`Error::Pkcs12`] for a wrong password or a corrupt file; [`Error::InvalidInput`] when
    /// the file holds no key, or no certificate for it.
    pub fn from_pkcs12(p12: &[u8], password: &str) -> Result<SignerBuilder, Error> {
        let contents = smime_pkcs12::import(p12, smime_pkcs12::Password::new(password))?;
        let identity = contents.identity().ok_or_else(|| {
            Error::InvalidInput("the PKCS #12 file holds no private key".to_owned())
        })?;
        let certificate = identity.certificate.ok_or_else(|| {
            Error::InvalidInput(
                "the PKCS #12 file holds no certificate for its private key".to_owned(),
            )
        })?;
        let leaf = Certificate::from_der(certificate.der())?;
        let chain = identity
            .chain
            .iter()
            .map(|entry| Certificate::from_der(entry.der()))
            .collect::<Result<Vec<_>, _>>()?;
        let key =
            smime_crypto::default_provider().private_key_from_pkcs8(identity.key.pkcs8_der())?;
        Ok(Self::builder(leaf, key).chain(chain))
    }

    /// Signs a message (RFC 5322 header fields and a MIME body) or a bare MIME entity; a
    /// text without a header block is signed as `text/plain; charset=utf-8` (see
    /// [`as_mime_entity`](crate::message::as_mime_entity)). Returns the S/MIME message.
    ///
    /// # Errors
    /// [`Error::Mime`] (with the CMS layer's error inside) when the message cannot be
    /// prepared or the signature cannot be made.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let entity = as_mime_entity(message);
        let builder = MessageBuilder::new(&entity).headers(self.headers.clone());
        let builder = match self.mode {
            SigningMode::Detached => builder.sign([self.cms_signer()]),
            SigningMode::Opaque => builder.sign_opaque([self.cms_signer()]),
        };
        Ok(builder.build(self.provider)?)
    }

    /// Signs a message as [`Signer::sign`] does, then encrypts the signed entity as
    /// `encryption` says (RFC 8551 §3.7), appending the S/MIME message to `out` — what
    /// [`Encryption::sign_and_encrypt`] returns, written into a buffer the caller can reuse
    /// from message to message (the batch does). The header fields this signer selects go
    /// on the outside. On error `out` is left as it was.
    ///
    /// # Errors
    /// As [`Encryption::sign_and_encrypt`].
    pub(crate) fn sign_and_encrypt_into(
        &self,
        message: &[u8],
        encryption: &Encryption,
        provider: &dyn CryptoProvider,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let entity = as_mime_entity(message);
        let encryptor = CmsEncryptor { encryption };
        let builder = MessageBuilder::new(&entity).headers(self.headers.clone());
        let builder = match self.mode {
            SigningMode::Detached => builder.sign([self.cms_signer()]),
            SigningMode::Opaque => builder.sign_opaque([self.cms_signer()]),
        };
        Ok(builder.encrypt(&encryptor).build_into(provider, out)?)
    }

    /// The signer's certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The certificates sent along with the signer's own (issuer first).
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The private key.
    pub fn private_key(&self) -> &Arc<dyn PrivateKey> {
        &self.key
    }

    /// Detached or opaque.
    pub fn mode(&self) -> SigningMode {
        self.mode
    }

    /// The digest algorithm.
    pub fn digest(&self) -> DigestAlgorithm {
        self.digest
    }

    /// Whether RSA signatures use RSASSA-PSS.
    pub fn is_pss(&self) -> bool {
        self.pss
    }

    /// Which header fields of the input go on the outside of the signed message.
    pub fn headers(&self) -> &HeaderSelection {
        &self.headers
    }

    /// The crypto provider that signs.
    pub fn provider(&self) -> &'static dyn CryptoProvider {
        self.provider
    }

    /// The CMS layer's view of this signer.
    pub(crate) fn cms_signer(&self) -> smime_cms::SignerBuilder {
        self.cms.get_or_init(|| self.new_cms_signer()).clone()
    }

    /// A new CMS-layer signer for this signer's options.
    fn new_cms_signer(&self) -> smime_cms::SignerBuilder {
        let mut signer =
            smime_cms::SignerBuilder::new(self.certificate.x509().clone(), Arc::clone(&self.key))
                .digest(self.digest)
                .include_chain(self.chain.iter().map(|c| c.x509().clone()));
        if self.pss {
            signer = signer.pss();
        }
        if let Some(time) = self.signing_time {
            signer = signer.signing_time(time);
        }
        signer
    }
}

/// Options of a [`Signer`]; [`build`](Self::build) checks them.
#[derive(Clone, Debug)]
pub struct SignerBuilder {
    signer: Signer,
}

impl SignerBuilder {
    /// Certificates to send with the signature so that recipients can build the path: the
    /// signer's issuer first (the root may be left out). Added to those already given.
    pub fn chain(mut self, certificates: impl IntoIterator<Item = Certificate>) -> Self {
        self.signer.chain.extend(certificates);
        self
    }

    /// Detached (`multipart/signed`, the default) or opaque (`signed-data`).
    pub fn mode(mut self, mode: SigningMode) -> Self {
        self.signer.mode = mode;
        self
    }

    /// Shorthand for `.mode(SigningMode::Opaque)`.
    pub fn opaque(self) -> Self {
        self.mode(SigningMode::Opaque)
    }

    /// Shorthand for `.mode(SigningMode::Detached)`.
    pub fn detached(self) -> Self {
        self.mode(SigningMode::Detached)
    }

    /// The digest algorithm: SHA-256 (default), SHA-384 or SHA-512. SHA-1 is refused.
    pub fn digest(mut self, digest: DigestAlgorithm) -> Self {
        self.signer.digest = digest;
        self
    }

    /// Sign with RSASSA-PSS (RFC 4056) instead of PKCS #1 v1.5; RSA keys only.
    pub fn pss(mut self, pss: bool) -> Self {
        self.signer.pss = pss;
        self
    }

    /// Claim this signing time instead of the time of each signature.
    pub fn signing_time(mut self, time: SystemTime) -> Self {
        self.signer.signing_time = Some(time);
        self
    }

    /// Which header fields of the input go on the outside of the signed message (default
    /// [`HeaderSelection::standard`]: From, To, Cc, Subject, Date, Message-ID, …).
    pub fn headers(mut self, headers: HeaderSelection) -> Self {
        self.signer.headers = headers;
        self
    }

    /// The crypto provider that signs (default [`smime_crypto::default_provider`]).
    pub fn provider(mut self, provider: &'static dyn CryptoProvider) -> Self {
        self.signer.provider = provider;
        self
    }

    /// Checks the key against the certificate and the options against the key.
    ///
    /// # Errors
    /// [`Error::KeyMismatch`], [`Error::CertificateNotUsable`] (keyUsage without
    /// digitalSignature or nonRepudiation, or a key type that cannot sign), or
    /// [`Error::InvalidOption`] (SHA-1, RSA-PSS with an EC key, RSA shorter than 2048 bits).
    pub fn build(self) -> Result<Signer, Error> {
        let mut signer = self.signer;
        // Options may have changed since a CMS signer was made (none is, before `build`).
        signer.cms = OnceLock::new();
        let subject = signer.certificate.subject().to_string();
        let certified = signer.certificate.public_key()?;
        if certified != *signer.key.public_key() {
            return Err(Error::KeyMismatch {
                subject,
                certificate_key: certified.kind().to_string(),
            });
        }
        if !signer.certificate.permits_signing()? {
            return Err(Error::CertificateNotUsable {
                subject,
                operation: "signing",
                reason: "its keyUsage has neither digitalSignature nor nonRepudiation".to_owned(),
            });
        }
        if signer.digest == DigestAlgorithm::Sha1 {
            return Err(Error::InvalidOption(
                "SHA-1 is not used for new signatures; choose sha256, sha384 or sha512".to_owned(),
            ));
        }
        match signer.key.kind() {
            KeyKind::Ec { .. } if signer.pss => {
                return Err(Error::InvalidOption(format!(
                    "RSA-PSS needs an RSA key, but the key of \"{subject}\" is {}",
                    signer.key.kind()
                )));
            }
            KeyKind::Rsa { modulus_bits } if modulus_bits < 2048 => {
                return Err(Error::InvalidOption(format!(
                    "the RSA key of \"{subject}\" has {modulus_bits} bits; at least 2048 are needed to sign"
                )));
            }
            _ => {}
        }
        Ok(signer)
    }
}
