//! Limits on the work one message can cause. Each is far above what real mail needs and small
//! enough that a hostile message cannot make parsing or verification slow, deep or
//! memory-hungry. Exceeding one is an [`Error`](crate::Error), never a silent truncation: a
//! message we did not read to the end must not be reported as read.

/// Deepest nesting of MIME entities, counting every multipart level, every encapsulated
/// `message/rfc822` and every S/MIME layer (signed content, decrypted content).
///
/// Real mail nests a handful of levels: a triple-wrapped message (RFC 2634 §1.1) forwarded as
/// an attachment of a `multipart/mixed` inside a `multipart/alternative` is about 8. Postfix
/// rejects mail nested deeper than 100 levels (`mime_nesting_limit`, default 100). We stop at
/// 32 because each level re-scans its body for boundaries, so the depth bounds the parsing
/// cost at 32 times the input size; the parser recurses once per level, which bounds the
/// stack too (at this depth, parsing and [`open`](crate::open) fit in 512 KiB of stack even
/// in an unoptimised build; see `tests/hostile.rs`).
pub const MAX_NESTING_DEPTH: usize = 32;

/// MIME entities (leaves and containers, all levels) in one message, including those found
/// in decrypted or opaque-signed content.
///
/// RFC 2046 sets no limit. A message with 4,096 parts would carry some 100 MB at a modest
/// 25 KB a part — past every mail system's size limit — while each part costs a header parse
/// and a report entry here.
pub const MAX_PARTS: usize = 4096;

/// Header fields in one entity's header section.
///
/// A delivered message carries 20–60 fields (a dozen `Received` lines included); MIME part
/// headers carry 1–5. Each field is scanned and the MIME ones are parsed.
pub const MAX_HEADER_FIELDS: usize = 1024;

/// S/MIME structures (multipart/signed, application/pkcs7-mime) verified, decrypted or read
/// in one message.
///
/// A triple-wrapped message (sign, encrypt, sign; RFC 2634 §1.1) has three; a forwarded
/// thread a few more. Each costs a CMS parse and public-key operations (smime-cms caps the
/// signature checks of one SignedData at 100 more).
pub const MAX_SMIME_STRUCTURES: usize = 16;
