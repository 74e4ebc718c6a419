//! Passwords and how PKCS#12 turns them into bytes.
//!
//! See [`Password`].

use core::fmt;

use zeroize::Zeroizing;

/// A PKCS#12 password: absent, empty, or some text.
///
/// RFC 7292 has two password encodings, and OpenSSL adds a distinction between "no password"
/// and "the empty password":
///
/// | | PKCS#12 KDF (RFC 7292 App. B: MAC, `pbeWithSHAAnd…`) | PBKDF2 (PBES2, PBMAC1) |
/// |---|---|---|
/// | `Password::new("pässword")` | BMPString (UTF-16BE) + `00 00` | UTF-8 |
/// | [`Password::EMPTY`] | `00 00` | empty |
/// | [`Password::ABSENT`] | empty (no terminator) | empty |
///
/// Characters outside the Basic Multilingual Plane are written as UTF-16 surrogate pairs, as
/// OpenSSL does (a strict BMPString cannot hold them).
///
/// The absent and the empty password are thus different inputs to the PKCS#12 KDF. Files made
/// with one are opened with the other too, as OpenSSL's `PKCS12_parse` does: the import tries the given variant first and
/// then the other, and reports which one matched in
/// [`Pkcs12::password_variant`](crate::Pkcs12::password_variant).
///
/// The password is borrowed, never copied into a long-lived buffer; the encoded forms built
/// from it are zeroized when dropped.
///
/// ```
/// use smime_pkcs12::Password;
///
/// let typed = Password::new("correct horse");
/// assert!(!typed.is_absent() && !typed.is_empty());
/// assert!(Password::new("").is_empty());
/// assert!(Password::ABSENT.is_absent());
/// assert_ne!(Password::ABSENT, Password::EMPTY);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Password<'a> {
    /// `None` for the absent password.
    text: Option<&'a str>,
}

impl<'a> Password<'a> {
    /// No password at all (OpenSSL's `NULL` password).
    pub const ABSENT: Password<'static> = Password { text: None };

    /// The empty password (`""`; `-passin pass:` on OpenSSL's command line).
    pub const EMPTY: Password<'static> = Password { text: Some("") };

    /// A password typed by a user. `Password::new("")` is [`Password::EMPTY`].
    #[must_use]
    pub const fn new(text: &'a str) -> Self {
        Self { text: Some(text) }
    }

    /// Whether this is the absent password.
    #[must_use]
    pub const fn is_absent(&self) -> bool {
        self.text.is_none()
    }

    /// Whether this is the empty password.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.text == Some("")
    }

    /// The text, or `None` for the absent password.
    #[must_use]
    pub const fn as_str(&self) -> Option<&'a str> {
        self.text
    }

    /// The RFC 7292 Appendix B.1 encoding for the PKCS#12 KDF: UTF-16BE followed by two zero
    /// bytes; the absent password is the empty string (no terminator).
    pub(crate) fn bmp(&self) -> Zeroizing<Vec<u8>> {
        let Some(text) = self.text else {
            return Zeroizing::new(Vec::new());
        };
        let mut out = Zeroizing::new(Vec::with_capacity(text.len().saturating_mul(2) + 2));
        for unit in text.encode_utf16() {
            out.extend_from_slice(&unit.to_be_bytes());
        }
        out.extend_from_slice(&[0, 0]);
        out
    }

    /// The encoding OpenSSL before 1.1.0 used for the PKCS#12 KDF: every *byte* of the UTF-8
    /// text taken as one character. Files made that way with a non-ASCII password open only
    /// with this encoding (OpenSSL's `pkcs12` command retries with it too).
    pub(crate) fn bytes_as_latin1_bmp(&self) -> Zeroizing<Vec<u8>> {
        let Some(text) = self.text else {
            return Zeroizing::new(Vec::new());
        };
        let mut out = Zeroizing::new(Vec::with_capacity(text.len().saturating_mul(2) + 2));
        for byte in text.bytes() {
            out.extend_from_slice(&[0, byte]);
        }
        out.extend_from_slice(&[0, 0]);
        out
    }

    /// The UTF-8 bytes for PBKDF2 (PBES2 and PBMAC1); empty for the absent password.
    pub(crate) fn utf8(&self) -> &'a [u8] {
        self.text.map_or(&[], str::as_bytes)
    }

    /// Whether the text has a character outside ASCII.
    fn is_non_ascii(&self) -> bool {
        self.text.is_some_and(|text| !text.is_ascii())
    }

    /// The encodings an import tries, in order (see [`PasswordVariant`]).
    pub(crate) fn candidates(&self) -> Vec<Candidate<'a>> {
        let mut out = Vec::with_capacity(2);
        let own = Candidate {
            variant: PasswordVariant::AsGiven,
            bmp: self.bmp(),
            utf8: self.utf8(),
        };
        out.push(own);
        if self.is_absent() {
            out.push(Candidate {
                variant: PasswordVariant::EmptyForAbsent,
                bmp: Password::EMPTY.bmp(),
                utf8: &[],
            });
        } else if self.is_empty() {
            out.push(Candidate {
                variant: PasswordVariant::AbsentForEmpty,
                bmp: Password::ABSENT.bmp(),
                utf8: &[],
            });
        } else if self.is_non_ascii() {
            out.push(Candidate {
                variant: PasswordVariant::Utf8BytesAsLatin1,
                bmp: self.bytes_as_latin1_bmp(),
                utf8: self.utf8(),
            });
        }
        out
    }
}

