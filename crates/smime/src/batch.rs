//! Many messages at once, for organizations that send unique signed and encrypted statements
//! (banks, labs, universities): one signer, each message to its own recipients.
//!
//! - **Parsed once:** the signer's key and certificate are checked and parsed when the
//!   [`Signer`] is built; each item brings already parsed [`Recipient`]s.
//! - **All cores:** items are signed and encrypted in parallel with rayon (its global pool,
//!   or the pool a caller `install`s).
//! - **Bounded memory:** items are pulled from the caller's iterator one chunk at a time
//!   ([`Batch::chunk_size`]); while one chunk is being processed the next is read, and each
//!   result is handed to the caller's sink as soon as its chunk is done and then dropped. At
//!   most two chunks of inputs and one of outputs are held, however long the batch.
//! - **One error per failed item:** a failure (a bad recipient certificate, a message that
//!   cannot be prepared, a sink that cannot write) is recorded with the item's id and the
//!   batch goes on.
//!
//! ```
//! use smime::batch::{Batch, BatchItem};
//! use smime::crypto::{EcCurve, KeyKind};
//! use smime::x509::builder::TestPki;
//! use smime::{Recipient, Signer};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let p256 = KeyKind::Ec { curve: EcCurve::P256 };
//! let pki = TestPki::new(smime::crypto::default_provider(), p256)?;
//! let bank = pki.issue("Bank <statements@bank.example>", p256)?;
//! let customers = (0..5)
//!     .map(|i| pki.issue(&format!("Customer {i} <c{i}@mail.example>"), p256))
//!     .collect::<Result<Vec<_>, _>>()?;
//!
//! let batch = Batch::new(Signer::new(bank.certificate().clone(), bank.private_key().clone())?);
//! let items = customers.iter().enumerate().map(|(i, customer)| {
//!     let statement = format!("Subject: Statement {i}\r\n\r\nBalance: {i}.00 EUR\r\n");
//!     let recipient = Recipient::new(customer.certificate().clone())
//!         .map_err(|e| smime::batch::Failure::new(format!("c{i}"), e))?;
//!     Ok(BatchItem::new(format!("c{i}"), statement.into_bytes(), vec![recipient]))
//! });
//! let mut outbox = Vec::new();
//! let summary = batch.run(items, |id, result| {
//!     if let Ok(sealed) = result {
//!         outbox.push((id.to_owned(), sealed.clone())); // or write it to disk, or send it
//!     }
//!     Ok(())
//! });
//! assert_eq!((summary.succeeded(), summary.failed().len()), (5, 0));
//! println!("{:.0} messages/s", summary.messages_per_second());
//! assert_eq!(outbox[3].0, "c3");
//! # Ok(()) }
//! ```

use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::error::Error;
use crate::recipient::{ContentCipher, Encryption, Recipient};
use crate::signer::Signer;

/// Items pulled per chunk for each rayon thread when [`Batch::chunk_size`] is not set.
///
/// Origin: ours. Enough items per thread that uneven item costs even out within a chunk,
/// few enough that two chunks of 50 KB statements (inputs and outputs) stay within tens of
/// megabytes on a large machine.
pub const ITEMS_PER_THREAD: usize = 32;

/// One message of a batch: an id (for the caller's bookkeeping and error reports), the
/// message, and its recipients.
#[derive(Clone, Debug)]
pub struct BatchItem {
    id: String,
    message: Vec<u8>,
    recipients: Vec<Recipient>,
}

impl BatchItem {
    /// An item.
    pub fn new(id: impl Into<String>, message: Vec<u8>, recipients: Vec<Recipient>) -> Self {
        Self {
            id: id.into(),
            message,
            recipients,
        }
    }

    /// The id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// An item that failed, and why. (The error is boxed to keep `Result<BatchItem, Failure>`
/// small.)
#[derive(Debug)]
pub struct Failure {
    /// The item's id.
    pub id: String,
    /// What went wrong.
    pub error: Box<Error>,
}

impl Failure {
    /// The failure of item `id`.
    pub fn new(id: impl Into<String>, error: Error) -> Self {
        Self {
            id: id.into(),
            error: Box::new(error),
        }
    }
}

/// What a batch did.
#[derive(Debug)]
pub struct Summary {
    succeeded: usize,
    failed: Vec<Failure>,
    elapsed: Duration,
}

impl Summary {
    /// Items signed, encrypted and accepted by the sink.
    pub fn succeeded(&self) -> usize {
        self.succeeded
    }

    /// Items that failed, in the order they were found, each with its error.
    pub fn failed(&self) -> &[Failure] {
        &self.failed
    }

    /// Items seen (succeeded and failed).
    pub fn total(&self) -> usize {
        self.succeeded.saturating_add(self.failed.len())
    }

