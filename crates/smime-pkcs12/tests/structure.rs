//! Hand-built PKCS#12 structures: BER input (indefinite lengths, constructed strings,
//! non-minimal lengths), several keys paired by public key, nested safe contents, CRL, secret
//! and unknown bags, every limit, unsupported algorithms and corrupt parameters.

// Test code: unwrap/expect/indexing/panic are the assertions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod openssl_cli;

use std::sync::OnceLock;

use const_oid::ObjectIdentifier;
use der::Encode;
use smime_pkcs12::{
    AlgorithmRole, Error, ExportBuilder, Limit, Limits, Pairing, Password, Pfx, import,
    import_with_limits,
};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/");

// ----- a small DER writer -----

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend([0x81, len as u8]);
    } else if len < 0x10000 {
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    } else {
        out.extend([0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn oid(dotted: &str) -> Vec<u8> {
    ObjectIdentifier::new_unwrap(dotted).to_der().unwrap()
}

fn octets(content: &[u8]) -> Vec<u8> {
    tlv(0x04, content)
}

fn explicit0(content: &[u8]) -> Vec<u8> {
    tlv(0xa0, content)
}

const DATA: &str = "1.2.840.113549.1.7.1";
const ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";
const KEY_BAG: &str = "1.2.840.113549.1.12.10.1.1";
const CERT_BAG: &str = "1.2.840.113549.1.12.10.1.3";
const CRL_BAG: &str = "1.2.840.113549.1.12.10.1.4";
const SECRET_BAG: &str = "1.2.840.113549.1.12.10.1.5";
const SAFE_CONTENTS_BAG: &str = "1.2.840.113549.1.12.10.1.6";
const LOCAL_KEY_ID: &str = "1.2.840.113549.1.9.21";

/// A PFX without MAC whose AuthenticatedSafe holds `content_infos`.
fn pfx(content_infos: &[&[u8]]) -> Vec<u8> {
    let auth_safe = seq(content_infos);
    seq(&[
        &tlv(0x02, &[3]),
        &seq(&[&oid(DATA), &explicit0(&octets(&auth_safe))]),
    ])
}

/// A `data` ContentInfo holding a SafeContents of `bags`.
fn data(bags: &[&[u8]]) -> Vec<u8> {
    seq(&[&oid(DATA), &explicit0(&octets(&seq(bags)))])
}

fn bag(bag_id: &str, value: &[u8], attributes: Option<&[u8]>) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = Vec::new();
    let id = oid(bag_id);
    let value = explicit0(value);
    parts.push(&id);
    parts.push(&value);
    if let Some(a) = attributes {
        parts.push(a);
    }
    seq(&parts)
}

fn key_id_attribute(id: &[u8]) -> Vec<u8> {
    tlv(0x31, &seq(&[&oid(LOCAL_KEY_ID), &tlv(0x31, &octets(id))]))
}

fn key_bag(pkcs8: &[u8], id: Option<&[u8]>) -> Vec<u8> {
    bag(KEY_BAG, pkcs8, id.map(key_id_attribute).as_deref())
}

fn cert_bag(cert: &[u8], id: Option<&[u8]>) -> Vec<u8> {
    let value = seq(&[&oid("1.2.840.113549.1.9.22.1"), &explicit0(&octets(cert))]);
    bag(CERT_BAG, &value, id.map(key_id_attribute).as_deref())
}

/// An EncryptedData ContentInfo with the given encryption AlgorithmIdentifier.
fn encrypted_data(alg: &[u8]) -> Vec<u8> {
    let eci = seq(&[&oid(DATA), alg, &tlv(0x80, &[0u8; 16])]);
    seq(&[
        &oid(ENCRYPTED_DATA),
        &explicit0(&seq(&[&tlv(0x02, &[0]), &eci])),
    ])
}

struct Fixture {
    key: Vec<u8>,
    cert: Vec<u8>,
}

fn fixtures() -> &'static (Fixture, Fixture) {
    static F: OnceLock<(Fixture, Fixture)> = OnceLock::new();
    F.get_or_init(|| {
        let one = |path: &str, pw: Password<'_>| {
            let c = import(&std::fs::read(format!("{CORPUS}{path}")).unwrap(), pw).unwrap();
            let id = c.identity().unwrap();
            Fixture {
                key: id.key.pkcs8_der().to_vec(),
                cert: id.certificate.unwrap().der().to_vec(),
            }
        };
        (
            one("mimekit/smime/rsa/smime.pfx", Password::new("no.secret")),
            one(
                "pyca-cryptography/pkcs12/cert-none-key-none.p12",
                Password::new("cryptography"),
            ),
        )
    })
}