impl<'a> From<&'a str> for Password<'a> {
    fn from(text: &'a str) -> Self {
        Self::new(text)
    }
}

impl<'a> From<Option<&'a str>> for Password<'a> {
    fn from(text: Option<&'a str>) -> Self {
        Self { text }
    }
}

impl fmt::Debug for Password<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.text {
            None => f.write_str("Password(absent)"),
            Some("") => f.write_str("Password(empty)"),
            Some(_) => f.write_str("Password(<redacted>)"),
        }
    }
}

/// Which encoding of the caller's password opened a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PasswordVariant {
    /// The password exactly as given.
    AsGiven,
    /// The caller gave the absent password; the file was made with the empty one.
    EmptyForAbsent,
    /// The caller gave the empty password; the file was made with the absent one.
    AbsentForEmpty,
    /// The file was made by OpenSSL before 1.1.0 with a non-ASCII password, which encoded each
    /// UTF-8 byte as one BMPString character. Re-export such a file to fix it.
    Utf8BytesAsLatin1,
    /// The file has neither a MAC nor any encrypted part: no password was needed.
    NotNeeded,
}

/// One encoding of the password that an import tries.
pub(crate) struct Candidate<'a> {
    /// Which variant this is.
    pub(crate) variant: PasswordVariant,
    /// For the PKCS#12 KDF.
    pub(crate) bmp: Zeroizing<Vec<u8>>,
    /// For PBKDF2.
    pub(crate) utf8: &'a [u8],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bmp_encoding_follows_rfc_7292_appendix_b1() {
        assert_eq!(
            Password::new("smeg").bmp().as_slice(),
            &[0, b's', 0, b'm', 0, b'e', 0, b'g', 0, 0]
        );
        assert_eq!(Password::EMPTY.bmp().as_slice(), &[0, 0]);
        assert!(Password::ABSENT.bmp().is_empty());
        // U+00E4 and U+1F600 (a surrogate pair, as OpenSSL writes it).
        assert_eq!(
            Password::new("ä😀").bmp().as_slice(),
            &[0x00, 0xe4, 0xd8, 0x3d, 0xde, 0x00, 0, 0]
        );
        assert_eq!(
            Password::new("ä").bytes_as_latin1_bmp().as_slice(),
            &[0x00, 0xc3, 0x00, 0xa4, 0, 0]
        );
    }

    #[test]
    fn candidates_cover_openssl_fallbacks() {
        let variants =
            |p: Password<'_>| p.candidates().iter().map(|c| c.variant).collect::<Vec<_>>();
        assert_eq!(
            variants(Password::ABSENT),
            [PasswordVariant::AsGiven, PasswordVariant::EmptyForAbsent]
        );
        assert_eq!(
            variants(Password::EMPTY),
            [PasswordVariant::AsGiven, PasswordVariant::AbsentForEmpty]
        );
        assert_eq!(variants(Password::new("abc")), [PasswordVariant::AsGiven]);
        assert_eq!(
            variants(Password::new("ä")),
            [PasswordVariant::AsGiven, PasswordVariant::Utf8BytesAsLatin1]
        );
        assert_eq!(
            format!("{:?}", Password::new("secret")),
            "Password(<redacted>)"
        );
    }
}
