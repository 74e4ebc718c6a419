//! An organization's monthly run: unique statements, each signed by the bank and encrypted to
//! its own customer's certificate, on every core, with a progress bar and the throughput at
//! the end.
//!
//! `cargo run --release --example batch_statements` (10,000 statements);
//! `cargo run --example batch_statements -- --count 500 --size 50000 --out outbox`
//! (`--out` keeps the messages; add `--features aws-lc` for the aws-lc-rs provider).
//!
//! The bank signs with RSA-2048 and every customer has an RSA-2048 certificate of their own.
//! To keep the set-up short, the customers' certificates share a small pool of RSA keys
//! (generating 10,000 RSA keys takes minutes); each statement still goes to its own
//! certificate, so the work per statement is what it would be with 10,000 keys.

use std::error::Error;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use smime::batch::{Batch, BatchItem};
use smime::crypto::{CryptoProvider, EcCurve, KeyKind, PrivateKey};
use smime::x509::builder::{CertificateBuilder, TestPki};
use smime::{Certificate, Keys, Recipient, Signer, Trust};

/// Distinct RSA keys behind the customers' certificates.
const KEY_POOL: usize = 8;

struct Options {
    count: usize,
    size: usize,
    out: Option<PathBuf>,
}

fn options() -> Result<Options, Box<dyn Error>> {
    let mut options = Options {
        count: 10_000,
        size: 4_096,
        out: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--count" => options.count = value()?.parse()?,
            "--size" => options.size = value()?.parse()?,
            "--out" => options.out = Some(PathBuf::from(value()?)),
            other => {
                return Err(format!(
                    "unknown argument {other:?}; use --count N, --size BYTES, --out DIR"
                )
                .into());
            }
        }
    }
    Ok(options)
}

fn main() -> Result<(), Box<dyn Error>> {
    let options = options()?;
    let provider = smime::crypto::default_provider();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{} statements of about {} bytes, provider {}, {threads} threads",
        options.count,
        options.size,
        provider.name()
    );

    // The PKI, the bank, and the customers' certificates.
    let started = Instant::now();
    let rsa = KeyKind::Rsa { modulus_bits: 2048 };
    let pki = TestPki::new(
        provider,
        KeyKind::Ec {
            curve: EcCurve::P256,
        },
    )?;
    let bank = pki.issue("Example Bank <statements@bank.example>", rsa)?;
    let pool = (0..KEY_POOL)
        .map(|_| provider.private_key_from_pkcs8(&provider.generate_pkcs8(rsa)?))
        .collect::<Result<Vec<Arc<dyn PrivateKey>>, _>>()?;
    let customers = issue_customers(&pki, provider, &pool, options.count)?;
    println!(
        "set-up: a CA, the bank's certificate and {} customer certificates in {:.1} s",
        customers.len(),
        started.elapsed().as_secs_f64()
    );

    // The bound: the bank's RSA-2048 signature is the costliest step of each statement.
    let signature_time = time_signatures(provider, bank.private_key().as_ref())?;
    let bound = threads as f64 / signature_time.as_secs_f64();
    println!(
        "one RSA-2048 signature takes {:.2} ms: at most {bound:.0} statements/s on {threads} threads",
        signature_time.as_secs_f64() * 1e3
    );

    let signer = Signer::builder(bank.certificate().clone(), bank.private_key().clone())
        .chain([pki.intermediate().certificate().clone()])
        .build()?;
    if let Some(dir) = &options.out {
        std::fs::create_dir_all(dir)?;
    }

    // The run: statements are made on the fly and each result is written (or counted) as
    // soon as its chunk is done, so memory stays bounded however many there are.
    let size = options.size;
    let items = customers.iter().enumerate().map(|(i, certificate)| {
        let recipient = Recipient::new(certificate.clone())
            .map_err(|error| smime::batch::Failure::new(format!("statement-{i:05}"), error))?;
        Ok(BatchItem::new(
            format!("statement-{i:05}"),
            statement(i, size),
            vec![recipient],
        ))
    });
    let mut progress = Progress::new(options.count);
    let mut bytes_out = 0usize;
    let mut samples = Vec::new();
    let summary = Batch::new(signer).run(items, |id, result| {
        progress.tick();
        let Ok(sealed) = result else { return Ok(()) };
        bytes_out += sealed.len();
        if samples.len() < 3 && id.ends_with('7') {
            samples.push((id.to_owned(), sealed.clone()));
        }
        match &options.out {
            Some(dir) => std::fs::write(dir.join(format!("{id}.eml")), sealed)
                .map_err(|e| smime::Error::InvalidInput(format!("cannot write {id}.eml: {e}"))),
            None => Ok(()),
        }
    });
    progress.finish();

    println!(
        "sealed {} statements in {:.2} s: {:.0} statements/s, {:.0}% of the signature bound \
         ({:.1} MB written), {} failed",
        summary.succeeded(),
        summary.elapsed().as_secs_f64(),
        summary.messages_per_second(),
        100.0 * summary.messages_per_second() / bound,
        bytes_out as f64 / 1e6,
        summary.failed().len()
    );
    for failure in summary.failed().iter().take(5) {
        println!("  {}: {}", failure.id, failure.error);
    }

    // Spot checks: a customer opens their statement.
    let trust = Trust::from_certificates([pki.root().certificate()])?.build()?;
    for (id, sealed) in samples {
        let index: usize = id.trim_start_matches("statement-").parse()?;
        let certificate = customers.get(index).ok_or("no such customer")?;
        let key = pool.get(index % KEY_POOL).ok_or("no such key")?;
        let keys = Keys::new().with(certificate.clone(), Arc::clone(key))?;
        let report = smime::open(&sealed, &keys, &trust)?;
        println!(
            "  {id}: opened by {}: {}",
            certificate.subject(),
            if report.is_trusted() {
                "decrypted, signed by the bank, trusted".to_owned()
            } else {
                format!("{:?}", report.problems())
            }
        );
    }
    Ok(())
}

