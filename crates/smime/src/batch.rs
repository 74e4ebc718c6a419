//! Many messages at once, for organizations that send unique signed and encrypted statements
//! (banks, labs, universities): one signer, each message to its own recipients.
//!
//! - **Parsed once:** the signer's key and certificate are checked and parsed when the
//!   [`Signer`] is built; each item brings already parsed [`Recipient`]s.
//! - **All cores:** items are signed and encrypted in parallel with rayon (its global pool,
//!   or the pool a caller `install`s).
//! - **Bounded memory:** items are pulled from the caller's iterator one chunk at a time
//!   ([`Batch::chunk_size`]); while one chunk is being processed the next is read, and each
//!   result is handed to the caller's sink as soon as its chunk is done. At most two chunks
//!   of inputs and one of outputs are held, however long the batch.
//! - **Memory reused:** the buffers of a chunk's sealed messages are kept, once the sink
//!   has seen them, and the next chunk's messages are written into them (also in the next
//!   [`Batch::run`]; at most one chunk of them, until the `Batch` and its clones are
//!   dropped); the layers inside each message are written into per-thread buffers (see
//!   [`MessageBuilder::build_into`](smime_mime::MessageBuilder::build_into)). A statement
//!   thus costs no fresh allocation of its large buffers after the first chunk: the cores
//!   spend their time on the cryptography, not on page faults and cold caches.
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

use std::sync::{Arc, Mutex, PoisonError};
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

/// The capacity up to which the buffer of a sealed message is kept for a later one: 8 MiB.
///
/// Origin: ours, as [`smime_mime::message::SCRATCH_RETAIN_LIMIT`]: far above the sealed
/// statements batches are made of (tens to hundreds of kilobytes); the buffer of a larger
/// message is freed once the sink has seen it.
pub const OUTPUT_RETAIN_LIMIT: usize = 8 * 1024 * 1024;

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
///
/// Clones share the output buffers kept between chunks (see the [module](self) docs).
#[derive(Clone, Debug)]
pub struct Batch {
    signer: Signer,
    cipher: Option<ContentCipher>,
    chunk_size: Option<usize>,
    spare: Arc<SpareBuffers>,
}

/// Emptied buffers of sealed messages, for the next chunk to write into.
#[derive(Default)]
struct SpareBuffers(Mutex<Vec<Vec<u8>>>);

impl core::fmt::Debug for SpareBuffers {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let count = self.0.lock().map_or(0, |buffers| buffers.len());
        f.debug_tuple("SpareBuffers").field(&count).finish()
    }
}

impl SpareBuffers {
    /// Up to `count` buffers, each empty.
    fn take(&self, count: usize) -> Vec<Vec<u8>> {
        let mut buffers = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let keep = buffers.len().saturating_sub(count);
        buffers.split_off(keep)
    }

    /// Keeps `buffers` (emptied; too large ones dropped), up to `limit` in all.
    fn put(&self, buffers: Vec<Vec<u8>>, limit: usize) {
        let mut spare = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for mut buffer in buffers {
            if spare.len() >= limit {
                break;
            }
            if buffer.capacity() <= OUTPUT_RETAIN_LIMIT {
                buffer.clear();
                spare.push(buffer);
            }
        }
    }
}

