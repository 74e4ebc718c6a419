//! The batch API: every item sealed to its own recipient, in order, chunk by chunk, with one
//! error per failed item.
// Test code: panicking on unexpected input is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{P256, fixture};
use smime::batch::{Batch, BatchItem, Failure};
use smime::{ContentCipher, Error, Recipient};

#[test]
fn every_item_is_sealed_to_its_own_recipient_in_order() {
    let f = fixture();
    // 23 customers, each with a certificate of their own.
    let customers: Vec<_> = (0..23)
        .map(|i| {
            f.pki
                .issue(&format!("Customer {i} <c{i}@example.com>"), P256)
                .unwrap()
        })
        .collect();
    let signer = f.signer(&f.bob).build().unwrap();
    let batch = Batch::new(signer).chunk_size(5);
    let items = customers.iter().enumerate().map(|(i, customer)| {
        if i == 7 {
            // An item the input could not produce (say, a missing certificate file).
            return Err(Failure::new(
                "c7",
                Error::InvalidInput("no certificate for c7".to_owned()),
            ));
        }
        let statement = format!(
            "From: bank@example.org\r\nTo: c{i}@example.com\r\nSubject: Statement {i}\r\n\r\nBalance: {i}.00 EUR\r\n"
        );
        Ok(BatchItem::new(
            format!("c{i}"),
            statement.into_bytes(),
            vec![Recipient::new(customer.certificate().clone()).unwrap()],
        ))
    });
    let mut seen = Vec::new();
    let mut outputs = Vec::new();
    let summary = batch.run(items, |id, result| {
        seen.push(id.to_owned());
        match result {
            Ok(sealed) if id == "c12" => {
                // The sink itself fails for one item: recorded, the batch goes on.
                let _ = sealed;
                Err(Error::InvalidInput("disk full".to_owned()))
            }
            Ok(sealed) => {
                outputs.push((id.to_owned(), sealed.clone()));
                Ok(())
            }
            Err(_) => Ok(()),
        }
    });
    let expected: Vec<String> = (0..23).map(|i| format!("c{i}")).collect();
    assert_eq!(seen, expected, "the sink sees every item, in input order");
    assert_eq!(summary.total(), 23);
    assert_eq!(summary.succeeded(), 21);
    let failed: Vec<&str> = summary.failed().iter().map(|f| f.id.as_str()).collect();
    assert_eq!(failed, ["c7", "c12"]);
    assert!(matches!(*summary.failed()[1].error, Error::InvalidInput(ref m) if m == "disk full"));
    assert!(summary.messages_per_second() > 0.0);

    // Each output opens with its own customer's key only, and is signed by the bank.
    let trust = f.trust();
    for (id, sealed) in &outputs {
        let i: usize = id[1..].parse().unwrap();
        let customer = &customers[i];
        let mut keys = smime::Keys::new();
        keys.add(
            customer.certificate().clone(),
            customer.private_key().clone(),
        )
        .unwrap();
        let report = smime::open(sealed, &keys, &trust).unwrap();
        assert!(report.is_trusted(), "{id}: {:?}", report.problems());
        assert_eq!(report.signers()[0].subject(), "CN=Bob");
        assert!(
            report
                .content()
                .ends_with(format!("Balance: {i}.00 EUR\r\n").as_bytes())
        );
        let other = &customers[(i + 1) % customers.len()];
        let mut wrong = smime::Keys::new();
        wrong
            .add(other.certificate().clone(), other.private_key().clone())
            .unwrap();
        assert!(smime::decrypt(sealed, &wrong).is_err());
    }
}

#[test]
fn the_cipher_applies_to_every_item() {
    let f = fixture();
    let signer = f.signer(&f.alice).build().unwrap();
    let batch = Batch::new(signer).cipher(ContentCipher::Aes128Cbc);
    let items = (0..3).map(|i| {
        Ok(BatchItem::new(
            i.to_string(),
            b"Subject: x\r\n\r\nhello\r\n".to_vec(),
            vec![Recipient::new(f.carol.certificate().clone()).unwrap()],
        ))
    });
    let keys = f.keys(&[&f.carol]);
    let summary = batch.run(items, |_, result| {
        let sealed = result.as_ref().unwrap();
        let decrypted = smime::decrypt(sealed, &keys).unwrap();
        assert_eq!(decrypted.content_cipher(), "AES-128-CBC");
        assert!(!decrypted.is_authenticated());
        Ok(())
    });
    assert_eq!(summary.succeeded(), 3);
    assert!(summary.failed().is_empty());
}

#[test]
fn an_empty_batch_is_an_empty_summary() {
    let f = fixture();
    let summary = smime::batch::sign_and_encrypt_all(
        std::iter::empty(),
        &f.signer(&f.alice).build().unwrap(),
        |_, _| Ok(()),
    );
    assert_eq!(summary.total(), 0);
    assert_eq!(summary.succeeded(), 0);
}
