//! Small building blocks for streaming CMS (the `smime-stream` crate).
//!
//! A streaming signer hashes the content while copying it and only then signs; a streaming
//! verifier hashes the encapsulated content as it passes and checks the signers afterwards.
//! Both need the SignedData machinery of this crate without the content in memory: these
//! functions take the content's digests instead of the content.

use std::collections::HashMap;

use der::Encode;
use smime_crypto::{CryptoProvider, DigestAlgorithm};

use smime_crypto::{PrivateKey, PublicKey};
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use crate::algorithm_identifier;
use crate::ber::Tlv;
use crate::budget::{MAX_CERTIFICATES, MAX_RECIPIENTS, MAX_SIGNATURE_CHECKS, MAX_SIGNERS};
use crate::content_encryption::{ContentEncryption, ContentParameters};
use crate::content_info::ContentInfo;
use crate::content_info::ID_DATA;
use crate::error::Error;
use crate::recipient::{self, Credential, KeyManagement, RecipientBuilder};
use crate::signed_data::SignedData;
use crate::signer_info::decode_leaf;
use crate::signer_info::{
    SignerBuilder, SignerCertificate, SignerInfo, SignerReport, VerifyContext,
};
use crate::{Certificate, ber};

/// The parts of a SignedData that surround the encapsulated content, each DER-encoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedDataParts {
    /// The SignedData version (1 or 3, RFC 5652 §5.1).
    pub version: u8,
    /// `digestAlgorithms`: the DER `SET OF DigestAlgorithmIdentifier`.
    pub digest_algorithms: Vec<u8>,
    /// `certificates`: the DER `[0] IMPLICIT CertificateSet`, when any certificate is included.
    pub certificates: Option<Vec<u8>>,
    /// `signerInfos`: the DER `SET OF SignerInfo`. Empty until [`sign_with_digests`] ran.
    pub signer_infos: Vec<u8>,
}

/// The digest algorithms the `signers` need, deduplicated, in signer order.
pub fn signer_digest_algorithms(signers: &[SignerBuilder]) -> Result<Vec<DigestAlgorithm>, Error> {
    if signers.is_empty() {
        return Err(Error::NoSignerGiven);
    }
    if signers.len() > MAX_SIGNERS {
        return Err(Error::BudgetExceeded {
            what: "signers in one message",
            limit: MAX_SIGNERS,
        });
    }
    let mut out = Vec::new();
    for (index, signer) in signers.iter().enumerate() {
        let digest = signer.digest_algorithm(index)?;
        if !out.contains(&digest) {
            out.push(digest);
        }
    }
    Ok(out)
}

/// Everything of a SignedData except the content and the signerInfos: what a streaming signer
/// writes before the content. The parts are the ones [`SignedDataBuilder::build`] writes for
/// these signers and certificates.
///
/// [`SignedDataBuilder::build`]: crate::SignedDataBuilder::build
pub fn signed_data_header(
    signers: &[SignerBuilder],
    certificates: &[Certificate],
    content_type: const_oid::ObjectIdentifier,
) -> Result<SignedDataParts, Error> {
    let encoding = Error::encoding("SignedData");
    let mut digest_ids: Vec<Vec<u8>> = Vec::new();
    for digest in signer_digest_algorithms(signers)? {
        let der = algorithm_identifier::digest_identifier(digest)
            .to_der()
            .map_err(&encoding)?;
        if !digest_ids.contains(&der) {
            digest_ids.push(der);
        }
    }
    let mut certificate_ders: Vec<Vec<u8>> = Vec::new();
    let included = signers
        .iter()
        .flat_map(SignerBuilder::certificates_to_include)
        .chain(certificates.iter());
    for certificate in included {
        let der = certificate.to_der().map_err(&encoding)?;
        if !certificate_ders.contains(&der) {
            certificate_ders.push(der);
        }
    }
    if certificate_ders.len() > MAX_CERTIFICATES {
        return Err(Error::BudgetExceeded {
            what: "certificates in one message",
            limit: MAX_CERTIFICATES,
        });
    }
    let version: u8 = if signers.iter().any(SignerBuilder::is_version_3) || content_type != ID_DATA
    {
        3
    } else {
        1
    };
    let certificates = (!certificate_ders.is_empty()).then(|| {
        let mut set = ber::encode_set_of(certificate_ders);
        if let Some(tag) = set.first_mut() {
            *tag = ber::CONTEXT_0;
        }
        set
    });
    Ok(SignedDataParts {
        version,
        digest_algorithms: ber::encode_set_of(digest_ids),
        certificates,
        signer_infos: Vec::new(),
    })
}

