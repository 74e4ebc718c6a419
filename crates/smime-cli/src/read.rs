//! `smime verify` and `smime open`: reading mail, and the trust settings they share.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use smime::path::TrustAnchors;
use smime::stream::Format;
use smime::{
    AddressVerdict, ChainVerdict, Keys, Report, SignatureVerdict, SignerReport, Trust,
    ValidationTime,
};

use crate::arguments::{OpenArgs, TrustArgs, VerifyArgs};
use crate::crypt::load_keys;
use crate::failure::{Failure, describe};
use crate::files;
use crate::streaming::{self, Input, Spool, Streamed};
use crate::time::parse_rfc3339;

/// The CMS bytes of an input that is raw CMS — DER/BER (a `ContentInfo` SEQUENCE) or PEM
/// (`PKCS7`, `CMS`) — or `None` for MIME. With `forced` (`--der`), anything that is not PEM
/// is taken as DER/BER and left to the CMS parser to judge.
pub(crate) fn cms_input<'a>(
    data: &'a [u8],
    forced: bool,
    path: &Path,
) -> Result<Option<Cow<'a, [u8]>>, Failure> {
    let head = data.get(..data.len().min(4096)).unwrap_or_default();
    let pem = files::find(head, b"-----BEGIN PKCS7-----").is_some()
        || files::find(head, b"-----BEGIN CMS-----").is_some()
        || files::find(head, b"-----BEGIN PKCS #7 SIGNED DATA-----").is_some();
    if pem {
        let start = [
            &b"-----BEGIN PKCS7-----"[..],
            b"-----BEGIN CMS-----",
            b"-----BEGIN PKCS #7 SIGNED DATA-----",
        ]
        .iter()
        .filter_map(|label| files::find(data, label))
        .min()
        .unwrap_or(0);
        let der = smime::cms::content_info::decode_pem(data.get(start..).unwrap_or_default())
            .map_err(|error| {
                Failure::new(format!(
                    "cannot read the PEM CMS message in {} (--in): {error}",
                    files::shown(path)
                ))
            })?;
        return Ok(Some(Cow::Owned(der)));
    }
    if forced {
        return Ok(Some(Cow::Borrowed(data)));
    }
    match smime::cms::ContentInfo::parse(data) {
        Ok(_) => Ok(Some(Cow::Borrowed(data))),
        Err(error) if !is_text(head) => Err(Failure::new(format!(
            "cannot read {} (--in): it is binary, so not a mail message, and not CMS either ({error}); give an S/MIME message (.eml), or a CMS message in DER, BER or PEM",
            files::shown(path)
        ))),
        Err(_) => Ok(None),
    }
}

/// Whether `data` can be the start of a mail message: no control characters other than
/// tab, CR, LF and form feed. (8-bit text in any charset passes; DER and random bytes do
/// not.)
pub(crate) fn is_text(data: &[u8]) -> bool {
    !data
        .iter()
        .any(|b| b.is_ascii_control() && !matches!(b, b'\t' | b'\r' | b'\n' | 0x0c))
}

/// Trust anchors from files and directories (`--trust`).
fn anchors(paths: &[PathBuf]) -> Result<TrustAnchors, Failure> {
    let mut anchors = TrustAnchors::new();
    for path in paths {
        let result = if path.is_dir() {
            anchors.add_directory(path)
        } else {
            anchors.add_file(path)
        };
        result.map_err(|error| {
            Failure::new(format!(
                "cannot use {} (--trust) as trust anchors: {error}; give a PEM or DER CA certificate, or a directory of them",
                files::shown(path)
            ))
        })?;
    }
    Ok(anchors)
}

/// The reader's trust: anchors (none for `open` without `--trust`), extra certificates, CRLs,
/// time, From requirement.
fn trust(anchor_paths: &[PathBuf], settings: &TrustArgs) -> Result<Trust, Failure> {
    let builder = if anchor_paths.is_empty() {
        Trust::without_anchors()
    } else {
        Trust::builder(anchors(anchor_paths)?)
    };
    let mut crls = Vec::new();
    for path in &settings.crl {
        crls.extend(files::crls(path, "--crl")?);
    }
    let mut builder = builder
        .certificates(files::all_certificates(&settings.certs, "--certs")?)
        .crls(crls)
        .require_from(settings.require_from)
        .allow_sha1_signatures(settings.allow_sha1);
    if let Some(text) = &settings.time {
        let time = parse_rfc3339(text).ok_or_else(|| {
            Failure::new(format!(
                "--time {text:?} is not an RFC 3339 time; write it like 2024-01-31T12:00:00Z"
            ))
        })?;
        builder = builder.time(ValidationTime::At(time));
    }
    builder.build().map_err(|error| {
        Failure::new(format!(
            "cannot use the trust settings: {}; check the files given to --trust, --certs and --crl",
            describe(&error)
        ))
    })
}

