//! Export: writing a key, its certificate and the certificate's chain as a PKCS#12 file that
//! OpenSSL, Windows, macOS and this crate read back.
//!
//! The layout is OpenSSL's: an `AuthenticatedSafe` with the certificates first (in an
//! `EncryptedData`) and the shrouded key second (in a `Data`), protected by a MAC.

use der::asn1::{AnyRef, OctetStringRef, SetOfVec};
use der::{Decode, Encode, Tag};
use sha1::Digest;
use zeroize::Zeroizing;

use crate::authenticated_safe::{
    ContentInfoRef, ENCRYPTED_CONTENT_TAG, EncryptedContentInfoRef, EncryptedDataRef, ID_DATA,
    ID_ENCRYPTED_DATA,
};
use crate::error::Error;
use crate::identity::{self, PrivateKeyInfoRef};
use crate::kdf::HashAlgorithm;
use crate::limits::MAX_ITERATIONS;
use crate::mac;
use crate::password::Password;
use crate::pbe;
use crate::pfx::{DigestInfoRef, MacDataRef, PfxRef};
use crate::safe_bag::{
    AttributeRef, CERT_BAG, CertBagRef, EncryptedPrivateKeyInfoRef, FRIENDLY_NAME, LOCAL_KEY_ID,
    PKCS8_SHROUDED_KEY_BAG, SafeBagRef, X509_CERTIFICATE,
};

/// Default iteration count of [`Profile::Modern`]: 600,000.
///
/// OWASP's 2023 recommendation for PBKDF2-HMAC-SHA-256 (also the `pkcs5` crate's default).
/// OpenSSL 3 still writes 2,048, which makes each password guess against a stolen backup about
/// 300 times cheaper; a mail certificate's key opens years of mail, so it gets the stronger
/// default. The MAC uses the same count: the MAC is what an attacker checks guesses against
/// first, so it must not be weaker than the encryption. The cost is paid three times on export
/// and on import (MAC, certificates, key): about 0.3 s each way on one core of our build
/// machine (optimised build).
pub const MODERN_DEFAULT_ITERATIONS: u32 = 600_000;

/// Default iteration count of [`Profile::Compatibility`]: 2,048.
///
/// What OpenSSL's `-legacy` and most tools write (Windows writes 2,000), and therefore what
/// the old importers this profile exists for are known to accept. Raise it with
/// [`ExportBuilder::iterations`] when the target accepts more.
pub const COMPATIBILITY_DEFAULT_ITERATIONS: u32 = 2048;

/// Which algorithms an export uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Profile {
    /// PBES2 with PBKDF2-HMAC-SHA-256 and AES-256-CBC for the key and the certificates, an
    /// HMAC-SHA-256 MAC; [`MODERN_DEFAULT_ITERATIONS`]. What OpenSSL 3 writes by default (with
    /// more iterations); read by OpenSSL ≥ 1.1.1, current Windows and Java, NSS and Android.
    #[default]
    Modern,
    /// `pbeWithSHAAnd3-KeyTripleDES-CBC` for the key and the certificates, an HMAC-SHA-1 MAC;
    /// [`COMPATIBILITY_DEFAULT_ITERATIONS`]. For macOS Keychain and older Windows and Java,
    /// which reject PBES2 or SHA-256 MACs.
    Compatibility,
}

impl Profile {
    /// The iteration count used when [`ExportBuilder::iterations`] is not called.
    #[must_use]
    pub const fn default_iterations(self) -> u32 {
        match self {
            Self::Modern => MODERN_DEFAULT_ITERATIONS,
            Self::Compatibility => COMPATIBILITY_DEFAULT_ITERATIONS,
        }
    }
}

