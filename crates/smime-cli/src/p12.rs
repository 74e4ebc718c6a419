//! `smime p12`: import a PKCS #12 file (PEM on stdout) or export one (`--export`).

use std::path::Path;

use smime::pkcs12::{ExportBuilder, Password, Profile};

use crate::arguments::P12Args;
use crate::failure::{Failure, describe};
use crate::files;

/// `smime p12`.
pub(crate) fn run(args: &P12Args) -> Result<(), Failure> {
    let password = password(args)?;
    if args.export {
        export(args, &password)
    } else {
        import(args, &password)
    }
}

/// The password: `--password`, or the first line of `--password-file`.
fn password(args: &P12Args) -> Result<zeroize::Zeroizing<String>, Failure> {
    if let Some(password) = &args.password {
        return Ok(zeroize::Zeroizing::new(password.clone()));
    }
    let Some(path) = &args.password_file else {
        return Err(Failure::new(
            "give the password with --password or --password-file",
        ));
    };
    let data = zeroize::Zeroizing::new(files::read(path, "--password-file")?);
    let text = std::str::from_utf8(&data).map_err(|_| {
        Failure::new(format!(
            "the password file {} (--password-file) is not UTF-8 text",
            files::shown(path)
        ))
    })?;
    let line = text.lines().next().unwrap_or_default();
    Ok(zeroize::Zeroizing::new(line.to_owned()))
}

fn import(args: &P12Args, password: &str) -> Result<(), Failure> {
    let Some(input) = &args.input else {
        return Err(Failure::new("give the PKCS #12 file to import with --in"));
    };
    let data = files::read(input, "--in")?;
    let contents = smime::pkcs12::import(&data, Password::new(password)).map_err(|error| {
        let hint = if error.is_wrong_password() {
            "check the password given with --password"
        } else {
            "give a PKCS #12 (.p12/.pfx) file"
        };
        Failure::new(format!(
            "cannot open the PKCS #12 file {} (--in): {}; {hint}",
            files::shown(input),
            describe(&smime::Error::Pkcs12(error))
        ))
    })?;
    let mut text = zeroize::Zeroizing::new(String::new());
    for certificate in contents.certificates() {
        if let Ok(decoded) = smime::Certificate::from_der(certificate.der()) {
            text.push_str(&format!(
                "subject={}\nissuer={}\n",
                decoded.subject(),
                decoded.issuer()
            ));
        }
        if let Some(name) = certificate.friendly_name() {
            text.push_str(&format!("friendlyName={name}\n"));
        }
        text.push_str(&files::pem("CERTIFICATE", certificate.der())?);
    }
    for key in contents.keys() {
        if let Some(name) = key.friendly_name() {
            text.push_str(&format!("friendlyName={name}\n"));
        }
        text.push_str(&zeroize::Zeroizing::new(files::pem(
            "PRIVATE KEY",
            key.pkcs8_der(),
        )?));
    }
    if contents.certificates().is_empty() && contents.keys().is_empty() {
        return Err(Failure::new(format!(
            "the PKCS #12 file {} (--in) holds neither certificates nor keys",
            files::shown(input)
        )));
    }
    match args.out.as_deref() {
        Some(out) if !files::is_stdio(out) => files::write(out, text.as_bytes(), "--out"),
        _ => files::print(&text),
    }
}

fn export(args: &P12Args, password: &str) -> Result<(), Failure> {
    let (Some(cert_path), Some(key_path), Some(out)) = (&args.cert, &args.key, &args.out) else {
        return Err(Failure::new("--export needs --cert, --key and --out"));
    };
    let certificate = files::certificate(cert_path, "--cert")?;
    let pkcs8 = files::pkcs8(key_path, "--key", args.key_password.as_deref())?;
    check_pair(&certificate, &pkcs8, key_path, cert_path)?;
    let chain = files::all_certificates(&args.certs, "--certs")?;
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| default_name(&certificate));
    let profile = if args.compat {
        Profile::Compatibility
    } else {
        Profile::Modern
    };
    let p12 = ExportBuilder::new()
        .key(&pkcs8)
        .certificate(certificate.as_der())
        .chain(chain.iter().map(smime::Certificate::as_der))
        .friendly_name(&name)
        .profile(profile)
        .build(Password::new(password))
        .map_err(|error| {
            Failure::new(format!(
                "cannot make the PKCS #12 file: {}",
                describe(&smime::Error::Pkcs12(error))
            ))
        })?;
    files::write(out, &p12, "--out")
}

/// Fails unless the key is the certificate's.
fn check_pair(
    certificate: &smime::Certificate,
    pkcs8: &[u8],
    key_path: &Path,
    cert_path: &Path,
) -> Result<(), Failure> {
    let mismatch = || {
        Failure::new(format!(
            "the key in {} (--key) does not belong to the certificate in {} (--cert); give the private key of that certificate",
            files::shown(key_path),
            files::shown(cert_path)
        ))
    };
    let key = smime::crypto::default_provider()
        .private_key_from_pkcs8(pkcs8)
        .map_err(|error| {
            Failure::new(format!(
                "cannot use the private key in {} (--key): {error}",
                files::shown(key_path)
            ))
        })?;
    match certificate.public_key() {
        Ok(public) if public == *key.public_key() => Ok(()),
        _ => Err(mismatch()),
    }
}

/// The friendlyName: the certificate's first e-mail address, else its subject.
fn default_name(certificate: &smime::Certificate) -> String {
    certificate
        .mailboxes()
        .ok()
        .and_then(|mailboxes| {
            mailboxes
                .iter()
                .find_map(|m| m.address().ok().map(ToString::to_string))
        })
        .unwrap_or_else(|| certificate.subject().to_string())
}
