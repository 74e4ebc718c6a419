//! `smime encrypt` and `smime decrypt`.

use smime::stream::Format;
use smime::{Encryption, Keys, Recipient};

use crate::arguments::{DecryptArgs, EncryptArgs};
use crate::failure::{Failure, describe};
use crate::files;
use crate::read::cms_input;
use crate::streaming::{self, Input, Spool, Streamed};

/// `smime encrypt`.
pub(crate) fn encrypt(args: &EncryptArgs) -> Result<(), Failure> {
    let mut recipients = Vec::with_capacity(args.to.len());
    for path in &args.to {
        let certificate = files::certificate(path, "--to")?;
        let recipient = Recipient::new(certificate).map_err(|error| {
            Failure::new(format!(
                "cannot encrypt to the certificate in {} (--to): {}; give the recipient's encryption certificate",
                files::shown(path),
                describe(&error)
            ))
        })?;
        recipients.push(recipient.oaep(args.oaep));
    }
    let mut encryption =
        Encryption::new(recipients).map_err(|error| Failure::new(describe(&error)))?;
    if let Some(cipher) = args.cipher {
        encryption = encryption.cipher(cipher.content_cipher());
    }
    let failed = |error: smime::Error| {
        Failure::new(format!(
            "cannot encrypt the message in {} (--in): {}",
            files::shown(&args.input),
            describe(&error)
        ))
    };
    let message = match Input::open(&args.input, "--in")? {
        Input::Whole(message) => message,
        Input::Stream(mut input) => {
            let result = streaming::write_out(
                &args.out,
                "--out",
                |out| encryption.encrypt_stream(&mut input.reader, out),
                failed,
            );
            input.reader.finish();
            return result;
        }
    };
    let sealed = encryption.encrypt(&message).map_err(failed)?;
    files::write(&args.out, &sealed, "--out")
}

/// Loads the key pairs given as `--key`/`--cert` pairs.
pub(crate) fn load_keys(
    keys: &[std::path::PathBuf],
    certs: &[std::path::PathBuf],
    password: Option<&str>,
) -> Result<Keys, Failure> {
    if keys.len() != certs.len() {
        return Err(Failure::new(format!(
            "{} --key and {} --cert given; give each private key together with its certificate",
            keys.len(),
            certs.len()
        )));
    }
    let mut pairs = Keys::new();
    for (key_path, cert_path) in keys.iter().zip(certs) {
        let key = files::private_key(key_path, "--key", password)?;
        let certificate = files::certificate(cert_path, "--cert")?;
        pairs.add(certificate, key).map_err(|_| {
            Failure::new(format!(
                "the key in {} (--key) does not belong to the certificate in {} (--cert); give the private key of that certificate",
                files::shown(key_path),
                files::shown(cert_path)
            ))
        })?;
    }
    Ok(pairs)
}

/// `smime decrypt`.
pub(crate) fn decrypt(args: &DecryptArgs) -> Result<(), Failure> {
    let keys = load_keys(
        std::slice::from_ref(&args.key),
        std::slice::from_ref(&args.cert),
        args.key_password.as_deref(),
    )?;
    let input = match Input::open(&args.input, "--in")? {
        Input::Whole(input) => input,
        Input::Stream(input) => match input.format(args.der) {
            Some(format) => return decrypt_streamed(args, &keys, input, format),
            None => input.into_whole(&args.input, "--in")?,
        },
    };
    let cms = cms_input(&input, args.der, &args.input)?;
    let result = match &cms {
        Some(cms) => smime::decrypt_cms(cms, &keys),
        None => smime::decrypt(&input, &keys),
    };
    let decrypted = result.map_err(|error| {
        Failure::new(format!(
            "cannot decrypt {} (--in): {}",
            files::shown(&args.input),
            describe(&error)
        ))
    })?;
    if !decrypted.is_authenticated() {
        cbc_note(decrypted.content_cipher());
    }
    let mut output = Vec::new();
    if args.keep_headers && cms.is_none() {
        let (outer, _) = smime::mime::message::split(&input, &smime::HeaderSelection::standard())
            .map_err(|error| {
            Failure::new(format!(
                "cannot read the header of {}: {error}",
                files::shown(&args.input)
            ))
        })?;
        output.extend_from_slice(&outer);
    }
    output.extend_from_slice(decrypted.content());
    files::write(&args.out, &output, "--out")
}

/// The note on stderr for content decrypted from an unauthenticated cipher.
fn cbc_note(cipher: impl std::fmt::Display) {
    files::note(&format!(
        "smime: note: the content was encrypted with {cipher}, which does not authenticate it: only a valid signature inside shows it was not altered\n"
    ));
}

/// `smime decrypt` of a big input: decrypted into a temporary file next to `--out`, which
/// becomes `--out` only when the decryption succeeded (AES-GCM: the tag verified; CBC: the
/// padding was right). That temporary file holds the output back, so the one-pass
/// [`smime::stream::decrypt_unverified`] is used: the spooling [`smime::stream::decrypt`]
/// would hold it back a second time, writing and reading the whole message once more.
fn decrypt_streamed(
    args: &DecryptArgs,
    keys: &Keys,
    mut input: Streamed,
    format: Format,
) -> Result<(), Failure> {
    let mut spool = Spool::new(&args.out, "--out")?;
    let result = spool.fill(
        |out| smime::stream::decrypt_unverified(&mut input.reader, out, keys, format),
        |error| {
            Failure::new(format!(
                "cannot decrypt {} (--in): {}",
                files::shown(&args.input),
                describe(&error)
            ))
        },
    );
    input.reader.finish();
    let decrypted = result?;
    if !decrypted.is_authenticated() {
        cbc_note(decrypted.content_encryption());
    }
    let mut prefix = Vec::new();
    if args.keep_headers && format == Format::Mime {
        let (outer, _) = smime::mime::message::split(
            decrypted.outer_header(),
            &smime::HeaderSelection::standard(),
        )
        .map_err(|error| {
            Failure::new(format!(
                "cannot read the header of {}: {error}",
                files::shown(&args.input)
            ))
        })?;
        prefix = outer;
    }
    spool.keep(&prefix)
}
