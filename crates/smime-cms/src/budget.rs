//! Limits on the work one message can cause. Every limit is generous for real mail and small
//! enough that a hostile message cannot make verification slow or memory-hungry; exceeding
//! one is an error ([`Error::BudgetExceeded`](crate::Error::BudgetExceeded) or
//! [`Error::NestingTooDeep`](crate::Error::NestingTooDeep)), never a silent truncation.

/// Deepest ASN.1 nesting accepted in BER input. The deepest path of a SignedData that carries
/// certificates (ContentInfo → SignedData → certificates → Certificate → TBSCertificate →
/// extensions → extension → value → …) is about 12 levels; 64 is the limit `der` 0.8 applies
/// to its own readers (`der::reader::MAX_NESTING_DEPTH`). It bounds both the iterative scan
/// for the end of indefinite-length elements and the (recursive) BER-to-DER transcoding of
/// small leaves, so a `30 80 30 80 …` bomb ends with an error after 64 levels on any stack.
pub const MAX_NESTING_DEPTH: usize = 64;

/// Octets of a high tag number (X.690 §8.1.2.4). CMS only uses tag numbers below 31; four
/// base-128 octets (numbers below 2^28) are plenty and keep the arithmetic in a `u32`.
pub const MAX_TAG_NUMBER_OCTETS: usize = 4;

/// SignerInfos in one SignedData. Mail is signed by one or two parties (RFC 4134 §4.6 has
/// two); each signer costs a content digest and a public-key operation.
pub const MAX_SIGNERS: usize = 64;

/// Certificates carried in one SignedData. A message carries its signers' chains (a handful
/// each); 256 also covers certs-only bundles of a CA's roots and intermediates. Each
/// certificate is parsed, and each signer's identifier is compared with each one.
pub const MAX_CERTIFICATES: usize = 256;

/// Revocation entries (CRLs or other formats) carried in one SignedData; kept as bytes, not
/// parsed here.
pub const MAX_REVOCATION_ENTRIES: usize = 256;

/// Algorithms in the SignedData `digestAlgorithms` set (one per digest the signers use).
pub const MAX_DIGEST_ALGORITHMS: usize = 16;

/// Attributes in one signed or unsigned attribute set. RFC 4134 §4.10, the richest sample
/// we know, has 11 signed attributes.
pub const MAX_ATTRIBUTES: usize = 128;

/// Values in one attribute's SET OF AttributeValue.
pub const MAX_ATTRIBUTE_VALUES: usize = 64;

/// Entries in an SMIMECapabilities attribute (RFC 8551 §2.5.2). Real agents list 5–20.
pub const MAX_CAPABILITIES: usize = 256;

/// Public-key signature checks for one message. Each signer is checked against every
/// certificate that matches its identifier (normally one); this caps the total at the figure
/// rustls-webpki uses for a path build (`Budget::signatures`, 100).
pub const MAX_SIGNATURE_CHECKS: usize = 100;

/// Recipients of one EnvelopedData or AuthEnvelopedData, read or written (RecipientInfos, and
/// each RecipientEncryptedKey of a KeyAgreeRecipientInfo). A message to a mailing list can
/// carry a few hundred; each RecipientInfo the caller's key can address may cost a
/// private-key operation when every RecipientInfo is tried (OpenSSL has no limit).
pub const MAX_RECIPIENTS: usize = 256;

/// Octets of content encrypted or decrypted in one call (256 MiB). Mail systems refuse
/// messages above 150 MB (Exchange Online's maximum; most allow 25–50 MB) and base64 adds a
/// third, so real S/MIME content stays far below; the whole content is held in memory.
pub const MAX_CONTENT_LEN: usize = 256 << 20;

/// PBKDF2 iterations accepted from a PasswordRecipientInfo (RFC 3211). OpenSSL writes 2,048;
/// OWASP recommends 600,000 for PBKDF2-HMAC-SHA-256 (what we write by default). The limit is
/// `smime_crypto::load::MAX_PBKDF2_ITERATIONS`, the one used for encrypted key files: a
/// message cannot make us spend more than seconds on a password.
pub const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;

/// Octets of content decrypted in one call, summed over the content-encryption keys tried
/// (1 GiB). With a certificate one key is tried; when every RecipientInfo is tried, each key
/// recovered costs one decryption of the content, and this caps what a message with many
/// RecipientInfos can cost: at least four tries of the largest content.
pub const MAX_DECRYPTION_WORK: usize = 1 << 30;