/// Signs for every signer over precomputed content digests (one per algorithm of
/// [`signer_digest_algorithms`]) and returns the DER `SET OF SignerInfo`.
pub fn sign_with_digests(
    signers: &[SignerBuilder],
    content_type: const_oid::ObjectIdentifier,
    content_digests: &HashMap<DigestAlgorithm, Vec<u8>>,
    provider: &dyn CryptoProvider,
) -> Result<Vec<u8>, Error> {
    let needed = signer_digest_algorithms(signers)?;
    if let Some(missing) = needed.iter().find(|d| !content_digests.contains_key(d)) {
        return Err(Error::InvalidAlgorithms {
            signer: 0,
            reason: format!("no content digest was computed for {missing:?}"),
        });
    }
    let mut digests = content_digests.clone();
    let mut signer_infos = Vec::with_capacity(signers.len());
    for (index, signer) in signers.iter().enumerate() {
        // The digests are all present, so the (empty) content is never hashed.
        signer_infos.push(signer.build(index, content_type, &[], &mut digests, provider)?);
    }
    Ok(ber::encode_set_of(signer_infos))
}

/// What a verification against precomputed digests found: one report per SignerInfo.
///
/// A signer whose status is valid signed the content (cryptographically valid; trust not
/// evaluated — see `smime-path`).
#[derive(Clone, Debug)]
pub struct DigestVerification {
    /// The eContentType the signers signed.
    pub econtent_type: const_oid::ObjectIdentifier,
    /// One report per SignerInfo, in message order.
    pub signers: Vec<SignerReport>,
    /// The certificates the message carried.
    pub certificates: Vec<Certificate>,
}

/// Verifies every signer of a SignedData whose content is not in `signed_data` (it is detached,
/// or a streaming reader left it out) against precomputed `content_digests`.
///
/// `signed_data` is a `ContentInfo` holding the SignedData, DER or BER, without eContent. A
/// signer whose digest algorithm has no entry in `content_digests` fails with a digest mismatch.
pub fn verify_with_digests(
    signed_data: &[u8],
    content_digests: &HashMap<DigestAlgorithm, Vec<u8>>,
    certificates: &[Certificate],
    provider: &dyn CryptoProvider,
) -> Result<DigestVerification, Error> {
    // The full parse checks the structure and budgets; the SignerInfos are then read again.
    let parsed = SignedData::parse(signed_data)?;
    if parsed.signer_count() == 0 {
        return Err(Error::NoSigners);
    }
    if parsed.digest_algorithms().is_empty() {
        return Err(Error::NoDigestAlgorithms);
    }
    if parsed.econtent().is_some() {
        return Err(Error::ContentSuppliedTwice);
    }
    let info = ContentInfo::parse(signed_data)?;
    const WHAT: &str = "SignedData";
    let mut fields = info
        .content_tlv()
        .expect(ber::SEQUENCE, WHAT)?
        .reader(WHAT)?;
    let _version = fields.read()?;
    let _digest_algorithms = fields.read_expected(ber::SET)?;
    let _encap = fields.read_expected(ber::SEQUENCE)?;
    let _certificates = fields.read_optional(ber::CONTEXT_0)?;
    let _crls = fields.read_optional(ber::CONTEXT_1)?;
    let signer_set = fields.read_expected(ber::SET)?;
    let mut signer_infos = Vec::new();
    let mut reader = signer_set.reader("SignedData.signerInfos")?;
    while !reader.is_empty() {
        if signer_infos.len() >= MAX_SIGNERS {
            return Err(Error::BudgetExceeded {
                what: "signers in one message",
                limit: MAX_SIGNERS,
            });
        }
        signer_infos.push(SignerInfo::parse(reader.read()?)?);
    }

    let mut entries: Vec<SignerCertificate> = parsed.signer_certificates().to_vec();
    entries.extend(SignerCertificate::from_callers_list(certificates)?);
    // An algorithm without a computed digest is answered with the digest of nothing's
    // placeholder (empty), which cannot match a real messageDigest.
    let mut digests = content_digests.clone();
    for signer in &signer_infos {
        if let Ok(digest) = algorithm_identifier::digest_algorithm(&signer.digest_algorithm) {
            digests.entry(digest).or_default();
        }
    }
    let mut ctx = VerifyContext {
        provider,
        econtent_type: parsed.econtent_type(),
        content: &[],
        certificates: entries.iter().collect(),
        digests: digests.into_iter().collect(),
        signature_checks_left: MAX_SIGNATURE_CHECKS,
    };
    let signers = signer_infos
        .iter()
        .enumerate()
        .map(|(index, signer)| signer.verify(index, &mut ctx))
        .collect();
    Ok(DigestVerification {
        econtent_type: parsed.econtent_type(),
        signers,
        certificates: parsed.certificates().cloned().collect(),
    })
}