/// Builds a PKCS#12 file: a private key, its certificate, the certificate's chain, a
/// `friendlyName` and a `localKeyId`.
///
/// ```
/// use smime_pkcs12::{ExportBuilder, Password, Profile, import};
///
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"),
/// #     "/../../../shared/corpus/pyca-cryptography/pkcs12/cert-key-aes256cbc.p12");
/// # let old = import(&std::fs::read(path)?, Password::new("cryptography"))?;
/// # let identity = old.identity().expect("a key");
/// # let key = identity.key.pkcs8_der().to_vec();
/// # let cert = identity.certificate.expect("its certificate").der().to_vec();
/// // `key`: PKCS#8 DER, `cert`: the certificate's DER.
/// let p12 = ExportBuilder::new()
///     .key(&key)
///     .certificate(&cert)
///     .friendly_name("Alice (S/MIME)")
///     .profile(Profile::Modern)
///     .iterations(2048) // to keep the example fast: use the default outside tests
///     .build(Password::new("correct horse"))?;
///
/// let contents = import(&p12, Password::new("correct horse"))?;
/// let identity = contents.identity().expect("one key");
/// assert_eq!(identity.key.pkcs8_der().as_slice(), key.as_slice());
/// assert_eq!(identity.certificate.map(|c| c.der()), Some(cert.as_slice()));
/// assert_eq!(identity.key.friendly_name(), Some("Alice (S/MIME)"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct ExportBuilder {
    /// PKCS#8 `PrivateKeyInfo` DER.
    key: Option<Zeroizing<Vec<u8>>>,
    /// The key's certificate (DER).
    certificate: Option<Vec<u8>>,
    /// CA certificates (DER).
    chain: Vec<Vec<u8>>,
    /// `friendlyName` of the key and its certificate.
    friendly_name: Option<String>,
    /// `localKeyId` of the key and its certificate.
    local_key_id: Option<Vec<u8>>,
    /// Algorithms.
    profile: Profile,
    /// Iteration count (encryption and MAC).
    iterations: Option<u32>,
    /// Whether the certificates are encrypted.
    encrypt_certificates: Option<bool>,
}

impl core::fmt::Debug for ExportBuilder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ExportBuilder")
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .field("certificate", &self.certificate.is_some())
            .field("chain", &self.chain.len())
            .field("friendly_name", &self.friendly_name)
            .field("local_key_id", &self.local_key_id)
            .field("profile", &self.profile)
            .field("iterations", &self.iterations)
            .field("encrypt_certificates", &self.encrypt_certificates)
            .finish()
    }
}

impl ExportBuilder {
    /// An empty builder with [`Profile::Modern`].
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The private key, as unencrypted PKCS#8 `PrivateKeyInfo` DER (copied into a zeroizing
    /// buffer).
    #[must_use]
    pub fn key(mut self, pkcs8_der: &[u8]) -> Self {
        self.key = Some(Zeroizing::new(pkcs8_der.to_vec()));
        self
    }

    /// The key's certificate (DER).
    #[must_use]
    pub fn certificate(mut self, der: &[u8]) -> Self {
        self.certificate = Some(der.to_vec());
        self
    }

    /// Adds one CA certificate (DER) of the chain; call in order, issuer first.
    #[must_use]
    pub fn chain_certificate(mut self, der: &[u8]) -> Self {
        self.chain.push(der.to_vec());
        self
    }

