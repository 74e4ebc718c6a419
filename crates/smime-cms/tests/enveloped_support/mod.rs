//! Shared by the enveloped_* tests: hand-made envelopes (RecipientInfos and parameters a
//! conforming sender would never write), and a provider and a key that count the operations
//! the decryption asks of them.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of this module"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use cms::cert::IssuerAndSerialNumber;
use cms::content_info::CmsVersion;
use cms::enveloped_data::{
    KekIdentifier, KekRecipientInfo, KeyTransRecipientInfo, RecipientIdentifier, RecipientInfo,
};
use smime_crypto::{
    AeadCipher, CbcCipher, CryptoProvider, DigestAlgorithm, EphemeralAgreement, GcmParameters,
    Hasher, KeyKind, PrivateKey, PublicKey, RsaEncryptionPadding, SignatureScheme,
};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::der::asn1::OctetString;
use x509_cert::der::{Decode, Encode};
use zeroize::Zeroizing;

/// A DER element with a one-octet tag whose contents are the concatenation of `parts`.
pub(crate) fn tlv(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let content = parts.concat();
    let len = content.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend(content);
    out
}

/// The DER of any encodable value.
pub(crate) fn der<T: Encode>(value: &T) -> Vec<u8> {
    value.to_der().unwrap()
}

/// The OID of id-data, DER.
pub(crate) fn id_data() -> Vec<u8> {
    der(&smime_cms::content_info::ID_DATA)
}

/// An envelope put together by hand.
#[derive(Clone, Debug)]
pub(crate) struct Crafted {
    pub(crate) recipient_infos: Vec<Vec<u8>>,
    pub(crate) content_type: Vec<u8>,
    pub(crate) algorithm: Vec<u8>,
    pub(crate) ciphertext: Option<Vec<u8>>,
    /// The DER SET OF authenticated attributes (tag 0x31).
    pub(crate) auth_attributes: Option<Vec<u8>>,
    /// `Some` makes an AuthEnvelopedData.
    pub(crate) mac: Option<Vec<u8>>,
}

impl Crafted {
    /// The ContentInfo, with the RecipientInfos in the order given (not sorted).
    pub(crate) fn encode(&self) -> Vec<u8> {
        let ris: Vec<&[u8]> = self.recipient_infos.iter().map(Vec::as_slice).collect();
        let set = tlv(0x31, &ris);
        let content = self
            .ciphertext
            .as_ref()
            .map(|c| tlv(0x80, &[c]))
            .unwrap_or_default();
        let eci = tlv(0x30, &[&self.content_type, &self.algorithm, &content]);
        let (oid, body) = match &self.mac {
            Some(mac) => {
                let auth = self
                    .auth_attributes
                    .as_ref()
                    .map(|set| {
                        let mut implicit = set.clone();
                        implicit[0] = 0xA1;
                        implicit
                    })
                    .unwrap_or_default();
                (
                    "1.2.840.113549.1.9.16.1.23",
                    tlv(0x30, &[&[2, 1, 0], &set, &eci, &auth, &tlv(0x04, &[mac])]),
                )
            }
            None => ("1.2.840.113549.1.7.3", tlv(0x30, &[&[2, 1, 2], &set, &eci])),
        };
        let oid = der(&oid.parse::<const_oid::ObjectIdentifier>().unwrap());
        tlv(0x30, &[&oid, &tlv(0xA0, &[&body])])
    }
}

/// AES-128-GCM over `content` with `key`: (algorithm DER, ciphertext, tag).
pub(crate) fn gcm(
    provider: &dyn CryptoProvider,
    key: &[u8],
    content: &[u8],
    aad: &[u8],
) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let mut nonce = vec![0u8; 12];
    provider.fill_random(&mut nonce).unwrap();
    let mut buffer = content.to_vec();
    let tag = provider
        .aead_seal_in_place(AeadCipher::Aes128Gcm, key, &nonce, aad, &mut buffer, 16)
        .unwrap();
    let algorithm = AeadCipher::Aes128Gcm
        .to_algorithm_identifier(&GcmParameters { nonce, icv_len: 16 })
        .unwrap();
    (der(&algorithm), buffer, tag)
}