/// The content cipher of an envelope, with its parameters, for a streaming implementation.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamContentCipher {
    /// AES-GCM (AuthEnvelopedData, RFC 5084).
    Gcm {
        /// AES key size.
        cipher: smime_crypto::AeadCipher,
        /// The 12-octet nonce.
        nonce: Vec<u8>,
        /// The tag (mac) length, 12 to 16.
        tag_len: usize,
    },
    /// CBC with PKCS #7 padding (EnvelopedData).
    Cbc {
        /// The block cipher.
        cipher: smime_crypto::CbcCipher,
        /// The IV.
        iv: Vec<u8>,
    },
}

impl StreamContentCipher {
    fn from_parameters(parameters: &ContentParameters) -> Result<Self, Error> {
        match parameters {
            ContentParameters::Aead { cipher, params } => Ok(Self::Gcm {
                cipher: *cipher,
                nonce: params.nonce.clone(),
                tag_len: params.icv_len,
            }),
            ContentParameters::Cbc { cipher, iv } => Ok(Self::Cbc {
                cipher: *cipher,
                iv: iv.clone(),
            }),
            ContentParameters::Rc2 { .. } => Err(Error::UnsupportedContentEncryption {
                algorithm: "RC2-CBC (not streamed; use smime_cms::decrypt)".into(),
            }),
        }
    }
}

/// What a streaming encryptor writes before the content, and the key it encrypts with.
#[derive(Debug)]
pub struct EnvelopeStart {
    /// The content cipher chosen, with fresh parameters.
    pub cipher: StreamContentCipher,
    /// The fresh content-encryption key (zeroized on drop).
    pub content_key: Zeroizing<Vec<u8>>,
    /// The DER `SET OF RecipientInfo`.
    pub recipient_infos: Vec<u8>,
    /// The DER `ContentEncryptionAlgorithmIdentifier`.
    pub algorithm: Vec<u8>,
    /// The version of the EnvelopedData (or 0 for an AuthEnvelopedData).
    pub version: u8,
}

/// Generates a content-encryption key and parameters for `encryption` and encrypts the key to
/// every recipient.
pub fn envelope_start(
    recipients: &[RecipientBuilder],
    encryption: ContentEncryption,
    provider: &dyn CryptoProvider,
) -> Result<EnvelopeStart, Error> {
    if recipients.is_empty() {
        return Err(Error::NoRecipientGiven);
    }
    if recipients.len() > MAX_RECIPIENTS {
        return Err(Error::BudgetExceeded {
            what: "recipients in one message",
            limit: MAX_RECIPIENTS,
        });
    }
    let prepared = recipients
        .iter()
        .enumerate()
        .map(|(index, recipient)| recipient.prepare(index))
        .collect::<Result<Vec<_>, _>>()?;
    let parameters = ContentParameters::generate(encryption, provider)?;
    let cipher = StreamContentCipher::from_parameters(&parameters)?;
    let mut content_key = Zeroizing::new(vec![0u8; encryption.key_len()]);
    provider
        .fill_random(&mut content_key)
        .map_err(|e| Error::InvalidContentEncryption {
            reason: format!("random content-encryption key: {e}"),
        })?;
    let mut infos = Vec::with_capacity(prepared.len());
    for (index, recipient) in prepared.iter().enumerate() {
        infos.push(recipient.build(index, &content_key, encryption, provider)?);
    }
    let versions: Vec<u8> = prepared.iter().map(|p| p.version()).collect();
    let version = if encryption.is_authenticated() {
        0
    } else {
        crate::enveloped_data::version(&versions, prepared.iter().any(|p| p.is_password()), false)
    };
    let algorithm = parameters
        .to_algorithm_identifier()?
        .to_der()
        .map_err(Error::encoding("ContentEncryptionAlgorithmIdentifier"))?;
    Ok(EnvelopeStart {
        cipher,
        content_key,
        recipient_infos: ber::encode_set_of(infos),
        algorithm,
        version,
    })
}