/// Reads the message of `--in` as MIME or CMS and opens it.
fn open_input(
    input_path: &Path,
    der: bool,
    content: Option<&Path>,
    keys: &Keys,
    trust: &Trust,
) -> Result<Report, Failure> {
    let input = files::read(input_path, "--in")?;
    open_data(&input, input_path, der, content, keys, trust)
}

/// Opens the message `input` (read from `input_path`) as MIME or CMS.
fn open_data(
    input: &[u8],
    input_path: &Path,
    der: bool,
    content: Option<&Path>,
    keys: &Keys,
    trust: &Trust,
) -> Result<Report, Failure> {
    let cms = cms_input(input, der, input_path)?;
    let detached = content
        .map(|path| files::read(path, "--content"))
        .transpose()?;
    let result = match &cms {
        Some(cms) => smime::open_cms(cms, detached.as_deref(), keys, trust),
        None => smime::open(input, keys, trust),
    };
    result.map_err(|error| unreadable(input_path, cms.is_some(), &error))
}

/// The failure for a message that cannot be read at all.
fn unreadable(input_path: &Path, cms: bool, error: &smime::Error) -> Failure {
    let hint = if cms {
        "give a CMS message in DER, BER or PEM"
    } else {
        "give an S/MIME message (.eml), or raw CMS with --der"
    };
    Failure::new(format!(
        "cannot read the message in {} (--in): {}; {hint}",
        files::shown(input_path),
        describe(error)
    ))
}

/// One line per signer and its From check, for stderr.
fn signer_lines(signers: &[SignerReport]) -> String {
    let mut lines = String::new();
    for signer in signers {
        let subject = signer.subject();
        let signature = match signer.verdict() {
            SignatureVerdict::Valid { scheme } => format!("valid ({})", scheme.operation_name()),
            SignatureVerdict::Invalid(error) => format!("INVALID ({error})"),
            _ => "unknown".to_owned(),
        };
        let chain = match signer.chain() {
            ChainVerdict::Trusted(path) => {
                format!("trusted (anchor {})", path.anchor().subject_string())
            }
            ChainVerdict::Untrusted(error) => format!("NOT TRUSTED ({error})"),
            _ => "not evaluated".to_owned(),
        };
        let level = signer
            .validation_level()
            .map(|l| format!(", validation level {l}"))
            .unwrap_or_default();
        lines.push_str(&format!(
            "smime: signer {subject}: signature {signature}, chain {chain}{level}\n"
        ));
        let from = match signer.address() {
            AddressVerdict::Matched { from, .. } => {
                format!("From {from} matches the certificate of {subject}")
            }
            AddressVerdict::Mismatch {
                from,
                certificate_addresses,
            } => format!(
                "From {from} does NOT match the certificate of {subject} (its addresses: {})",
                if certificate_addresses.is_empty() {
                    "none".to_owned()
                } else {
                    certificate_addresses.join(", ")
                }
            ),
            AddressVerdict::NoFrom => "the message has no From field to check".to_owned(),
            _ => "From not checked: the signer's certificate is unknown".to_owned(),
        };
        lines.push_str(&format!("smime: {from}\n"));
    }
    lines
}

/// `smime verify`.
pub(crate) fn verify(args: &VerifyArgs) -> Result<(), Failure> {
    let trust = trust(&args.trust, &args.settings)?;
    let input = match Input::open(&args.input, "--in")? {
        Input::Whole(input) => input,
        Input::Stream(input) => match (input.format(args.der), &args.content) {
            (Some(format), None) => return verify_streamed(args, &trust, input, format),
            _ => input.into_whole(&args.input, "--in")?,
        },
    };
    if let Some(content) = &args.content
        && streaming::is_big_file(content)
        && let Input::Stream(content) = Input::open(content, "--content")?
    {
        return verify_detached_streamed(args, &trust, &input, content);
    }
    let report = open_data(
        &input,
        &args.input,
        args.der,
        args.content.as_deref(),
        &Keys::new(),
        &trust,
    )?;
    files::note(&signer_lines(report.signers()));
    verdict(&report.problems(), &args.input)?;
    files::write(&args.out, report.content(), "--out")?;
    files::note("smime: verification successful\n");
    Ok(())
}

