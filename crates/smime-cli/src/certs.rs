//! `smime certs`: the certificates of a certs-only or signed message, as PEM.

use smime::x509::der::Encode;
use smime::{Keys, Trust};

use crate::arguments::CertsArgs;
use crate::failure::{Failure, describe};
use crate::files;
use crate::read::cms_input;

/// `smime certs`.
pub(crate) fn run(args: &CertsArgs) -> Result<(), Failure> {
    let input = files::read(&args.input, "--in")?;
    let unreadable = |detail: String| {
        Failure::new(format!(
            "cannot read certificates from {} (--in): {detail}; give a certs-only (.p7c) or signed message in DER, PEM or MIME",
            files::shown(&args.input)
        ))
    };
    let mut ders: Vec<Vec<u8>> = Vec::new();
    match cms_input(&input, false, &args.input)? {
        Some(cms) => {
            let certificates =
                smime::cms::certs_only::read(&cms).map_err(|e| unreadable(e.to_string()))?;
            for certificate in certificates {
                ders.push(
                    certificate
                        .to_der()
                        .map_err(|e| unreadable(e.to_string()))?,
                );
            }
        }
        None => {
            let report = smime::open(&input, &Keys::new(), &Trust::none())
                .map_err(|e| unreadable(describe(&e)))?;
            let carried = report
                .signatures()
                .iter()
                .filter_map(|s| s.verification())
                .flat_map(|v| v.certificates().iter());
            for certificate in report.certificates_only().chain(carried) {
                ders.push(
                    certificate
                        .to_der()
                        .map_err(|e| unreadable(e.to_string()))?,
                );
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    ders.retain(|der| seen.insert(der.clone()));
    if ders.is_empty() {
        return Err(unreadable("the message carries no certificate".to_owned()));
    }
    let mut text = String::new();
    for der in &ders {
        if let Ok(certificate) = smime::Certificate::from_der(der) {
            text.push_str(&format!(
                "subject={}\nissuer={}\n",
                certificate.subject(),
                certificate.issuer()
            ));
        }
        text.push_str(&files::pem("CERTIFICATE", der)?);
    }
    if files::is_stdio(&args.out) {
        files::print(&text)
    } else {
        files::write(&args.out, text.as_bytes(), "--out")
    }
}
