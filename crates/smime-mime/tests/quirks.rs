//! What real clients send: `x-pkcs7` types, no `smime-type`, CMS as
//! `application/octet-stream` named `.p7m`, base64 with odd line lengths and white space.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed expectation should stop the test"
)]

mod common;

use base64ct::Encoding;
use common::{Pki, cert, find_bytes};
use smime_mime::pkcs7_mime::SmimeType;
use smime_mime::{
    CmsEncryptor, Coverage, Entity, FoundKind, HeaderSelection, MessageBuilder, OpenOptions,
    SignatureForm,
};

const ENTITY: &[u8] = b"Content-Type: text/plain\r\n\r\nQuirky clients.\r\n";

/// The CMS of an opaque signed-data (or encrypted) message we build.
fn cms(encrypt: bool) -> Vec<u8> {
    let pki = Pki::get();
    let provider = smime_crypto::default_provider();
    let encryptor = CmsEncryptor::to_certificates([cert(&pki.bob)]);
    let builder = MessageBuilder::new(ENTITY).headers(HeaderSelection::none());
    let builder = if encrypt {
        builder.encrypt(&encryptor)
    } else {
        builder.sign_opaque([pki.signer(&pki.alice, provider)])
    };
    let message = builder.build(provider).unwrap();
    let entity = Entity::parse(&message).unwrap();
    entity.decoded_body().unwrap().into_owned()
}

/// Base64 in 50-column lines, with trailing spaces and tabs, LF line ends.
fn odd_base64(data: &[u8]) -> String {
    let text = base64ct::Base64::encode_string(data);
    text.as_bytes()
        .chunks(50)
        .map(|line| format!("{} \t\n", std::str::from_utf8(line).unwrap()))
        .collect()
}

fn assert_opaque_valid(message: &[u8], media_type: &str) {
    let report = smime_mime::open(
        message,
        &OpenOptions::new(),
        smime_crypto::default_provider(),
    )
    .unwrap();
    let signature = &report.signatures()[0];
    assert_eq!(signature.form(), SignatureForm::Opaque);
    assert_eq!(signature.media_type(), media_type);
    assert!(signature.is_valid(), "{:?}", signature.verification());
    assert_eq!(report.signature_coverage(), Coverage::Complete);
    assert_eq!(report.content(), ENTITY);
}

#[test]
fn x_pkcs7_mime_without_smime_type_and_odd_base64() {
    let message = format!(
        "MIME-Version: 1.0\nContent-Type: application/x-pkcs7-mime; name=smime.p7m\n\
         Content-Transfer-Encoding: base64\n\n{}",
        odd_base64(&cms(false))
    );
    assert_opaque_valid(message.as_bytes(), "application/x-pkcs7-mime");
    let found = smime_mime::find(message.as_bytes()).unwrap();
    assert_eq!(
        found[0].kind(),
        &FoundKind::Pkcs7Mime(SmimeType::SignedData)
    );
    assert_eq!(found[0].smime_type_parameter(), None);
}

#[test]
fn octet_stream_named_p7m() {
    let message = format!(
        "Content-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"SMIME.P7M\"\n\
         Content-Transfer-Encoding: base64\n\n{}",
        odd_base64(&cms(false))
    );
    assert_opaque_valid(message.as_bytes(), "application/octet-stream");
    // Without the name, an octet stream is just an attachment.
    let anonymous = message.replace("filename=\"SMIME.P7M\"", "filename=\"data.bin\"");
    assert!(smime_mime::find(anonymous.as_bytes()).unwrap().is_empty());
}

#[test]
fn a_wrong_smime_type_does_not_decide() {
    // The parameter says enveloped-data; the CMS says signed-data, and wins.
    let message = format!(
        "Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}",
        odd_base64(&cms(false))
    );
    assert_opaque_valid(message.as_bytes(), "application/pkcs7-mime");
    let found = smime_mime::find(message.as_bytes()).unwrap();
    assert_eq!(
        found[0].kind(),
        &FoundKind::Pkcs7Mime(SmimeType::SignedData)
    );
    assert_eq!(found[0].smime_type_parameter(), Some("enveloped-data"));
    // And an encrypted one without any smime-type.
    let message = format!(
        "Content-Type: application/x-pkcs7-mime\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        odd_base64(&cms(true))
    );
    let found = smime_mime::find(message.as_bytes()).unwrap();
    assert_eq!(
        found[0].kind(),
        &FoundKind::Pkcs7Mime(SmimeType::AuthEnvelopedData)
    );
}

#[test]
fn x_pkcs7_signature_and_old_micalg() {
    let pki = Pki::get();
    let provider = smime_crypto::default_provider();
    let signed = MessageBuilder::new(ENTITY)
        .headers(HeaderSelection::none())
        .sign([pki.signer(&pki.alice, provider)])
        .build(provider)
        .unwrap();
    let text = String::from_utf8(signed).unwrap();
    let old = text
        .replace(
            "application/pkcs7-signature",
            "application/x-pkcs7-signature",
        )
        .replace("micalg=\"sha-256\"", "micalg=SHA256");
    assert!(find_bytes(old.as_bytes(), b"x-pkcs7-signature").is_some());
    let report = smime_mime::open(old.as_bytes(), &OpenOptions::new(), provider).unwrap();
    assert!(report.signatures()[0].is_valid());
    assert!(report.is_fully_signed());
    // A multipart/signed of another protocol (PGP/MIME) is not S/MIME.
    let pgp = text.replace(
        "protocol=\"application/pkcs7-signature\"",
        "protocol=\"application/pgp-signature\"",
    );
    let report = smime_mime::open(pgp.as_bytes(), &OpenOptions::new(), provider).unwrap();
    assert!(report.signatures().is_empty());
    assert_eq!(report.signature_coverage(), Coverage::None);
    assert_eq!(report.parts().len(), 2);
}