/// `smime verify` of a big message: the content is written to a temporary file next to
/// `--out` while the message is read, and becomes `--out` only after the verdict.
fn verify_streamed(
    args: &VerifyArgs,
    trust: &Trust,
    mut input: Streamed,
    format: Format,
) -> Result<(), Failure> {
    let mut spool = Spool::new(&args.out, "--out")?;
    let result = spool.fill(
        |out| smime::stream::verify(&mut input.reader, out, trust, format),
        |error| unreadable(&args.input, format == Format::Cms, &error),
    );
    input.reader.finish();
    let report = result?;
    files::note(&signer_lines(report.signers()));
    verdict(&report.problems(), &args.input)?;
    spool.keep(&[])?;
    files::note("smime: verification successful\n");
    Ok(())
}

/// `smime verify --der --content BIG`: a detached CMS signature over big content, which is
/// hashed as it is read (the content is the file itself: nothing is written until the
/// verdict, then it is copied to `--out`).
fn verify_detached_streamed(
    args: &VerifyArgs,
    trust: &Trust,
    signature: &[u8],
    mut content: Streamed,
) -> Result<(), Failure> {
    let signature = cms_input(signature, true, &args.input)?.unwrap_or_default();
    let mut spool = Spool::new(&args.out, "--out")?;
    let result = spool.fill(
        |out| {
            let mut tee = Tee {
                reader: &mut content.reader,
                copy: out,
            };
            smime::stream::verify_detached(&signature, &mut tee, trust)
        },
        |error| unreadable(&args.input, true, &error),
    );
    content.reader.finish();
    let report = result?;
    files::note(&signer_lines(report.signers()));
    verdict(&report.problems(), &args.input)?;
    spool.keep(&[])?;
    files::note("smime: verification successful\n");
    Ok(())
}

/// A `Read` that copies what it reads to a `Write` (the detached content to its spool).
struct Tee<'a, R> {
    reader: R,
    copy: &'a mut dyn std::io::Write,
}

impl<R: std::io::Read> std::io::Read for Tee<'_, R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = self.reader.read(buffer)?;
        self.copy.write_all(buffer.get(..n).unwrap_or_default())?;
        Ok(n)
    }
}

/// Fails the verification on the first problem (the others noted on stderr).
fn verdict(problems: &[smime::Problem], input: &Path) -> Result<(), Failure> {
    if let Some(first) = problems.first() {
        for problem in problems.iter().skip(1) {
            files::note(&format!("smime: also: {problem}\n"));
        }
        let hint = match first {
            smime::Problem::NotDecrypted { .. } => {
                "; the message is encrypted: run smime decrypt first"
            }
            smime::Problem::Untrusted { .. } => "; check --trust, --certs, --crl and --time",
            _ => "",
        };
        return Err(Failure::new(format!(
            "verification of {} failed: {first}{hint}",
            files::shown(input)
        )));
    }
    Ok(())
}

/// `smime open`.
pub(crate) fn open(args: &OpenArgs) -> Result<(), Failure> {
    let keys = load_keys(&args.key, &args.cert, args.key_password.as_deref())?;
    let trust = trust(&args.trust, &args.settings)?;
    let report = open_input(&args.input, args.der, None, &keys, &trust)?;
    let text = report.to_string();
    let content_to_stdout = args.out.as_deref().is_some_and(files::is_stdio);
    if content_to_stdout {
        files::note(&text);
    } else {
        files::print(&text)?;
    }
    if let Some(out) = &args.out {
        files::write(out, report.content(), "--out")?;
    }
    let failures = report
        .problems()
        .into_iter()
        .filter(smime::Problem::is_failure)
        .count();
    if failures > 0 {
        return Err(Failure::new(format!(
            "the message in {} has {failures} problem{} (see the report above)",
            files::shown(&args.input),
            if failures == 1 { "" } else { "s" }
        )));
    }
    Ok(())
}
