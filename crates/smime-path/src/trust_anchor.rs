//! Trust anchors: the certificates a path must end at, loaded from PEM or DER files and
//! directories.

use std::path::Path;
use std::sync::Arc;

use certval::{
    CertFile, CertVector, PDVCertificate, PDVTrustAnchorChoice, TaSource, TrustAnchorSource,
};
use x509_cert::name::Name;

use crate::certificate::PathCertificate;
use crate::error::Error;

/// File name extensions [`TrustAnchors::add_directory`] reads; other files are skipped.
const ANCHOR_FILE_EXTENSIONS: [&str; 5] = ["pem", "crt", "cer", "der", "cert"];

/// A set of trust anchors (self-signed roots or any certificate the caller trusts directly).
///
/// ```
/// # fn main() -> Result<(), smime_path::Error> {
/// let pem = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../../../shared/corpus/rfc9216/Sample_LAMPS_RSA_Certification_Authority.selfsigned.pem"))
///     .map_err(|source| smime_path::Error::Io { path: "rfc9216".into(), source })?;
/// let mut anchors = smime_path::TrustAnchors::new();
/// assert_eq!(anchors.add_pem(&pem)?, 1);
/// assert_eq!(anchors.len(), 1);
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct TrustAnchors {
    anchors: Vec<Anchor>,
}

/// One trust anchor: the certificate, and certval's view of it.
#[derive(Clone)]
pub(crate) struct Anchor {
    pub(crate) certificate: PathCertificate,
    pub(crate) choice: PDVTrustAnchorChoice,
}

impl TrustAnchors {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// A set with the certificates of one PEM or DER file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let mut anchors = Self::new();
        anchors.add_file(path)?;
        Ok(anchors)
    }

    /// A set with every certificate of a directory (see [`TrustAnchors::add_directory`]).
    pub fn from_directory(path: impl AsRef<Path>) -> Result<Self, Error> {
        let mut anchors = Self::new();
        anchors.add_directory(path)?;
        Ok(anchors)
    }

    /// Adds one DER certificate. Adding a certificate already present is a no-op.
    pub fn add_der(&mut self, der: &[u8]) -> Result<(), Error> {
        let certificate = PathCertificate::from_der(der, "trust anchor certificate")?;
        let choice = PDVTrustAnchorChoice::try_from(der)
            .map_err(|e| Error::malformed("trust anchor certificate", e))?;
        if !self.anchors.iter().any(|a| a.certificate == certificate) {
            self.anchors.push(Anchor {
                certificate,
                choice,
            });
        }
        Ok(())
    }

    /// Adds every certificate of `data`: PEM (any number of `CERTIFICATE` blocks; other blocks
    /// and text around them are skipped) or DER (one or several concatenated certificates), as
    /// [`smime_x509::load_certificates`] reads them. Returns how many were found.
    pub fn add_pem(&mut self, data: &[u8]) -> Result<usize, Error> {
        let certificates = smime_x509::load_certificates(data)?;
        for certificate in &certificates {
            self.add_der(certificate.as_der())?;
        }
        Ok(certificates.len())
    }

    /// Adds the certificates of a file (PEM or DER, see [`TrustAnchors::add_pem`]); returns
    /// how many were found. A file with none is [`Error::NoCertificate`].
    pub fn add_file(&mut self, path: impl AsRef<Path>) -> Result<usize, Error> {
        let path = path.as_ref();
        let data = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        match self.add_pem(&data) {
            Ok(0) | Err(Error::Certificate(smime_x509::Error::NoCertificate { .. })) => {
                Err(Error::NoCertificate {
                    path: path.to_path_buf(),
                })
            }
            Ok(count) => Ok(count),
            Err(Error::Certificate(e)) => Err(Error::malformed(
                format!("trust anchor file {}", path.display()),
                e,
            )),
            Err(e) => Err(in_file(e, path)),
        }
    }

    /// Adds the certificates of every file of a directory whose name ends in `.pem`, `.crt`,
    /// `.cer`, `.cert` or `.der` (not recursive; other files are skipped); returns how many
    /// certificates were added. A matching file that cannot be read or decoded is an error.
    pub fn add_directory(&mut self, path: impl AsRef<Path>) -> Result<usize, Error> {
        let path = path.as_ref();
        let io_error = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(path).map_err(io_error)? {
            let entry = entry.map_err(io_error)?;
            let file = entry.path();
            let wanted = file
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| ANCHOR_FILE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
            if wanted && file.is_file() {
                files.push(file);
            }
        }
        // A stable order makes error messages and anchor order reproducible.
        files.sort();
        let mut count = 0usize;
        for file in files {
            count = count.saturating_add(self.add_file(&file)?);
        }
        Ok(count)
    }

    /// Number of trust anchors.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// True when there is no trust anchor.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// The subjects of the trust anchors, in the order they were added.
    pub fn subjects(&self) -> impl Iterator<Item = &Name> {
        self.anchors.iter().map(|a| a.certificate.subject())
    }

    pub(crate) fn anchors(&self) -> &[Anchor] {
        &self.anchors
    }

    /// certval's trust anchor store for these anchors.
    pub(crate) fn to_ta_source(&self) -> Result<TaSource, Error> {
        let mut source = TaSource::new();
        for (i, anchor) in self.anchors.iter().enumerate() {
            source.push(CertFile {
                filename: format!("trust anchor {i}"),
                bytes: anchor.certificate.der().to_vec(),
            });
        }
        source
            .initialize()
            .map_err(|e| Error::Configuration(format!("trust anchors: {e}")))?;
        Ok(source)
    }
}