// ----- keys and certificates -----

#[test]
fn several_keys_pair_by_public_key_and_a_wrong_local_key_id_is_not_trusted() {
    let (rsa, ec) = fixtures();
    // Certificates first and in the other order; no attributes at all.
    let p12 = pfx(&[&data(&[
        &cert_bag(&ec.cert, None),
        &cert_bag(&rsa.cert, None),
        &key_bag(&rsa.key, None),
        &key_bag(&ec.key, None),
    ])]);
    let c = import(&p12, Password::ABSENT).unwrap();
    let ids = c.identities();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0].certificate.unwrap().der(), rsa.cert.as_slice());
    assert_eq!(ids[1].certificate.unwrap().der(), ec.cert.as_slice());
    assert!(ids.iter().all(|i| i.pairing == Some(Pairing::PublicKey)));
    assert_eq!(c.ca_certificates().count(), 0);
    assert_eq!(c.certificates()[0].key_index(), Some(1));

    // The RSA key claims the EC certificate's localKeyId: the public key wins.
    let p12 = pfx(&[&data(&[
        &cert_bag(&ec.cert, Some(b"A")),
        &cert_bag(&rsa.cert, Some(b"B")),
        &key_bag(&rsa.key, Some(b"A")),
    ])]);
    let c = import(&p12, Password::ABSENT).unwrap();
    let id = c.identity().unwrap();
    assert_eq!(id.certificate.unwrap().der(), rsa.cert.as_slice());
    assert_eq!(id.pairing, Some(Pairing::PublicKey));
    assert_eq!(c.ca_certificates().count(), 1);
}

