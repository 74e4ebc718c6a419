//! Named limits that keep the streaming reader's memory bounded whatever the input.

/// Deepest nesting of constructed BER elements the reader follows. CMS needs about a dozen
/// levels (ContentInfo → SignedData → SignerInfo → attributes → values); `smime-cms` allows 64
/// for in-memory parsing, a streaming reader needs far fewer, and 1 MiB of `30 80` must end
/// after a few dozen octets.
pub const MAX_NESTING_DEPTH: usize = 32;

/// Largest element the reader buffers whole (version, digestAlgorithms, certificates, CRLs,
/// signerInfos). 256 certificates of 4 KiB (`smime_cms::budget::MAX_CERTIFICATES`) plus 64
/// signers stay well under it.
pub const MAX_BUFFERED_ELEMENT: u64 = 4 << 20;

/// Total of everything buffered around the content of one message.
pub const MAX_BUFFERED_TOTAL: u64 = 8 << 20;

/// OCTET STRING chunk size written by default, as `openssl cms -stream` (which writes 4 KiB
/// chunks) and most readers accept; large enough that chunk headers cost nothing.
pub const DEFAULT_CHUNK_SIZE: usize = 64 << 10;

/// Largest chunk size a writer may be configured with: each chunk is buffered.
pub const MAX_CHUNK_SIZE: usize = 16 << 20;

/// Size of the copy buffer used when reading one (possibly huge) primitive OCTET STRING.
pub const READ_BUFFER: usize = 64 << 10;