/// The time of one RSA signature of a SHA-256 digest, on one thread (the median of 3 runs
/// of 20).
fn time_signatures(
    provider: &dyn CryptoProvider,
    key: &dyn PrivateKey,
) -> Result<Duration, Box<dyn Error>> {
    let scheme = smime::crypto::SignatureScheme::RsaPkcs1v15 {
        digest: smime::crypto::DigestAlgorithm::Sha256,
    };
    let digest = provider.digest(smime::crypto::DigestAlgorithm::Sha256, b"statement")?;
    let mut runs = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        for _ in 0..20 {
            key.sign_digest(scheme, &digest)?;
        }
        runs.push(start.elapsed() / 20);
    }
    runs.sort();
    runs.get(1).copied().ok_or_else(|| "no timing".into())
}

/// Issues `count` customer certificates over the key pool, on every core.
fn issue_customers(
    pki: &TestPki<'_>,
    provider: &dyn CryptoProvider,
    pool: &[Arc<dyn PrivateKey>],
    count: usize,
) -> Result<Vec<Certificate>, Box<dyn Error>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = count.div_ceil(threads).max(1);
    let chunks: Vec<Result<Vec<Certificate>, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..count)
            .step_by(per_thread)
            .map(|start| {
                scope.spawn(move || {
                    (start..(start + per_thread).min(count))
                        .map(|i| {
                            let key = pool.get(i % pool.len()).ok_or("empty key pool")?;
                            let builder = CertificateBuilder::new(provider, key.public_key())
                                .subject(&format!("CN=Customer {i}"))
                                .and_then(|b| b.mailbox(&format!("customer{i}@mail.example")))
                                .map_err(|e| e.to_string())?;
                            pki.sign(builder).map_err(|e| e.to_string())
                        })
                        .collect::<Result<Vec<_>, String>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("a thread failed".to_owned()))
            })
            .collect()
    });
    let mut all = Vec::with_capacity(count);
    for chunk in chunks {
        all.extend(chunk?);
    }
    Ok(all)
}

/// A unique statement of about `size` bytes.
fn statement(i: usize, size: usize) -> Vec<u8> {
    let mut text = format!(
        "From: Example Bank <statements@bank.example>\r\nTo: customer{i}@mail.example\r\n\
         Subject: Your statement for November (account {i:06})\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nDear customer {i},\r\n\r\n"
    );
    let mut line = 0usize;
    while text.len() < size {
        text.push_str(&format!(
            "2026-11-{:02}  ref {:08x}  {:>9}.{:02} EUR\r\n",
            line % 28 + 1,
            (i * 2_654_435_761 + line * 40_503) & 0xffff_ffff,
            (i * 7_919 + line * 104_729) % 100_000,
            (i + line) % 100
        ));
        line += 1;
    }
    text.into_bytes()
}

/// A progress bar on stderr, when it is a terminal.
struct Progress {
    total: usize,
    done: usize,
    start: Instant,
    drawn: Instant,
    enabled: bool,
}

impl Progress {
    fn new(total: usize) -> Self {
        let now = Instant::now();
        Self {
            total,
            done: 0,
            start: now,
            drawn: now,
            enabled: std::io::stderr().is_terminal(),
        }
    }

    fn tick(&mut self) {
        self.done += 1;
        if self.enabled
            && (self.drawn.elapsed() >= Duration::from_millis(100) || self.done == self.total)
        {
            self.drawn = Instant::now();
            let width = 40;
            let filled = self.done * width / self.total.max(1);
            let rate = self.done as f64 / self.start.elapsed().as_secs_f64().max(1e-9);
            let _ = write!(
                std::io::stderr(),
                "\r[{}{}] {}/{} {:.0}/s ",
                "#".repeat(filled),
                "-".repeat(width - filled),
                self.done,
                self.total,
                rate
            );
        }
    }

    fn finish(&self) {
        if self.enabled {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}