/// The credentials a streaming decryptor may use (the same as [`crate::DecryptOptions`]).
#[derive(Debug, Default)]
pub struct StreamCredentials<'a> {
    credentials: Vec<Credential<'a>>,
    try_all: bool,
}

impl<'a> StreamCredentials<'a> {
    /// No credentials yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A private key and its certificate (see [`crate::DecryptOptions::private_key`]).
    pub fn private_key(mut self, certificate: &'a Certificate, key: &'a dyn PrivateKey) -> Self {
        self.credentials.push(Credential::PrivateKey {
            key,
            certificate: Some(certificate),
        });
        self
    }

    /// A pre-shared key-encryption key and its identifier.
    pub fn kek(mut self, key_identifier: &'a [u8], kek: &'a [u8]) -> Self {
        self.credentials.push(Credential::Kek {
            key_identifier,
            kek,
        });
        self
    }

    /// A password (RFC 3211).
    pub fn password(mut self, password: &'a [u8]) -> Self {
        self.credentials.push(Credential::Password(password));
        self
    }

    /// Open every RecipientInfo the credentials fit (see
    /// [`crate::DecryptOptions::try_all_recipients`]).
    pub fn try_all_recipients(mut self, yes: bool) -> Self {
        self.try_all = yes;
        self
    }
}

/// A content-encryption key recovered for streaming decryption.
#[derive(Debug)]
pub struct ContentKey {
    /// Index of the RecipientInfo it came from.
    pub recipient: usize,
    /// How it was protected.
    pub key_management: KeyManagement,
    /// The key (for RSA PKCS #1 v1.5 possibly the implicit-rejection substitute).
    pub key: Zeroizing<Vec<u8>>,
    /// Whether the key management proved the key right (not so for RSA PKCS #1 v1.5).
    pub verified: bool,
}

/// Reads the content cipher from its DER AlgorithmIdentifier and recovers every candidate
/// content-encryption key from the DER `SET OF RecipientInfo` with `credentials`, verified
/// keys first.
pub fn content_keys(
    recipient_infos: &[u8],
    algorithm: &[u8],
    authenticated: bool,
    credentials: &StreamCredentials<'_>,
    provider: &dyn CryptoProvider,
) -> Result<(StreamContentCipher, ContentEncryption, Vec<ContentKey>), Error> {
    for (index, credential) in credentials.credentials.iter().enumerate() {
        if let Credential::PrivateKey {
            key,
            certificate: Some(certificate),
        } = credential
        {
            let certified =
                PublicKey::from_spki(certificate.tbs_certificate().subject_public_key_info()).ok();
            if certified.as_ref() != Some(key.public_key()) {
                return Err(Error::CredentialKeyMismatch { credential: index });
            }
        }
    }
    let algorithm_tlv = Tlv::parse_exact(algorithm, "ContentEncryptionAlgorithmIdentifier")?;
    let algorithm: AlgorithmIdentifierOwned =
        decode_leaf(algorithm_tlv, "ContentEncryptionAlgorithmIdentifier")?;
    let parameters = ContentParameters::read(&algorithm, authenticated)?;
    let cipher = StreamContentCipher::from_parameters(&parameters)?;
    let set =
        Tlv::parse_exact(recipient_infos, "RecipientInfos")?.expect(ber::SET, "RecipientInfos")?;
    let infos = recipient::parse_recipient_infos(set)?;
    let encryption = parameters.encryption();
    let candidates = recipient::key_candidates(
        &infos,
        &credentials.credentials,
        credentials.try_all,
        encryption.key_len(),
        provider,
    )?;
    let (verified, unverified): (Vec<_>, Vec<_>) = candidates.into_iter().partition(|c| c.verified);
    let keys = verified
        .into_iter()
        .chain(unverified)
        .map(|c| ContentKey {
            recipient: c.recipient,
            key_management: c.key_management,
            key: c.key,
            verified: c.verified,
        })
        .collect();
    Ok((cipher, encryption, keys))
}