    /// Adds CA certificates (DER) of the chain, issuer first.
    #[must_use]
    pub fn chain<'c>(mut self, certificates: impl IntoIterator<Item = &'c [u8]>) -> Self {
        self.chain
            .extend(certificates.into_iter().map(<[u8]>::to_vec));
        self
    }

    /// The `friendlyName` of the key and its certificate (what key stores show as the name).
    #[must_use]
    pub fn friendly_name(mut self, name: &str) -> Self {
        self.friendly_name = Some(name.to_owned());
        self
    }

    /// The `localKeyId` of the key and its certificate. Without it, the SHA-1 hash of the
    /// certificate is used, as OpenSSL does.
    #[must_use]
    pub fn local_key_id(mut self, id: &[u8]) -> Self {
        self.local_key_id = Some(id.to_vec());
        self
    }

    /// The algorithm profile (default [`Profile::Modern`]).
    #[must_use]
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// The iteration count for the encryption and the MAC (default:
    /// [`Profile::default_iterations`]); between 1 and
    /// [`MAX_ITERATIONS`](crate::limits::MAX_ITERATIONS).
    #[must_use]
    pub fn iterations(mut self, iterations: u32) -> Self {
        self.iterations = Some(iterations);
        self
    }

    /// Whether to encrypt the certificates too (default: yes, as OpenSSL does). Without it
    /// they are only covered by the MAC (`openssl pkcs12 -certpbe NONE`), which lets tools list
    /// a file's certificates without the password.
    #[must_use]
    pub fn encrypt_certificates(mut self, encrypt: bool) -> Self {
        self.encrypt_certificates = Some(encrypt);
        self
    }

    /// Writes the PKCS#12 file (DER) protected with `password`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when there is nothing to export, when the key is not PKCS#8 DER
    /// or a certificate not DER, when the key does not belong to the certificate (checked when
    /// the key shows its public key: RSA, EC, PKCS#8 v2), or when the iteration count is out of
    /// range; [`Error::Random`] when the system's random generator fails.
    pub fn build(&self, password: Password<'_>) -> Result<Vec<u8>, Error> {
        let iterations = self.iterations.unwrap_or(self.profile.default_iterations());
        if iterations == 0 || iterations > MAX_ITERATIONS {
            return Err(Error::invalid_input(format!(
                "iteration count {iterations} is outside 1..={MAX_ITERATIONS}"
            )));
        }
        if self.key.is_none() && self.certificate.is_none() && self.chain.is_empty() {
            return Err(Error::invalid_input("nothing to export"));
        }
        if let Some(key) = &self.key {
            PrivateKeyInfoRef::from_der(key).map_err(|e| {
                Error::invalid_input(format!("the key is not PKCS#8 PrivateKeyInfo DER: {e}"))
            })?;
        }
        if let Some(der) = &self.certificate {
            identity::certificate_facts(der)
                .map_err(|e| Error::invalid_input(format!("the certificate is not DER: {e}")))?;
        }
        for (index, der) in self.chain.iter().enumerate() {
            identity::certificate_facts(der).map_err(|e| {
                Error::invalid_input(format!("chain certificate {index} is not DER: {e}"))
            })?;
        }
        if let (Some(key), Some(cert)) = (&self.key, &self.certificate)
            && let Some(expected) = identity::expected_subject_public_key(key)
            && identity::certificate_facts(cert)
                .map(|f| f.subject_public_key)
                .ok()
                != Some(expected)
        {
            return Err(Error::invalid_input(
                "the private key does not belong to the certificate",
            ));
        }
        let local_key_id = match (&self.local_key_id, &self.certificate) {
            (Some(id), _) => Some(id.clone()),
            (None, Some(cert)) if self.key.is_some() => Some(sha1::Sha1::digest(cert).to_vec()),
            _ => None,
        };
        let name = self.friendly_name.as_deref();
        let lkid = local_key_id.as_deref();

        let bmp = password.bmp();
        let encrypt = |plaintext: &[u8]| -> Result<(Vec<u8>, Vec<u8>), Error> {
            match self.profile {
                Profile::Modern => {
                    pbe::encrypt_pbes2_aes256(password.utf8(), plaintext, iterations)
                }
                Profile::Compatibility => pbe::encrypt_pkcs12_3des(&bmp, plaintext, iterations),
            }
        };

        let mut content_infos = Vec::new();
        // 1. The certificates.
        let mut cert_bags = Vec::new();
        if let Some(cert) = &self.certificate {
            cert_bags.push(cert_bag(cert, name, lkid)?);
        }
        for cert in &self.chain {
            cert_bags.push(cert_bag(cert, None, None)?);
        }
        if !cert_bags.is_empty() {
            let safe_contents = sequence(&cert_bags.concat())?;
            if self.encrypt_certificates.unwrap_or(true) {
                let (alg, ciphertext) = encrypt(&safe_contents)?;
                content_infos.push(encrypted_data(&alg, &ciphertext)?);
            } else {
                content_infos.push(data(&safe_contents)?);
            }
        }
        // 2. The key.
        if let Some(key) = &self.key {
            let (alg, ciphertext) = encrypt(key)?;
            let epki = EncryptedPrivateKeyInfoRef {
                encryption_algorithm: AnyRef::from_der(&alg)
                    .and_then(|a| a.decode_as())
                    .map_err(encoding)?,
                encrypted_data: OctetStringRef::new(&ciphertext).map_err(encoding)?,
            }
            .to_der()
            .map_err(encoding)?;
            let bag = safe_bag(PKCS8_SHROUDED_KEY_BAG, &epki, name, lkid)?;
            content_infos.push(data(&sequence(&bag)?)?);
        }
        let auth_safe = sequence(&content_infos.concat())?;

        // 3. The MAC.
        let (digest, salt_len) = match self.profile {
            Profile::Modern => (HashAlgorithm::Sha256, 16),
            Profile::Compatibility => (HashAlgorithm::Sha1, 8),
        };
        let mut salt = vec![0u8; salt_len];
        pbe::random(&mut salt)?;
        let tag = mac::pkcs12_hmac(digest, &bmp, &salt, iterations, &auth_safe);
        let mac_data = MacDataRef {
            mac: DigestInfoRef {
                digest_algorithm: spki::AlgorithmIdentifierRef {
                    oid: digest.digest_oid(),
                    parameters: Some(AnyRef::NULL),
                },
                digest: OctetStringRef::new(&tag).map_err(encoding)?,
            },
            mac_salt: OctetStringRef::new(&salt).map_err(encoding)?,
            iterations: (iterations != 1).then_some(u64::from(iterations)),
        };
        let auth_safe_octets = OctetStringRef::new(&auth_safe).map_err(encoding)?;
        PfxRef {
            version: 3,
            auth_safe: ContentInfoRef {
                content_type: ID_DATA,
                content: Some(auth_safe_octets.into()),
            },
            mac_data: Some(mac_data),
        }
        .to_der()
        .map_err(encoding)
    }
}