#[test]
fn nested_safe_contents_bags_are_read_up_to_the_limit() {
    let (rsa, _) = fixtures();
    let nest = |levels: usize| {
        let mut inner = seq(&[&key_bag(&rsa.key, None), &cert_bag(&rsa.cert, None)]);
        for _ in 0..levels {
            inner = seq(&[&bag(SAFE_CONTENTS_BAG, &inner, None)]);
        }
        pfx(&[&seq(&[&oid(DATA), &explicit0(&octets(&inner))])])
    };
    let c = import(&nest(8), Password::ABSENT).unwrap();
    assert_eq!(c.identity().unwrap().pairing, Some(Pairing::PublicKey));
    let err = import(&nest(9), Password::ABSENT).unwrap_err();
    assert!(
        matches!(
            err,
            Error::LimitExceeded {
                limit: Limit::SafeContentsNesting,
                actual: 9,
                max: 8,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn crl_secret_and_unknown_bags() {
    let crl = seq(&[&seq(&[&tlv(0x02, &[1])]), &seq(&[]), &tlv(0x03, &[0])]);
    let crl_bag = bag(
        CRL_BAG,
        &seq(&[&oid("1.2.840.113549.1.9.23.1"), &explicit0(&octets(&crl))]),
        None,
    );
    let secret_value = octets(b"top secret");
    let secret_bag = bag(
        SECRET_BAG,
        &seq(&[&oid("1.2.3.4"), &explicit0(&secret_value)]),
        Some(&tlv(
            0x31,
            &seq(&[
                &oid("1.2.840.113549.1.9.20"),
                &tlv(0x31, &tlv(0x1e, &[0, b'k', 0, b'1'])),
            ]),
        )),
    );
    let sdsi = bag(
        CERT_BAG,
        &seq(&[
            &oid("1.2.840.113549.1.9.22.2"),
            &explicit0(&tlv(0x16, b"x")),
        ]),
        None,
    );
    let unknown = bag("1.2.3.4.5", &tlv(0x05, &[]), None);
    let c = import(
        &pfx(&[&data(&[&crl_bag, &secret_bag, &sdsi, &unknown])]),
        Password::ABSENT,
    )
    .unwrap();
    assert_eq!(c.crls().len(), 1);
    assert_eq!(c.crls()[0].der, crl);
    assert_eq!(c.secrets().len(), 1);
    assert_eq!(c.secrets()[0].secret_type.to_string(), "1.2.3.4");
    assert_eq!(c.secrets()[0].value_der.as_slice(), secret_value.as_slice());
    assert_eq!(
        c.secrets()[0].attributes.friendly_name.as_deref(),
        Some("k1")
    );
    let skipped: Vec<String> = c.skipped_bags().iter().map(ToString::to_string).collect();
    assert_eq!(skipped, ["1.2.840.113549.1.9.22.2", "1.2.3.4.5"]);
    assert!(c.keys().is_empty() && c.certificates().is_empty());
}

// ----- limits -----

fn expect_limit(result: Result<impl std::fmt::Debug, Error>, which: Limit) -> (u64, u64, String) {
    match result {
        Err(Error::LimitExceeded {
            limit,
            actual,
            max,
            at,
        }) if limit == which => (actual, max, at.to_string()),
        other => panic!("expected {which:?}, got {other:?}"),
    }
}

#[test]
fn iteration_limits_stop_work_before_it_is_done() {
    let (_, ec) = fixtures();
    let p12 = ExportBuilder::new()
        .key(&ec.key)
        .certificate(&ec.cert)
        .iterations(5000)
        .build(Password::new("pw"))
        .unwrap();
    let mut limits = Limits::default();
    limits.max_iterations = 4096;
    let (actual, max, at) = expect_limit(
        import_with_limits(&p12, Password::new("pw"), limits),
        Limit::Iterations,
    );
    assert_eq!((actual, max, at.as_str()), (5000, 4096, "PFX/macData"));

    // MAC + certificates + key = 15,000 > 12,000 (charged before each derivation).
    let mut limits = Limits::default();
    limits.max_total_iterations = 12_000;
    let (actual, max, at) = expect_limit(
        import_with_limits(&p12, Password::new("pw"), limits),
        Limit::TotalIterations,
    );
    assert_eq!((actual, max), (15_000, 12_000));
    assert!(at.ends_with("safeBag[0]/pkcs8ShroudedKeyBag"), "{at}");

    // A wrong password charged twice (absent, then empty) still fits the default budget.
    assert!(
        import(&p12, Password::ABSENT)
            .unwrap_err()
            .is_wrong_password()
    );
}

#[test]
fn size_bag_and_depth_limits() {
    let (rsa, _) = fixtures();
    let p12 = pfx(&[&data(&[
        &cert_bag(&rsa.cert, None),
        &cert_bag(&rsa.cert, None),
        &cert_bag(&rsa.cert, None),
    ])]);
    let mut limits = Limits::default();
    limits.max_bags = 2;
    let (actual, max, at) = expect_limit(
        import_with_limits(&p12, Password::ABSENT, limits),
        Limit::Bags,
    );
    assert_eq!((actual, max), (3, 2));
    assert_eq!(at, "PFX/authSafe/contentInfo[0]/safeBag[2]");

    let mut limits = Limits::default();
    limits.max_input_len = p12.len() - 1;
    expect_limit(Pfx::parse_with_limits(&p12, limits), Limit::InputLength);

    // 70 nested SEQUENCEs where the PFX should be.
    let mut deep = tlv(0x05, &[]);
    for _ in 0..70 {
        deep = seq(&[&deep]);
    }
    expect_limit(Pfx::parse(&deep), Limit::Asn1Depth);
    // ... and inside a SafeContents.
    let mut deep_bag = tlv(0x05, &[]);
    for _ in 0..70 {
        deep_bag = seq(&[&deep_bag]);
    }
    let p12 = pfx(&[&data(&[&bag(KEY_BAG, &deep_bag, None)])]);
    expect_limit(import(&p12, Password::ABSENT), Limit::Asn1Depth);

    let salt = vec![0u8; 2000];
    let p12 = pfx(&[&encrypted_data(&seq(&[
        &oid("1.2.840.113549.1.12.1.3"),
        &seq(&[&octets(&salt), &tlv(0x02, &[1])]),
    ]))]);
    expect_limit(import(&p12, Password::ABSENT), Limit::SaltLength);
}

// ----- unsupported algorithms and corrupt parameters -----

fn expect_unsupported(
    result: Result<impl std::fmt::Debug, Error>,
    role: AlgorithmRole,
    oid_text: &str,
) {
    match result {
        Err(Error::UnsupportedAlgorithm { role: r, oid, .. }) if r == role => {
            assert_eq!(oid.to_string(), oid_text);
        }
        other => panic!("expected unsupported {role:?} {oid_text}, got {other:?}"),
    }
}

fn expect_corrupt(result: Result<impl std::fmt::Debug, Error>, fragment: &str) {
    match result {
        Err(Error::Corrupt { reason, at }) => {
            assert!(reason.contains(fragment), "{reason} (at {at})");
        }
        other => panic!("expected Corrupt({fragment}), got {other:?}"),
    }
}

fn pbes2(kdf: &[u8], cipher: &[u8]) -> Vec<u8> {
    seq(&[&oid("1.2.840.113549.1.5.13"), &seq(&[kdf, cipher])])
}

fn pbkdf2(extra: &[&[u8]]) -> Vec<u8> {
    let mut params: Vec<&[u8]> = Vec::new();
    let salt = octets(&[1; 8]);
    let iterations = tlv(0x02, &[0x08, 0x00]);
    params.push(&salt);
    params.push(&iterations);
    params.extend_from_slice(extra);
    seq(&[&oid("1.2.840.113549.1.5.12"), &seq(&params)])
}

fn aes256(iv_len: usize) -> Vec<u8> {
    seq(&[&oid("2.16.840.1.101.3.4.1.42"), &octets(&vec![0; iv_len])])
}

#[test]
fn unsupported_algorithms_are_named() {
    // MAC digest MD5: refused when the file is parsed, before any password is tried.
    let p12 = {
        let auth_safe = seq(&[]);
        let mac = seq(&[
            &seq(&[
                &seq(&[&oid("1.2.840.113549.2.5"), &tlv(0x05, &[])]),
                &octets(&[0; 16]),
            ]),
            &octets(&[0; 8]),
        ]);
        seq(&[
            &tlv(0x02, &[3]),
            &seq(&[&oid(DATA), &explicit0(&octets(&auth_safe))]),
            &mac,
        ])
    };
    expect_unsupported(Pfx::parse(&p12), AlgorithmRole::Mac, "1.2.840.113549.2.5");

    // Public-key integrity mode.
    let p12 = seq(&[
        &tlv(0x02, &[3]),
        &seq(&[&oid("1.2.840.113549.1.7.2"), &explicit0(&seq(&[]))]),
    ]);
    expect_unsupported(
        Pfx::parse(&p12),
        AlgorithmRole::ContentType,
        "1.2.840.113549.1.7.2",
    );

    // Public-key privacy mode.
    let p12 = pfx(&[&seq(&[&oid("1.2.840.113549.1.7.3"), &explicit0(&seq(&[]))])]);
    expect_unsupported(
        import(&p12, Password::ABSENT),
        AlgorithmRole::ContentType,
        "1.2.840.113549.1.7.3",
    );

    // RC4 and PKCS#5 v1.5 PBEs.
    let pbe = |o: &str| seq(&[&oid(o), &seq(&[&octets(&[1; 8]), &tlv(0x02, &[1])])]);
    for o in [
        "1.2.840.113549.1.12.1.1",
        "1.2.840.113549.1.12.1.2",
        "1.2.840.113549.1.5.3",
    ] {
        expect_unsupported(
            import(&pfx(&[&encrypted_data(&pbe(o))]), Password::ABSENT),
            AlgorithmRole::Encryption,
            o,
        );
    }

    // PBES2 with scrypt, with AES-GCM, with an unknown PRF.
    let scrypt = seq(&[
        &oid("1.3.6.1.4.1.11591.4.11"),
        &seq(&[
            &octets(&[1; 8]),
            &tlv(0x02, &[0x40]),
            &tlv(0x02, &[8]),
            &tlv(0x02, &[1]),
        ]),
    ]);
    expect_unsupported(
        import(
            &pfx(&[&encrypted_data(&pbes2(&scrypt, &aes256(16)))]),
            Password::ABSENT,
        ),
        AlgorithmRole::KeyDerivation,
        "1.3.6.1.4.1.11591.4.11",
    );
    let gcm = seq(&[&oid("2.16.840.1.101.3.4.1.46"), &octets(&[0; 12])]);
    expect_unsupported(
        import(
            &pfx(&[&encrypted_data(&pbes2(&pbkdf2(&[]), &gcm))]),
            Password::ABSENT,
        ),
        AlgorithmRole::Cipher,
        "2.16.840.1.101.3.4.1.46",
    );
    let odd_prf = seq(&[&oid("1.2.840.113549.2.13"), &tlv(0x05, &[])]);
    expect_unsupported(
        import(
            &pfx(&[&encrypted_data(&pbes2(&pbkdf2(&[&odd_prf]), &aes256(16)))]),
            Password::ABSENT,
        ),
        AlgorithmRole::Prf,
        "1.2.840.113549.2.13",
    );
}

#[test]
fn corrupt_parameters_are_errors_not_panics() {
    // A DES-EDE3-CBC IV of 4 bytes (the pkcs5 crate would slice [0..8] and panic).
    let des = seq(&[&oid("1.2.840.113549.3.7"), &octets(&[0; 4])]);
    expect_corrupt(
        import(
            &pfx(&[&encrypted_data(&pbes2(&pbkdf2(&[]), &des))]),
            Password::ABSENT,
        ),
        "IV of 4 bytes",
    );
    expect_corrupt(
        import(
            &pfx(&[&encrypted_data(&pbes2(&pbkdf2(&[]), &aes256(15)))]),
            Password::ABSENT,
        ),
        "IV of 15 bytes",
    );
    // keyLength 16 for AES-256.
    expect_corrupt(
        import(
            &pfx(&[&encrypted_data(&pbes2(
                &pbkdf2(&[&tlv(0x02, &[16])]),
                &aes256(16),
            ))]),
            Password::ABSENT,
        ),
        "keyLength 16",
    );
    // Iteration count 0.
    let zero = seq(&[
        &oid("1.2.840.113549.1.12.1.3"),
        &seq(&[&octets(&[1; 8]), &tlv(0x02, &[0])]),
    ]);
    expect_corrupt(
        import(&pfx(&[&encrypted_data(&zero)]), Password::ABSENT),
        "iteration count is 0",
    );
    // Ciphertext not a whole number of blocks.
    let legacy = seq(&[
        &oid("1.2.840.113549.1.12.1.3"),
        &seq(&[&octets(&[1; 8]), &tlv(0x02, &[1])]),
    ]);
    let eci = seq(&[&oid(DATA), &legacy, &tlv(0x80, &[0u8; 13])]);
    let ed = seq(&[
        &oid(ENCRYPTED_DATA),
        &explicit0(&seq(&[&tlv(0x02, &[0]), &eci])),
    ]);
    expect_corrupt(import(&pfx(&[&ed]), Password::ABSENT), "13 bytes");
    // Version 2, trailing data, an OCTET STRING where the AuthenticatedSafe should be.
    let p12 = seq(&[
        &tlv(0x02, &[2]),
        &seq(&[&oid(DATA), &explicit0(&octets(&seq(&[])))]),
    ]);
    expect_corrupt(Pfx::parse(&p12), "version 2");
    let mut p12 = pfx(&[]);
    p12.push(0);
    expect_corrupt(Pfx::parse(&p12), "trailing data");
    let p12 = seq(&[
        &tlv(0x02, &[3]),
        &seq(&[&oid(DATA), &explicit0(&octets(&octets(b"x")))]),
    ]);
    expect_corrupt(import(&p12, Password::ABSENT), "not a SEQUENCE");
    // A keyBag that is not a PrivateKeyInfo.
    expect_corrupt(
        import(
            &pfx(&[&data(&[&bag(KEY_BAG, &seq(&[&tlv(0x02, &[5])]), None)])]),
            Password::ABSENT,
        ),
        "PrivateKeyInfo",
    );
}

#[test]
fn pbmac1_parameters_are_checked() {
    let (_, ec) = fixtures();
    let auth_safe = seq(&[&data(&[&key_bag(&ec.key, None)])]);
    let with_mac = |mac_alg: &[u8]| {
        let mac = seq(&[
            &seq(&[mac_alg, &octets(&[0; 32])]),
            &octets(b"NOT USED"),
            &tlv(0x02, &[1]),
        ]);
        seq(&[
            &tlv(0x02, &[3]),
            &seq(&[&oid(DATA), &explicit0(&octets(&auth_safe))]),
            &mac,
        ])
    };
    let hmac256 = seq(&[&oid("1.2.840.113549.2.9"), &tlv(0x05, &[])]);
    let pbmac1 = |kdf: &[u8], mac: &[u8]| seq(&[&oid("1.2.840.113549.1.5.14"), &seq(&[kdf, mac])]);
    // RFC 9579: keyLength must be present.
    expect_corrupt(
        Pfx::parse(&with_mac(&pbmac1(&pbkdf2(&[]), &hmac256))),
        "keyLength",
    );
    // An unknown MAC scheme.
    let md5 = seq(&[&oid("1.2.840.113549.2.5"), &tlv(0x05, &[])]);
    expect_unsupported(
        Pfx::parse(&with_mac(&pbmac1(&pbkdf2(&[&tlv(0x02, &[32])]), &md5))),
        AlgorithmRole::Mac,
        "1.2.840.113549.2.5",
    );
    // Well-formed but the MAC is zeros: wrong password.
    let p12 = with_mac(&pbmac1(&pbkdf2(&[&tlv(0x02, &[32])]), &hmac256));
    assert!(
        import(&p12, Password::new("1234"))
            .unwrap_err()
            .is_wrong_password()
    );
}

// ----- BER input -----

/// Re-encodes DER as BER the way Windows and Java do: indefinite lengths on every constructed
/// element, OCTET STRINGs and `[0] IMPLICIT OCTET STRING`s chunked (alternately with
/// indefinite and definite lengths), non-minimal lengths on other primitives. With `deep`,
/// OCTET STRINGs that hold a SEQUENCE of SEQUENCEs that is not a certificate (the
/// AuthenticatedSafe and SafeContents) are re-encoded inside too.
fn to_ber(der: &[u8], deep: bool, counter: &mut usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = der;
    while !rest.is_empty() {
        let tag = rest[0];
        let (len, header) = match rest[1] {
            n if n < 0x80 => (usize::from(n), 2),
            0x81 => (usize::from(rest[2]), 3),
            0x82 => ((usize::from(rest[2]) << 8) | usize::from(rest[3]), 4),
            0x83 => (
                (usize::from(rest[2]) << 16) | (usize::from(rest[3]) << 8) | usize::from(rest[4]),
                5,
            ),
            _ => panic!("unexpected length"),
        };
        let content = &rest[header..header + len];
        rest = &rest[header + len..];
        *counter += 1;
        if tag & 0x20 != 0 {
            out.extend([tag, 0x80]);
            out.extend(to_ber(content, deep, counter));
            out.extend([0, 0]);
        } else if tag == 0x04 || tag == 0x80 {
            let inner = if deep && tag == 0x04 && looks_like_safe_structure(content) {
                to_ber(content, deep, counter)
            } else {
                content.to_vec()
            };
            let chunks: Vec<u8> = inner.chunks(37).flat_map(|c| tlv(0x04, c)).collect();
            let outer_tag = if tag == 0x04 { 0x24 } else { 0xa0 };
            if (*counter).is_multiple_of(2) {
                out.extend([outer_tag, 0x80]);
                out.extend(chunks);
                out.extend([0, 0]);
            } else {
                out.extend(tlv(outer_tag, &chunks));
            }
        } else {
            out.extend([tag, 0x84]);
            out.extend((len as u32).to_be_bytes());
            out.extend_from_slice(content);
        }
    }
    out
}

/// A DER SEQUENCE whose elements are SEQUENCEs, and which is not a certificate (whose last
/// element is a BIT STRING).
fn looks_like_safe_structure(content: &[u8]) -> bool {
    use der::{Decode, Reader, Tagged};
    let Ok(any) = der::asn1::AnyRef::from_der(content) else {
        return false;
    };
    any.sequence(|reader| {
        let mut all_sequences = true;
        let mut last = der::Tag::Null;
        while !reader.is_finished() {
            let element = der::asn1::AnyRef::decode(reader)?;
            last = element.tag();
            all_sequences &= element.tag() == der::Tag::Sequence;
        }
        Ok::<_, der::Error>(all_sequences && last == der::Tag::Sequence)
    })
    .unwrap_or(false)
}

fn openssl_p12(extra: &[&str]) -> (Vec<u8>, &'static openssl_cli::Pki) {
    let pki = openssl_cli::rsa_pki();
    let dir = tempfile::tempdir().unwrap();
    pki.write_to(dir.path());
    let mut args = vec![
        "pkcs12",
        "-export",
        "-inkey",
        "leaf.key",
        "-in",
        "leaf.pem",
        "-certfile",
        "chain.pem",
        "-name",
        "Bob",
        "-passout",
        "pass:secret",
        "-out",
        "out.p12",
    ];
    args.extend_from_slice(extra);
    openssl_cli::run_ok(dir.path(), &args);
    (std::fs::read(dir.path().join("out.p12")).unwrap(), pki)
}

fn assert_bob(p12: &[u8], pki: &openssl_cli::Pki) {
    let c = import(p12, Password::new("secret")).unwrap();
    let id = c.identity().unwrap();
    assert_eq!(id.key.pkcs8_der().as_slice(), pki.leaf_key.as_slice());
    assert_eq!(id.certificate.unwrap().der(), pki.leaf.as_slice());
    assert_eq!(id.key.friendly_name(), Some("Bob"));
    assert_eq!(id.chain.len(), 2);
}

#[test]
fn ber_encoded_files_import_like_their_der_originals() {
    // MAC-protected: only the outer structure is re-encoded (the MAC covers the contents
    // octets of the authSafe OCTET STRING, which chunking does not change).
    let (der, pki) = openssl_p12(&[]);
    let ber = to_ber(&der, false, &mut 0);
    assert_ne!(ber, der);
    assert_bob(&ber, pki);

    // Without MAC, everything outside the ciphertexts is re-encoded, including the
    // EncryptedData's [0] IMPLICIT OCTET STRING as a constructed string.
    let (der, pki) = openssl_p12(&["-nomac"]);
    let ber = to_ber(&der, true, &mut 0);
    assert!(
        ber.windows(2).any(|w| w == [0xa0, 0x80])
            || ber.windows(3).any(|w| w[0] == 0xa0 && w[2] == 0x04)
    );
    assert_bob(&ber, pki);

    // Without encryption either: SafeContents, SafeBags, attributes and the keyBag's
    // PrivateKeyInfo are BER too; the key still comes back as the original DER.
    let (der, pki) = openssl_p12(&["-nomac", "-keypbe", "NONE", "-certpbe", "NONE"]);
    let ber = to_ber(&der, true, &mut 0);
    assert!(ber.len() > der.len());
    assert_bob(&ber, pki);
}
