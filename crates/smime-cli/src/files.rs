//! Reading and writing the files named on the command line (`-` is stdin or stdout), and
//! loading certificates, keys and CRLs from them with errors that name the file and the flag.

use std::fs;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::Arc;

use smime::Certificate;
use smime::crypto::PrivateKey;
use zeroize::Zeroizing;

use crate::failure::{Failure, describe};

/// The largest input read (1 GiB): enough for any mail, and a clear error instead of an
/// allocation failure for a wrong file.
const MAX_INPUT: u64 = 1 << 30;

/// Whether `path` is `-`.
pub(crate) fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// How a file is named in messages: `'path'`, or `stdin`/`stdout`.
pub(crate) fn shown(path: &Path) -> String {
    if is_stdio(path) {
        "standard input".to_owned()
    } else {
        format!("'{}'", path.display())
    }
}

/// Reads a whole file (or stdin for `-`). `flag` names the option it came from.
pub(crate) fn read(path: &Path, flag: &str) -> Result<Vec<u8>, Failure> {
    let mut data = Vec::new();
    let result = if is_stdio(path) {
        io::stdin()
            .lock()
            .take(MAX_INPUT.saturating_add(1))
            .read_to_end(&mut data)
    } else {
        fs::File::open(path)
            .and_then(|f| f.take(MAX_INPUT.saturating_add(1)).read_to_end(&mut data))
    };
    match result {
        Ok(_) if u64::try_from(data.len()).unwrap_or(u64::MAX) > MAX_INPUT => {
            Err(Failure::new(format!(
                "{} ({flag}) is larger than 1 GiB; give a smaller file",
                shown(path)
            )))
        }
        Ok(_) => Ok(data),
        Err(error) => Err(Failure::new(format!(
            "cannot read {} ({flag}): {error}; check the path",
            shown(path)
        ))),
    }
}

/// Writes a whole file (or stdout for `-`).
pub(crate) fn write(path: &Path, data: &[u8], flag: &str) -> Result<(), Failure> {
    let result = if is_stdio(path) {
        let mut out = io::stdout().lock();
        out.write_all(data).and_then(|()| out.flush())
    } else {
        fs::write(path, data)
    };
    result.map_err(|error| {
        let target = if is_stdio(path) {
            "standard output".to_owned()
        } else {
            shown(path)
        };
        Failure::new(format!(
            "cannot write {target} ({flag}): {error}; check that the directory exists and is writable"
        ))
    })
}

/// Prints text on stdout; a closed stdout (`| head`) is not an error worth a message.
pub(crate) fn print(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(Failure::new(format!(
            "cannot write standard output: {error}"
        ))),
        _ => Ok(()),
    }
}

/// Prints text on stderr.
pub(crate) fn note(text: &str) {
    // Nothing else can be done if stderr is gone.
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// Loads every certificate of a PEM or DER file.
pub(crate) fn certificates(path: &Path, flag: &str) -> Result<Vec<Certificate>, Failure> {
    let data = read(path, flag)?;
    smime::x509::load_certificates(&data).map_err(|error| {
        Failure::new(format!(
            "cannot read a certificate from {} ({flag}): {error}; give a PEM or DER X.509 certificate",
            shown(path)
        ))
    })
}

/// Loads the first certificate of a PEM or DER file.
pub(crate) fn certificate(path: &Path, flag: &str) -> Result<Certificate, Failure> {
    certificates(path, flag)?
        .into_iter()
        .next()
        .ok_or_else(|| Failure::new(format!("{} ({flag}) holds no certificate", shown(path))))
}

/// Loads the certificates of several files (a repeated flag).
pub(crate) fn all_certificates(
    paths: &[impl AsRef<Path>],
    flag: &str,
) -> Result<Vec<Certificate>, Failure> {
    let mut all = Vec::new();
    for path in paths {
        all.extend(certificates(path.as_ref(), flag)?);
    }
    Ok(all)
}

/// Loads a private key (PEM or DER; PKCS #8, encrypted PKCS #8, PKCS #1, SEC1).
pub(crate) fn private_key(
    path: &Path,
    flag: &str,
    password: Option<&str>,
) -> Result<Arc<dyn PrivateKey>, Failure> {
    let data = read(path, flag)?;
    smime::crypto::load_private_key(
        smime::crypto::default_provider(),
        &data,
        password.map(str::as_bytes),
    )
    .map_err(|error| {
        Failure::new(format!(
            "cannot read the private key in {} ({flag}): {}",
            shown(path),
            describe(&smime::Error::Crypto(error))
        ))
    })
}

/// The unencrypted PKCS #8 encoding of a key file.
pub(crate) fn pkcs8(
    path: &Path,
    flag: &str,
    password: Option<&str>,
) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let data = read(path, flag)?;
    smime::crypto::private_key_to_pkcs8(&data, password.map(str::as_bytes)).map_err(|error| {
        Failure::new(format!(
            "cannot read the private key in {} ({flag}): {}",
            shown(path),
            describe(&smime::Error::Crypto(error))
        ))
    })
}

/// Loads the CRLs of a PEM (`X509 CRL` blocks) or DER file, as DER.
pub(crate) fn crls(path: &Path, flag: &str) -> Result<Vec<Vec<u8>>, Failure> {
    let data = read(path, flag)?;
    let bad = |detail: String| {
        Failure::new(format!(
            "cannot read a CRL from {} ({flag}): {detail}; give a PEM or DER X.509 CRL",
            shown(path)
        ))
    };
    if data.first() == Some(&0x30) {
        return Ok(vec![data]);
    }
    const BEGIN: &[u8] = b"-----BEGIN X509 CRL-----";
    const END: &[u8] = b"-----END X509 CRL-----";
    let mut crls = Vec::new();
    let mut rest = data.as_slice();
    while let Some(start) = find(rest, BEGIN) {
        let block = rest.get(start..).unwrap_or_default();
        let end = find(block, END).ok_or_else(|| bad("a PEM block has no END line".to_owned()))?;
        let pem = block
            .get(..end.saturating_add(END.len()))
            .unwrap_or_default();
        let (_, der) = smime::x509::der::pem::decode_vec(pem).map_err(|e| bad(e.to_string()))?;
        crls.push(der);
        rest = block
            .get(end.saturating_add(END.len())..)
            .unwrap_or_default();
    }
    if crls.is_empty() {
        return Err(bad("no X509 CRL block found".to_owned()));
    }
    Ok(crls)
}

/// The position of `needle` in `haystack`.
pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A DER document as PEM with `label`.
pub(crate) fn pem(label: &str, der: &[u8]) -> Result<String, Failure> {
    smime::x509::der::pem::encode_string(label, smime::x509::der::pem::LineEnding::LF, der)
        .map_err(|e| Failure::new(format!("cannot encode a {label} as PEM: {e}")))
}