/// Exports `key` (PKCS#8 DER) with its `certificate` and `chain` (DER, issuer first) under the
/// [`Profile::Modern`] defaults.
///
/// # Errors
/// As [`ExportBuilder::build`].
pub fn export<'c>(
    key: &[u8],
    certificate: &[u8],
    chain: impl IntoIterator<Item = &'c [u8]>,
    password: Password<'_>,
) -> Result<Vec<u8>, Error> {
    ExportBuilder::new()
        .key(key)
        .certificate(certificate)
        .chain(chain)
        .build(password)
}

/// Maps an encoding failure (which only lengths beyond 4 GiB can cause) to an error.
fn encoding(e: der::Error) -> Error {
    Error::invalid_input(format!("DER encoding failed: {e}"))
}

/// `SEQUENCE { contents }`, for already encoded elements.
fn sequence(contents: &[u8]) -> Result<Vec<u8>, Error> {
    AnyRef::new(Tag::Sequence, contents)
        .and_then(|any| any.to_der())
        .map_err(encoding)
}

/// A `ContentInfo` of type `data` holding `contents` in an OCTET STRING.
fn data(contents: &[u8]) -> Result<Vec<u8>, Error> {
    let octets = OctetStringRef::new(contents).map_err(encoding)?;
    ContentInfoRef {
        content_type: ID_DATA,
        content: Some(octets.into()),
    }
    .to_der()
    .map_err(encoding)
}

/// A `ContentInfo` of type `encryptedData`.
fn encrypted_data(alg: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, Error> {
    let encrypted = EncryptedDataRef {
        version: 0,
        encrypted_content_info: EncryptedContentInfoRef {
            content_type: ID_DATA,
            content_encryption_algorithm: AnyRef::from_der(alg)
                .and_then(|a| a.decode_as())
                .map_err(encoding)?,
            encrypted_content_element: Some(
                AnyRef::new(ENCRYPTED_CONTENT_TAG, ciphertext).map_err(encoding)?,
            ),
        },
    }
    .to_der()
    .map_err(encoding)?;
    ContentInfoRef {
        content_type: ID_ENCRYPTED_DATA,
        content: Some(AnyRef::from_der(&encrypted).map_err(encoding)?),
    }
    .to_der()
    .map_err(encoding)
}

/// A `certBag` `SafeBag`.
fn cert_bag(
    cert: &[u8],
    name: Option<&str>,
    local_key_id: Option<&[u8]>,
) -> Result<Vec<u8>, Error> {
    let value = CertBagRef {
        cert_id: X509_CERTIFICATE,
        cert_value: OctetStringRef::new(cert).map_err(encoding)?.into(),
    }
    .to_der()
    .map_err(encoding)?;
    safe_bag(CERT_BAG, &value, name, local_key_id)
}

/// A `SafeBag` with `friendlyName` and `localKeyId` attributes when given.
fn safe_bag(
    bag_id: const_oid::ObjectIdentifier,
    value: &[u8],
    name: Option<&str>,
    local_key_id: Option<&[u8]>,
) -> Result<Vec<u8>, Error> {
    // BMPString content: UTF-16BE, surrogate pairs for characters beyond the BMP (as OpenSSL).
    let name_utf16: Option<Vec<u8>> =
        name.map(|n| n.encode_utf16().flat_map(u16::to_be_bytes).collect());
    let mut attributes = Vec::new();
    if let Some(name) = &name_utf16 {
        attributes.push(AttributeRef {
            attr_id: FRIENDLY_NAME,
            attr_values: SetOfVec::try_from(vec![
                AnyRef::new(Tag::BmpString, name).map_err(encoding)?,
            ])
            .map_err(encoding)?,
        });
    }
    if let Some(id) = local_key_id {
        attributes.push(AttributeRef {
            attr_id: LOCAL_KEY_ID,
            attr_values: SetOfVec::try_from(vec![
                AnyRef::new(Tag::OctetString, id).map_err(encoding)?,
            ])
            .map_err(encoding)?,
        });
    }
    SafeBagRef {
        bag_id,
        bag_value: AnyRef::from_der(value).map_err(encoding)?,
        bag_attributes: if attributes.is_empty() {
            None
        } else {
            Some(SetOfVec::try_from(attributes).map_err(encoding)?)
        },
    }
    .to_der()
    .map_err(encoding)
}