impl core::fmt::Debug for TrustAnchors {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list()
            .entries(self.anchors.iter().map(|a| a.certificate.subject_string()))
            .finish()
    }
}

fn in_file(error: Error, path: &Path) -> Error {
    match error {
        Error::Malformed { what, detail } => Error::Malformed {
            what: format!("{what} in {}", path.display()),
            detail,
        },
        other => other,
    }
}

/// certval's [`TrustAnchorSource`] over a store shared by every validation of one validator, so
/// that a validation does not copy the anchors.
#[derive(Clone)]
pub(crate) struct SharedAnchors(pub(crate) Arc<TaSource>);

impl TrustAnchorSource for SharedAnchors {
    fn get_trust_anchors(&self) -> certval::Result<Vec<&PDVTrustAnchorChoice>> {
        self.0.get_trust_anchors()
    }

    fn get_trust_anchor_by_skid(&self, skid: &[u8]) -> certval::Result<&PDVTrustAnchorChoice> {
        self.0.get_trust_anchor_by_skid(skid)
    }

    fn get_trust_anchor_by_hex_skid(
        &self,
        hex_skid: &str,
    ) -> certval::Result<&PDVTrustAnchorChoice> {
        self.0.get_trust_anchor_by_hex_skid(hex_skid)
    }

    fn get_trust_anchor_by_name(&self, target: &Name) -> certval::Result<&PDVTrustAnchorChoice> {
        self.0.get_trust_anchor_by_name(target)
    }

    fn get_trust_anchor_for_target(
        &self,
        target: &PDVCertificate,
    ) -> certval::Result<&PDVTrustAnchorChoice> {
        self.0.get_trust_anchor_for_target(target)
    }

    fn get_encoded_trust_anchor(&self, skid: &[u8]) -> certval::Result<Vec<u8>> {
        self.0.get_encoded_trust_anchor(skid)
    }

    fn get_encoded_trust_anchors(&self) -> certval::Result<Vec<Vec<u8>>> {
        self.0.get_encoded_trust_anchors()
    }

    fn is_trust_anchor(&self, ta: &PDVTrustAnchorChoice) -> certval::Result<()> {
        self.0.is_trust_anchor(ta)
    }

    fn is_cert_a_trust_anchor(&self, ta: &PDVCertificate) -> certval::Result<()> {
        self.0.is_cert_a_trust_anchor(ta)
    }
}