    /// Wall-clock time of the whole batch.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Items seen per second of wall-clock time.
    pub fn messages_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            // Counts far below 2^52: the conversion is exact.
            #[allow(clippy::cast_precision_loss, reason = "item counts are far below 2^52")]
            let total = self.total() as f64;
            total / seconds
        } else {
            0.0
        }
    }
}

/// A signer and a content cipher, applied to many messages. See the [module](self) docs.
#[derive(Clone, Debug)]
pub struct Batch {
    signer: Signer,
    cipher: Option<ContentCipher>,
    chunk_size: Option<usize>,
}

impl Batch {
    /// A batch signed by `signer` and encrypted with AES-256-GCM (see [`Encryption::new`]).
    pub fn new(signer: Signer) -> Self {
        Self {
            signer,
            cipher: None,
            chunk_size: None,
        }
    }

    /// The content cipher (default: as [`Encryption::new`] chooses).
    pub fn cipher(mut self, cipher: ContentCipher) -> Self {
        self.cipher = Some(cipher);
        self
    }

    /// Items pulled from the input per chunk (default [`ITEMS_PER_THREAD`] per rayon
    /// thread). At least 1.
    pub fn chunk_size(mut self, items: usize) -> Self {
        self.chunk_size = Some(items.max(1));
        self
    }

    /// The signer.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// Signs one message and encrypts it to `recipients`.
    ///
    /// # Errors
    /// As [`Encryption::sign_and_encrypt`].
    pub fn sign_and_encrypt(
        &self,
        message: &[u8],
        recipients: &[Recipient],
    ) -> Result<Vec<u8>, Error> {
        let mut encryption =
            Encryption::new(recipients.iter().cloned())?.provider(self.signer.provider());
        if let Some(cipher) = self.cipher {
            encryption = encryption.cipher(cipher);
        }
        encryption.sign_and_encrypt(message, &self.signer)
    }

    /// Signs and encrypts every item, in parallel, handing each item's result to `sink` (on
    /// the calling thread, in input order) as soon as its chunk is done: the sealed message,
    /// or the error that stopped it. Items the input could not produce (`Err`), items that
    /// could not be sealed, and items whose `sink` returned an error (say, a file that could
    /// not be written) are recorded in the [`Summary`]; the batch goes on. What `sink`
    /// returns for a failed item is ignored.
    pub fn run<I, S>(&self, items: I, mut sink: S) -> Summary
    where
        I: IntoIterator<Item = Result<BatchItem, Failure>>,
        I::IntoIter: Send,
        S: FnMut(&str, &Result<Vec<u8>, Error>) -> Result<(), Error>,
    {
        let start = Instant::now();
        let chunk_size = self
            .chunk_size
            .unwrap_or_else(|| rayon::current_num_threads().saturating_mul(ITEMS_PER_THREAD))
            .max(1);
        let mut items = items.into_iter();
        let mut summary = Summary {
            succeeded: 0,
            failed: Vec::new(),
            elapsed: Duration::ZERO,
        };
        let mut chunk = next_chunk(&mut items, chunk_size);
        while !chunk.is_empty() {
            // Seal this chunk on the pool while the next one is read.
            let (results, next) = rayon::join(
                || self.seal_chunk(chunk),
                || next_chunk(&mut items, chunk_size),
            );
            for (id, result) in results {
                let accepted = sink(&id, &result);
                match (result, accepted) {
                    (Ok(_), Ok(())) => summary.succeeded = summary.succeeded.saturating_add(1),
                    (Err(error), _) | (Ok(_), Err(error)) => {
                        summary.failed.push(Failure::new(id, error));
                    }
                }
            }
            chunk = next;
        }
        summary.elapsed = start.elapsed();
        summary
    }

    fn seal_chunk(
        &self,
        chunk: Vec<Result<BatchItem, Failure>>,
    ) -> Vec<(String, Result<Vec<u8>, Error>)> {
        chunk
            .into_par_iter()
            .map(|item| match item {
                Ok(item) => {
                    let result = self.sign_and_encrypt(&item.message, &item.recipients);
                    (item.id, result)
                }
                Err(failure) => (failure.id, Err(*failure.error)),
            })
            .collect()
    }
}

fn next_chunk<T>(items: &mut impl Iterator<Item = T>, size: usize) -> Vec<T> {
    items.by_ref().take(size).collect()
}

/// Signs and encrypts every item with `signer` and AES-256-GCM; see [`Batch::run`].
pub fn sign_and_encrypt_all<I, S>(items: I, signer: &Signer, sink: S) -> Summary
where
    I: IntoIterator<Item = Result<BatchItem, Failure>>,
    I::IntoIter: Send,
    S: FnMut(&str, &Result<Vec<u8>, Error>) -> Result<(), Error>,
{
    Batch::new(signer.clone()).run(items, sink)
}