/// AES-128-CBC over `content` with `key`: (algorithm DER, ciphertext).
pub(crate) fn cbc(provider: &dyn CryptoProvider, key: &[u8], content: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut iv = vec![0u8; 16];
    provider.fill_random(&mut iv).unwrap();
    let ciphertext = provider
        .cbc_encrypt(CbcCipher::Aes128, key, &iv, content)
        .unwrap();
    (
        der(&CbcCipher::Aes128.to_algorithm_identifier(&iv).unwrap()),
        ciphertext,
    )
}

/// A KeyTransRecipientInfo naming `certificate` by issuer and serial number.
pub(crate) fn ktri(
    certificate: &Certificate,
    algorithm: AlgorithmIdentifierOwned,
    encrypted_key: &[u8],
) -> Vec<u8> {
    let tbs = certificate.tbs_certificate();
    der(&RecipientInfo::Ktri(KeyTransRecipientInfo {
        version: CmsVersion::V0,
        rid: RecipientIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        key_enc_alg: algorithm,
        enc_key: OctetString::new(encrypted_key).unwrap(),
    }))
}

/// rsaEncryption with NULL parameters.
pub(crate) fn rsa_encryption() -> AlgorithmIdentifierOwned {
    RsaEncryptionPadding::Pkcs1v15
        .to_algorithm_identifier()
        .unwrap()
}

/// A KEKRecipientInfo.
pub(crate) fn kekri(
    key_identifier: &[u8],
    algorithm: AlgorithmIdentifierOwned,
    encrypted_key: &[u8],
) -> Vec<u8> {
    der(&RecipientInfo::Kekri(KekRecipientInfo {
        version: CmsVersion::V4,
        kek_id: KekIdentifier {
            kek_identifier: OctetString::new(key_identifier).unwrap(),
            date: None,
            other: None,
        },
        key_enc_alg: algorithm,
        encrypted_key: OctetString::new(encrypted_key).unwrap(),
    }))
}

/// The RecipientInfos of an envelope we built (decoded with the `cms` crate).
pub(crate) fn recipient_infos_of(message: &[u8]) -> Vec<RecipientInfo> {
    let info = cms::content_info::ContentInfo::from_der(message).unwrap();
    let content = info.content.to_der().unwrap();
    if info.content_type.to_string() == "1.2.840.113549.1.9.16.1.23" {
        cms::authenveloped_data::AuthEnvelopedData::from_der(&content)
            .unwrap()
            .recip_infos
            .0
            .into_vec()
    } else {
        cms::enveloped_data::EnvelopedData::from_der(&content)
            .unwrap()
            .recip_infos
            .0
            .into_vec()
    }
}

/// Counts the private-key operations asked of a key.
#[derive(Debug)]
pub(crate) struct CountingKey {
    inner: Arc<dyn PrivateKey>,
    pub(crate) decryptions: AtomicUsize,
    pub(crate) agreements: AtomicUsize,
}

impl CountingKey {
    pub(crate) fn new(inner: Arc<dyn PrivateKey>) -> Self {
        Self {
            inner,
            decryptions: AtomicUsize::new(0),
            agreements: AtomicUsize::new(0),
        }
    }

    /// (RSA decryptions, ECDH agreements) so far.
    pub(crate) fn counts(&self) -> (usize, usize) {
        (
            self.decryptions.load(Ordering::SeqCst),
            self.agreements.load(Ordering::SeqCst),
        )
    }
}

impl PrivateKey for CountingKey {
    fn public_key(&self) -> &PublicKey {
        self.inner.public_key()
    }

    fn kind(&self) -> KeyKind {
        self.inner.kind()
    }

    fn sign_digest(
        &self,
        scheme: SignatureScheme,
        digest: &[u8],
    ) -> Result<Vec<u8>, smime_crypto::Error> {
        self.inner.sign_digest(scheme, digest)
    }

    fn decrypt_key(
        &self,
        padding: RsaEncryptionPadding,
        ciphertext: &[u8],
        key_len: usize,
    ) -> Result<Zeroizing<Vec<u8>>, smime_crypto::Error> {
        self.decryptions.fetch_add(1, Ordering::SeqCst);
        self.inner.decrypt_key(padding, ciphertext, key_len)
    }

    fn agree(&self, peer: &PublicKey) -> Result<Zeroizing<Vec<u8>>, smime_crypto::Error> {
        self.agreements.fetch_add(1, Ordering::SeqCst);
        self.inner.agree(peer)
    }
}

