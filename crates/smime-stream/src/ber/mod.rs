//! BER (X.690) over `std::io`: an indefinite-length writer and a bounded streaming reader.

pub mod reader;
pub mod writer;

pub use reader::{BerReader, Frame, Header};
pub use writer::{BerWriter, ChunkedOctetString};

/// Identifier octet of a SEQUENCE (constructed).
pub const SEQUENCE: u8 = 0x30;
/// Identifier octet of a SET (constructed).
pub const SET: u8 = 0x31;
/// Identifier octet of a primitive OCTET STRING.
pub const OCTET_STRING: u8 = 0x04;
/// Identifier octet of a constructed OCTET STRING.
pub const OCTET_STRING_CONSTRUCTED: u8 = 0x24;
/// Identifier octet of an OBJECT IDENTIFIER.
pub const OBJECT_IDENTIFIER: u8 = 0x06;
/// Identifier octet of an INTEGER.
pub const INTEGER: u8 = 0x02;
/// Identifier octet of `[0]` constructed (EXPLICIT or IMPLICIT SET).
pub const CONTEXT_0: u8 = 0xA0;
/// Identifier octet of `[1]` constructed.
pub const CONTEXT_1: u8 = 0xA1;

/// The identifier and length octets of a definite-length element of `len` content octets
/// (DER: shortest length form).
pub fn definite_header(tag: u8, len: usize) -> Vec<u8> {
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out
}

/// A definite-length element of the concatenated `parts`.
pub fn definite(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len = parts.iter().map(|p| p.len()).sum();
    let mut out = definite_header(tag, len);
    for part in parts {
        out.extend_from_slice(part);
    }
    out
}
