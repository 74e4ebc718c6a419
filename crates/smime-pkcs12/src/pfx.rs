//! The outermost structure, `PFX` (RFC 7292 §4), with its `MacData`; and [`Pfx`], a parsed
//! file that has not been decrypted yet.

use der::asn1::OctetStringRef;
use der::{Decode, Sequence};
use spki::AlgorithmIdentifierRef;
use zeroize::Zeroizing;

use crate::authenticated_safe::{ContentInfoRef, ID_DATA, ID_SIGNED_DATA};
use crate::ber;
use crate::error::{AlgorithmRole, Error, Limit, Location};
use crate::limits::Limits;
use crate::mac::{self, Integrity};

/// `PFX` (RFC 7292 §4), borrowed.
///
/// ```text
/// PFX ::= SEQUENCE {
///     version     INTEGER {v3(3)}(v3,...),
///     authSafe    ContentInfo,
///     macData     MacData OPTIONAL }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Sequence)]
pub struct PfxRef<'a> {
    /// Always 3.
    pub version: u64,
    /// `id-data` holding the DER `AuthenticatedSafe` in an OCTET STRING (password integrity
    /// mode), or `id-signedData` (public-key integrity mode, not supported).
    pub auth_safe: ContentInfoRef<'a>,
    /// The MAC, in password integrity mode.
    pub mac_data: Option<MacDataRef<'a>>,
}

/// `MacData` (RFC 7292 §4), borrowed.
///
/// ```text
/// MacData ::= SEQUENCE {
///     mac         DigestInfo,
///     macSalt     OCTET STRING,
///     iterations  INTEGER DEFAULT 1 }
/// ```
///
/// `iterations` is decoded as OPTIONAL, so that the DEFAULT value written out explicitly (not
/// DER, but found in real files) is accepted; it is omitted when encoding the default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Sequence)]
pub struct MacDataRef<'a> {
    /// The MAC algorithm (a digest OID, or `id-PBMAC1` with its parameters) and value.
    pub mac: DigestInfoRef<'a>,
    /// The PKCS#12 KDF salt (`"NOT USED"` with PBMAC1).
    pub mac_salt: &'a OctetStringRef,
    /// The PKCS#12 KDF iteration count (1 when absent; 1 with PBMAC1).
    pub iterations: Option<u64>,
}

/// `DigestInfo` (RFC 8017 §9.2), borrowed.
///
/// ```text
/// DigestInfo ::= SEQUENCE {
///     digestAlgorithm  AlgorithmIdentifier,
///     digest           OCTET STRING }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Sequence)]
pub struct DigestInfoRef<'a> {
    /// The algorithm.
    pub digest_algorithm: AlgorithmIdentifierRef<'a>,
    /// The value.
    pub digest: &'a OctetStringRef,
}

/// A PKCS#12 file whose structure has been read but which has not been decrypted: it knows how
/// its integrity is protected ([`Pfx::integrity`]) and opens with [`Pfx::decrypt`].
///
/// Parsing checks the version, the integrity mode and the MAC algorithm, so that an
/// unsupported file is reported before anyone is asked for a password.
///
/// ```no_run
/// use smime_pkcs12::{Integrity, Password, Pfx};
///
/// let bytes = std::fs::read("identity.p12")?;
/// let pfx = Pfx::parse(&bytes)?;
/// if pfx.integrity() == Integrity::None {
///     eprintln!("warning: this file has no MAC");
/// }
/// let contents = pfx.decrypt(Password::new("secret"))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Pfx {
    /// The file, re-encoded from BER by [`ber::to_der`]; zeroized on drop because keys may sit
    /// in it unencrypted (`-keypbe NONE`).
    pub(crate) der: Zeroizing<Vec<u8>>,
    /// The limits this file was parsed under, and will be decrypted under.
    pub(crate) limits: Limits,
    /// How the file's integrity is protected.
    integrity: Integrity,
}

impl core::fmt::Debug for Pfx {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pfx")
            .field("len", &self.der.len())
            .field("integrity", &self.integrity)
            .finish_non_exhaustive()
    }
}

impl Pfx {
    /// Reads a PKCS#12 file (DER or BER) under the default [`Limits`].
    ///
    /// # Errors
    /// [`Error::Corrupt`] for anything that is not a version-3 PFX,
    /// [`Error::UnsupportedAlgorithm`] for the public-key integrity mode and MAC algorithms
    /// other than HMAC-SHA-1/224/256/384/512 and PBMAC1, [`Error::LimitExceeded`] for inputs
    /// beyond the limits.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        Self::parse_with_limits(bytes, Limits::default())
    }

    /// Reads a PKCS#12 file (DER or BER) under `limits`.
    ///
    /// # Errors
    /// As [`Pfx::parse`].
    pub fn parse_with_limits(bytes: &[u8], limits: Limits) -> Result<Self, Error> {
        let at = Location::pfx();
        if bytes.len() > limits.max_input_len {
            return Err(Error::limit(
                &at,
                Limit::InputLength,
                bytes.len() as u64,
                limits.max_input_len as u64,
            ));
        }
        let der = Zeroizing::new(ber::to_der(bytes, limits.max_asn1_depth, &at)?.to_vec());
        let integrity = {
            let pfx = decode_pfx(&der, &at)?;
            match pfx.mac_data {
                None => Integrity::None,
                Some(mac_data) => mac::parse(&mac_data, &at.child("macData"))?.integrity,
            }
        };
        Ok(Self {
            der,
            limits,
            integrity,
        })
    }

    /// How the file's integrity is protected.
    #[must_use]
    pub fn integrity(&self) -> Integrity {
        self.integrity
    }
}

/// Decodes and checks the `PFX` in `der`: version 3, password integrity mode, `authSafe`
/// content present.
pub(crate) fn decode_pfx<'a>(der: &'a [u8], at: &Location) -> Result<PfxRef<'a>, Error> {
    let pfx = PfxRef::from_ber(der).map_err(|e| Error::corrupt(at, format!("not a PFX: {e}")))?;
    if pfx.version != 3 {
        return Err(Error::corrupt(
            at,
            format!("version {}: RFC 7292 defines only version 3", pfx.version),
        ));
    }
    let auth_at = at.child("authSafe");
    match pfx.auth_safe.content_type {
        ID_DATA => {}
        ID_SIGNED_DATA => {
            // Public-key integrity mode (RFC 7292 §3.1): no known exporter writes it.
            return Err(Error::unsupported(
                &auth_at,
                AlgorithmRole::ContentType,
                ID_SIGNED_DATA,
            ));
        }
        other => {
            return Err(Error::unsupported(
                &auth_at,
                AlgorithmRole::ContentType,
                other,
            ));
        }
    }
    if pfx.auth_safe.content.is_none() {
        return Err(Error::corrupt(&auth_at, "the authSafe has no content"));
    }
    Ok(pfx)
}

/// The contents octets of the `authSafe` OCTET STRING: the encoded `AuthenticatedSafe`, over
/// which the MAC is computed.
pub(crate) fn auth_safe_content<'a>(pfx: &PfxRef<'a>, at: &Location) -> Result<&'a [u8], Error> {
    let content = pfx
        .auth_safe
        .content
        .ok_or_else(|| Error::corrupt(at, "the authSafe has no content"))?;
    let octets: &'a OctetStringRef = content
        .decode_as()
        .map_err(|e| Error::corrupt(at, format!("authSafe content is not an OCTET STRING: {e}")))?;
    Ok(octets.as_bytes())
}