impl Batch {
    /// A batch signed by `signer` and encrypted with AES-256-GCM (see [`Encryption::new`]).
    pub fn new(signer: Signer) -> Self {
        Self {
            signer,
            cipher: None,
            chunk_size: None,
            spare: Arc::default(),
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
        let mut sealed = Vec::new();
        self.sign_and_encrypt_into(message, recipients, &mut sealed)?;
        Ok(sealed)
    }

    /// [`Batch::sign_and_encrypt`], appending the sealed message to `out`: hand the same
    /// buffer (cleared) to each message and its memory is allocated once. On error `out`
    /// is left as it was.
    ///
    /// # Errors
    /// As [`Encryption::sign_and_encrypt`].
    pub fn sign_and_encrypt_into(
        &self,
        message: &[u8],
        recipients: &[Recipient],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let provider = self.signer.provider();
        let mut encryption = Encryption::new(recipients.iter().cloned())?.provider(provider);
        if let Some(cipher) = self.cipher {
            encryption = encryption.cipher(cipher);
        }
        self.signer
            .sign_and_encrypt_into(message, &encryption, provider, out)
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
        // A first chunk of one item per thread, so that the threads start sealing while
        // the rest of the first full chunk is read.
        let first = rayon::current_num_threads().clamp(1, chunk_size);
        let mut chunk = next_chunk(&mut items, first);
        while !chunk.is_empty() {
            let buffers = self.spare.take(chunk.len());
            // Seal this chunk on the pool while the next one is read.
            let (results, next) = rayon::join(
                || self.seal_chunk(chunk, buffers),
                || next_chunk(&mut items, chunk_size),
            );
            let mut emptied = Vec::with_capacity(results.len());
            for (id, result) in results {
                let accepted = sink(&id, &result);
                match (result, accepted) {
                    (Ok(sealed), Ok(())) => {
                        summary.succeeded = summary.succeeded.saturating_add(1);
                        emptied.push(sealed);
                    }
                    (Ok(sealed), Err(error)) => {
                        emptied.push(sealed);
                        summary.failed.push(Failure::new(id, error));
                    }
                    (Err(error), _) => summary.failed.push(Failure::new(id, error)),
                }
            }
            self.spare.put(emptied, chunk_size);
            chunk = next;
        }
        summary.elapsed = start.elapsed();
        summary
    }

    /// Seals every item of `chunk`, each into one of `buffers` (fresh ones when they run
    /// out).
    fn seal_chunk(
        &self,
        chunk: Vec<Result<BatchItem, Failure>>,
        buffers: Vec<Vec<u8>>,
    ) -> Vec<(String, Result<Vec<u8>, Error>)> {
        let missing = chunk.len().saturating_sub(buffers.len());
        let buffers = buffers
            .into_iter()
            .chain(std::iter::repeat_with(Vec::new).take(missing));
        chunk
            .into_par_iter()
            .zip(buffers.collect::<Vec<_>>())
            .map(|(item, mut sealed)| match item {
                Ok(item) => {
                    let result = self
                        .sign_and_encrypt_into(&item.message, &item.recipients, &mut sealed)
                        .map(|()| sealed);
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

#[cfg(test)]
mod tests {
    use smime_crypto::{EcCurve, KeyKind};
    use smime_x509::builder::{TestIdentity, TestPki};

    use super::*;
    use crate::{Keys, Trust};

    const P256: KeyKind = KeyKind::Ec {
        curve: EcCurve::P256,
    };

    struct Fixture {
        pki: TestPki<'static>,
        bank: TestIdentity,
        customers: Vec<TestIdentity>,
    }

    impl Fixture {
        fn signer(&self) -> Signer {
            Signer::builder(
                self.bank.certificate().clone(),
                self.bank.private_key().clone(),
            )
            .chain([self.pki.intermediate().certificate().clone()])
            .build()
            .unwrap()
        }
    }

    fn fixture() -> Fixture {
        let pki = TestPki::new(smime_crypto::default_provider(), P256).unwrap();
        let bank = pki.issue("Bank <statements@bank.example>", P256).unwrap();
        let customers = (0..3)
            .map(|i| {
                pki.issue(&format!("Customer {i} <c{i}@mail.example>"), P256)
                    .unwrap()
            })
            .collect();
        Fixture {
            pki,
            bank,
            customers,
        }
    }

    /// Statement `i` of a run: its length varies a lot from item to item (a few bytes to
    /// 70 KB), so that a reused buffer always held a longer or a shorter message before.
    fn statement(run: usize, i: usize) -> Vec<u8> {
        let lines = [0usize, 1500, 3, 700, 1][(run + i) % 5];
        let mut text = format!("Subject: Statement {run}/{i}\r\n\r\nStatement {run}/{i}\r\n");
        for line in 0..lines {
            text.push_str(&format!("{line:06} transfer to account DE{line:020}\r\n"));
        }
        text.into_bytes()
    }

    /// Checks that `sealed` opens with the key of customer `i` (of 3), is signed by the bank
    /// and holds exactly the body of `expected` — nothing more, nothing less.
    fn opens_to(sealed: &[u8], f: &Fixture, i: usize, expected: &[u8]) {
        let customer = &f.customers[i % f.customers.len()];
        let mut keys = Keys::new();
        keys.add(
            customer.certificate().clone(),
            customer.private_key().clone(),
        )
        .unwrap();
        let trust = Trust::from_certificates([f.pki.root().certificate()])
            .unwrap()
            .build()
            .unwrap();
        let report = crate::open(sealed, &keys, &trust).unwrap();
        assert!(report.is_trusted(), "{:?}", report.problems());
        assert_eq!(report.signers().len(), 1);
        assert_eq!(report.signers()[0].subject(), "CN=Bank");
        let body = expected
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|at| &expected[at + 4..])
            .unwrap();
        assert!(
            report.content().ends_with(body),
            "item {i}: {} bytes of content, {} expected",
            report.content().len(),
            body.len()
        );
        assert_eq!(
            report.content().len(),
            b"\r\n".len() + body.len(),
            "item {i}: nothing of an earlier message is left in the buffer"
        );
    }

    /// Two runs over the same `Batch`: the second writes into the buffers the first kept
    /// (at most one chunk of them), and every message of both opens to exactly its own
    /// statement, signed by the bank, whatever the buffer held before.
    #[test]
    fn reused_buffers_hold_exactly_each_message() {
        let f = fixture();
        let signer = f.signer();
        let batch = Batch::new(signer).chunk_size(4);
        let recipients: Vec<Recipient> = f
            .customers
            .iter()
            .map(|c| Recipient::new(c.certificate().clone()).unwrap())
            .collect();
        for run in 0..2 {
            let items = (0..11).map(|i| {
                Ok(BatchItem::new(
                    i.to_string(),
                    statement(run, i),
                    vec![recipients[i % recipients.len()].clone()],
                ))
            });
            let mut sealed = Vec::new();
            let summary = batch.run(items, |id, result| {
                sealed.push((
                    id.parse::<usize>().unwrap(),
                    result.as_ref().unwrap().clone(),
                ));
                Ok(())
            });
            assert_eq!((summary.succeeded(), summary.failed().len()), (11, 0));
            for (i, message) in &sealed {
                opens_to(message, &f, *i, &statement(run, *i));
            }
            let spare = batch.spare.0.lock().unwrap();
            assert_eq!(spare.len(), 4, "one chunk of buffers is kept");
            assert!(spare.iter().all(|buffer| buffer.is_empty()));
            assert!(spare.iter().any(|buffer| buffer.capacity() > 1000));
        }
    }

    /// `sign_and_encrypt_into` appends after what the buffer holds, and leaves it as it was
    /// when the message cannot be sealed.
    #[test]
    fn sign_and_encrypt_into_appends_or_leaves_the_buffer() {
        let f = fixture();
        let signer = f.signer();
        let batch = Batch::new(signer);
        let recipient = Recipient::new(f.customers[0].certificate().clone()).unwrap();
        let message = statement(0, 1);
        let mut out = b"kept".to_vec();
        batch
            .sign_and_encrypt_into(&message, std::slice::from_ref(&recipient), &mut out)
            .unwrap();
        assert!(out.starts_with(b"kept"));
        opens_to(&out[4..], &f, 0, &message);

        let mut out = b"kept".to_vec();
        let error = batch.sign_and_encrypt_into(&message, &[], &mut out);
        assert!(matches!(error, Err(Error::InvalidOption(_))), "{error:?}");
        assert_eq!(out, b"kept");
        // A body in an unknown transfer encoding cannot be prepared: the MIME layer's error,
        // the buffer untouched.
        let unknown = b"Content-Type: text/plain\r\nContent-Transfer-Encoding: x-foo\r\n\r\nhi\r\n";
        let error =
            batch.sign_and_encrypt_into(unknown, std::slice::from_ref(&recipient), &mut out);
        assert!(matches!(error, Err(Error::Mime(_))), "{error:?}");
        assert_eq!(out, b"kept");
    }

    /// The pool keeps at most `limit` buffers, empties them, and drops oversized ones.
    #[test]
    fn spare_buffers_are_bounded() {
        let spare = SpareBuffers::default();
        let mut buffers: Vec<Vec<u8>> = (0..5).map(|i| vec![7u8; 10 + i]).collect();
        buffers.push(Vec::with_capacity(OUTPUT_RETAIN_LIMIT + 1));
        spare.put(buffers, 3);
        assert_eq!(spare.take(10).len(), 3);
        assert!(spare.take(10).is_empty());
        spare.put(vec![Vec::with_capacity(OUTPUT_RETAIN_LIMIT + 1)], 3);
        assert!(spare.take(1).is_empty(), "an oversized buffer is not kept");
        spare.put(vec![vec![1, 2, 3]], 3);
        let taken = spare.take(1);
        assert_eq!(taken.len(), 1);
        assert!(taken[0].is_empty() && taken[0].capacity() >= 3);
    }
}