/// Counts the content decryptions asked of a provider; everything else is delegated.
#[derive(Debug)]
pub(crate) struct CountingProvider {
    inner: &'static dyn CryptoProvider,
    pub(crate) aead_opens: AtomicUsize,
    pub(crate) cbc_decryptions: AtomicUsize,
    pub(crate) key_unwraps: AtomicUsize,
}

impl CountingProvider {
    pub(crate) fn new(inner: &'static dyn CryptoProvider) -> Self {
        Self {
            inner,
            aead_opens: AtomicUsize::new(0),
            cbc_decryptions: AtomicUsize::new(0),
            key_unwraps: AtomicUsize::new(0),
        }
    }

    /// (AEAD opens, CBC decryptions, key unwraps) so far.
    pub(crate) fn counts(&self) -> (usize, usize, usize) {
        (
            self.aead_opens.load(Ordering::SeqCst),
            self.cbc_decryptions.load(Ordering::SeqCst),
            self.key_unwraps.load(Ordering::SeqCst),
        )
    }
}

impl CryptoProvider for CountingProvider {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn hasher(&self, algorithm: DigestAlgorithm) -> Result<Box<dyn Hasher>, smime_crypto::Error> {
        self.inner.hasher(algorithm)
    }
    fn verify_digest(
        &self,
        scheme: SignatureScheme,
        public_key: &PublicKey,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), smime_crypto::Error> {
        self.inner
            .verify_digest(scheme, public_key, digest, signature)
    }
    fn private_key_from_pkcs8(
        &self,
        pkcs8_der: &[u8],
    ) -> Result<Arc<dyn PrivateKey>, smime_crypto::Error> {
        self.inner.private_key_from_pkcs8(pkcs8_der)
    }
    fn generate_pkcs8(&self, kind: KeyKind) -> Result<Zeroizing<Vec<u8>>, smime_crypto::Error> {
        self.inner.generate_pkcs8(kind)
    }
    fn rsa_encrypt(
        &self,
        padding: RsaEncryptionPadding,
        public_key: &PublicKey,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, smime_crypto::Error> {
        self.inner.rsa_encrypt(padding, public_key, plaintext)
    }
    fn ecdh_ephemeral(
        &self,
        recipient: &PublicKey,
    ) -> Result<EphemeralAgreement, smime_crypto::Error> {
        self.inner.ecdh_ephemeral(recipient)
    }
    fn aead_seal_in_place(
        &self,
        cipher: AeadCipher,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        in_out: &mut [u8],
        tag_len: usize,
    ) -> Result<Vec<u8>, smime_crypto::Error> {
        self.inner
            .aead_seal_in_place(cipher, key, nonce, aad, in_out, tag_len)
    }
    fn aead_open_in_place(
        &self,
        cipher: AeadCipher,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        in_out: &mut [u8],
        tag: &[u8],
    ) -> Result<(), smime_crypto::Error> {
        self.aead_opens.fetch_add(1, Ordering::SeqCst);
        self.inner
            .aead_open_in_place(cipher, key, nonce, aad, in_out, tag)
    }
    fn cbc_encrypt(
        &self,
        cipher: CbcCipher,
        key: &[u8],
        iv: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, smime_crypto::Error> {
        self.inner.cbc_encrypt(cipher, key, iv, plaintext)
    }
    fn cbc_decrypt(
        &self,
        cipher: CbcCipher,
        key: &[u8],
        iv: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, smime_crypto::Error> {
        self.cbc_decryptions.fetch_add(1, Ordering::SeqCst);
        self.inner.cbc_decrypt(cipher, key, iv, ciphertext)
    }
    fn key_wrap(&self, kek: &[u8], key: &[u8]) -> Result<Vec<u8>, smime_crypto::Error> {
        self.inner.key_wrap(kek, key)
    }
    fn key_unwrap(
        &self,
        kek: &[u8],
        wrapped: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, smime_crypto::Error> {
        self.key_unwraps.fetch_add(1, Ordering::SeqCst);
        self.inner.key_unwrap(kek, wrapped)
    }
    fn fill_random(&self, out: &mut [u8]) -> Result<(), smime_crypto::Error> {
        self.inner.fill_random(out)
    }
}
