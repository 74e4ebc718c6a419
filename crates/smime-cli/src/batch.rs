//! `smime batch`: IN/NAME.eml signed, encrypted to RECIPIENTS/NAME.pem, written to
//! OUT/NAME.eml — on every core, with a progress bar and a summary.

use std::fs;
use std::path::{Path, PathBuf};

use smime::Recipient;
use smime::batch::{Batch, BatchItem, Failure as ItemFailure};

use crate::arguments::BatchArgs;
use crate::failure::{Failure, describe};
use crate::files;
use crate::progress::Progress;
use crate::sign::load_signer;

/// The `.eml` files of a directory, by name.
fn messages(dir: &Path) -> Result<Vec<String>, Failure> {
    let entries = fs::read_dir(dir).map_err(|error| {
        Failure::new(format!(
            "cannot read the directory {} (--in): {error}; give the directory of .eml messages",
            files::shown(dir)
        ))
    })?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| {
            Failure::new(format!("cannot list {} (--in): {error}", files::shown(dir)))
        })?;
        let path = entry.path();
        if path.is_file()
            && path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("eml"))
            && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
        {
            names.push(stem.to_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// Reads one item: the message and its recipient.
fn item(name: &str, args: &BatchArgs) -> Result<BatchItem, ItemFailure> {
    let fail = |message: String| ItemFailure::new(name, smime::Error::InvalidInput(message));
    let message_path = args.input.join(format!("{name}.eml"));
    let message = fs::read(&message_path)
        .map_err(|e| fail(format!("cannot read {}: {e}", message_path.display())))?;
    let recipient_path = args.recipients.join(format!("{name}.pem"));
    let pem = fs::read(&recipient_path).map_err(|e| {
        fail(format!(
            "cannot read the recipient certificate {}: {e}",
            recipient_path.display()
        ))
    })?;
    let recipient = Recipient::from_pem(&pem).map_err(|e| {
        fail(format!(
            "cannot encrypt to the certificate {}: {}",
            recipient_path.display(),
            describe(&e)
        ))
    })?;
    Ok(BatchItem::new(
        name,
        message,
        vec![recipient.oaep(args.oaep)],
    ))
}

/// `smime batch`.
pub(crate) fn run(args: &BatchArgs) -> Result<(), Failure> {
    let signer = load_signer(&args.signer)?;
    if !args.recipients.is_dir() {
        return Err(Failure::new(format!(
            "{} (--recipients) is not a directory; give the directory of NAME.pem recipient certificates",
            files::shown(&args.recipients)
        )));
    }
    let names = messages(&args.input)?;
    if names.is_empty() {
        return Err(Failure::new(format!(
            "there is no .eml file in {} (--in); put the messages to send there as NAME.eml",
            files::shown(&args.input)
        )));
    }
    fs::create_dir_all(&args.out).map_err(|error| {
        Failure::new(format!(
            "cannot create the output directory {} (--out): {error}",
            files::shown(&args.out)
        ))
    })?;
    let mut batch = Batch::new(signer);
    if let Some(cipher) = args.cipher {
        batch = batch.cipher(cipher.content_cipher());
    }
    let mut progress = Progress::new(names.len());
    let out_dir: PathBuf = args.out.clone();
    let mut run = || {
        batch.run(names.iter().map(|name| item(name, args)), |id, result| {
            let outcome = match result {
                Ok(sealed) => {
                    let path = out_dir.join(format!("{id}.eml"));
                    fs::write(&path, sealed).map_err(|e| {
                        smime::Error::InvalidInput(format!("cannot write {}: {e}", path.display()))
                    })
                }
                Err(_) => Ok(()),
            };
            let ok = result.is_ok() && outcome.is_ok();
            if let Some(error) = result.as_ref().err().or(outcome.as_ref().err()) {
                progress.println(&format!("smime: {id}: {}", describe(error)));
            }
            progress.tick(ok);
            outcome
        })
    };
    let summary = match args.jobs {
        Some(jobs) => rayon_pool(jobs)?.install(run),
        None => run(),
    };
    progress.finish();
    files::note(&format!(
        "smime: signed and encrypted {} of {} messages in {:.2} s ({:.1} messages/s, {}), {} failed\n",
        summary.succeeded(),
        summary.total(),
        summary.elapsed().as_secs_f64(),
        summary.messages_per_second(),
        smime::crypto::default_provider().name(),
        summary.failed().len()
    ));
    if summary.failed().is_empty() {
        Ok(())
    } else {
        Err(Failure::new(format!(
            "{} of {} messages failed (listed above); the others are in {}",
            summary.failed().len(),
            summary.total(),
            files::shown(&args.out)
        )))
    }
}

/// A rayon pool with `jobs` threads.
fn rayon_pool(jobs: usize) -> Result<rayon::ThreadPool, Failure> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(|e| Failure::new(format!("cannot start {jobs} worker threads: {e}")))
}
