//! `AlgorithmIdentifier` mapping: exact bytes against what OpenSSL 3.0 writes, round trips,
//! and typed errors for malformed parameters.
// Tests unwrap and index freely: a panic is a test failure with a clear location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use der::{Decode, Encode};
use proptest::prelude::*;
use smime_crypto::identifier::GCM_DEFAULT_ICV_LEN;
use smime_crypto::{
    AeadCipher, CbcCipher, DigestAlgorithm, Error, GcmParameters, RsaEncryptionPadding,
    SignatureScheme,
};
use spki::{AlgorithmIdentifierOwned, AlgorithmIdentifierRef};

const DIGESTS: [DigestAlgorithm; 4] = [
    DigestAlgorithm::Sha1,
    DigestAlgorithm::Sha256,
    DigestAlgorithm::Sha384,
    DigestAlgorithm::Sha512,
];

fn der(id: &AlgorithmIdentifierOwned) -> String {
    hex::encode(id.to_der().unwrap())
}

fn parse(hex_der: &str) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned::from_der(&hex::decode(hex_der).unwrap()).unwrap()
}

fn scheme(hex_der: &str) -> Result<SignatureScheme, Error> {
    SignatureScheme::from_algorithm_identifier(&(&parse(hex_der)).into())
}

// What `openssl cms -sign -keyopt rsa_padding_mode:pss` (OpenSSL 3.0, RSA-2048) writes as
// SignerInfo.signatureAlgorithm: SHA-256, MGF1-SHA-256, salt length 222 (the maximum).
const OPENSSL_PSS_SHA256_SALT222: &str = "304206092a864886f70d01010a3035a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a204020200de";
// `openssl cms -encrypt -keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256`: OpenSSL
// writes the hash identifiers with absent parameters here.
const OPENSSL_OAEP_SHA256: &str = "303806092a864886f70d010107302ba00d300b0609608648016503040201a11a301806092a864886f70d010108300b0609608648016503040201";
// `openssl cms -encrypt -keyopt rsa_padding_mode:oaep`: all defaults (SHA-1).
const OPENSSL_OAEP_SHA1: &str = "300d06092a864886f70d0101073000";
// `-aes-128-cbc`, `-aes-256-gcm` and `-des3` content-encryption algorithms.
const OPENSSL_AES128_CBC: &str = "301d06096086480165030401020410f70aeb2f118fa1ca4fd48b90f4ed955d";
const OPENSSL_AES256_GCM: &str = "301e060960864801650304012e3011040cb437647a2f4b85a77af6fdda020110";
const OPENSSL_DES_EDE3_CBC: &str = "301406082a864886f70d03070408cf9ff405d3ca7a2d";

#[test]
fn digest_identifiers() {
    let expected = [
        "300706052b0e03021a",
        "300b0609608648016503040201",
        "300b0609608648016503040202",
        "300b0609608648016503040203",
    ];
    for (digest, hex_der) in DIGESTS.into_iter().zip(expected) {
        let id = digest.to_algorithm_identifier();
        assert_eq!(der(&id), hex_der, "{digest:?}");
        assert_eq!(
            DigestAlgorithm::from_algorithm_identifier(&(&id).into()).unwrap(),
            digest
        );
    }
    // NULL parameters are accepted too (RFC 5754 §2).
    let with_null = parse("300d06096086480165030402010500");
    assert_eq!(
        DigestAlgorithm::from_algorithm_identifier(&(&with_null).into()).unwrap(),
        DigestAlgorithm::Sha256
    );
    // Other parameters are not.
    let with_int = parse("300e0609608648016503040201020100");
    assert!(matches!(
        DigestAlgorithm::from_algorithm_identifier(&(&with_int).into()),
        Err(Error::MalformedAlgorithmIdentifier(_))
    ));
    // MD5 is not supported.
    let md5 = parse("300c06082a864886f70d02050500");
    assert!(matches!(
        DigestAlgorithm::from_algorithm_identifier(&(&md5).into()),
        Err(Error::UnsupportedAlgorithm(m)) if m.contains("1.2.840.113549.2.5")
    ));
}

#[test]
fn pkcs1v15_and_ecdsa_identifiers_are_exact() {
    let v15 = [
        "300d06092a864886f70d0101050500",
        "300d06092a864886f70d01010b0500",
        "300d06092a864886f70d01010c0500",
        "300d06092a864886f70d01010d0500",
    ];
    let ecdsa = [
        "300906072a8648ce3d0401",
        "300a06082a8648ce3d040302",
        "300a06082a8648ce3d040303",
        "300a06082a8648ce3d040304",
    ];
    for ((digest, v15_der), ecdsa_der) in DIGESTS.into_iter().zip(v15).zip(ecdsa) {
        let s = SignatureScheme::RsaPkcs1v15 { digest };
        assert_eq!(der(&s.to_algorithm_identifier().unwrap()), v15_der);
        assert_eq!(scheme(v15_der).unwrap(), s);
        // Absent parameters are accepted (RFC 4055 §5).
        let absent = format!("300b{}", &v15_der[4..26]);
        assert_eq!(scheme(&absent).unwrap(), s);
        // In CMS, OpenSSL writes rsaEncryption.
        assert_eq!(
            der(&s.to_cms_signature_algorithm().unwrap()),
            "300d06092a864886f70d0101010500"
        );
        let e = SignatureScheme::Ecdsa { digest };
        assert_eq!(der(&e.to_algorithm_identifier().unwrap()), ecdsa_der);
        assert_eq!(der(&e.to_cms_signature_algorithm().unwrap()), ecdsa_der);
        assert_eq!(scheme(ecdsa_der).unwrap(), e);
    }
    // ECDSA with NULL parameters breaks RFC 5758 §3.2.
    assert!(matches!(
        scheme("300c06082a8648ce3d0403020500"),
        Err(Error::MalformedAlgorithmIdentifier(_))
    ));
    // rsaEncryption alone names no digest.
    assert!(matches!(
        scheme("300d06092a864886f70d0101010500"),
        Err(Error::MalformedAlgorithmIdentifier(_))
    ));
    // md5WithRSAEncryption is unsupported.
    assert!(matches!(
        scheme("300d06092a864886f70d0101040500"),
        Err(Error::UnsupportedAlgorithm(_))
    ));
}

#[test]
fn pss_identifier_matches_openssl() {
    let s = SignatureScheme::RsaPss {
        digest: DigestAlgorithm::Sha256,
        salt_len: 222,
    };
    assert_eq!(scheme(OPENSSL_PSS_SHA256_SALT222).unwrap(), s);
    assert_eq!(
        der(&s.to_algorithm_identifier().unwrap()),
        OPENSSL_PSS_SHA256_SALT222
    );
    assert_eq!(
        der(&s.to_cms_signature_algorithm().unwrap()),
        OPENSSL_PSS_SHA256_SALT222
    );
}

#[test]
fn pss_round_trips_and_defaults() {
    for digest in DIGESTS {
        for salt_len in [0, 20, 32, 64, 478] {
            let s = SignatureScheme::RsaPss { digest, salt_len };
            let id = s.to_algorithm_identifier().unwrap();
            assert_eq!(
                SignatureScheme::from_algorithm_identifier(&(&id).into()).unwrap(),
                s
            );
        }
    }
    // SHA-1 with salt 20: every field is the default, so the parameters are an empty SEQUENCE.
    let sha1 = SignatureScheme::RsaPss {
        digest: DigestAlgorithm::Sha1,
        salt_len: 20,
    };
    assert_eq!(
        der(&sha1.to_algorithm_identifier().unwrap()),
        "300d06092a864886f70d01010a3000"
    );
    // Absent parameters mean all defaults.
    assert_eq!(scheme("300b06092a864886f70d01010a").unwrap(), sha1);
    // Explicitly encoded defaults (trailerField 1, saltLength 20, SHA-1 with NULL) are read.
    let explicit = "303e06092a864886f70d01010a3031a00b300906052b0e03021a0500a118301606092a864886f70d010108300906052b0e03021a0500a203020114a303020101";
    assert_eq!(scheme(explicit).unwrap(), sha1);
}

#[test]
fn pss_malformed_parameters_are_typed_errors() {
    let cases = [
        // Parameters are an INTEGER.
        ("300e06092a864886f70d01010a020100", "malformed"),
        // trailerField 2.
        ("301206092a864886f70d01010a3005a303020102", "malformed"),
        // Truncated SEQUENCE inside.
        ("301006092a864886f70d01010a3003a00130", "malformed"),
        // Negative salt length.
        ("301206092a864886f70d01010a3005a2030201ff", "malformed"),
        // MGF1 without its hash algorithm.
        (
            "302f06092a864886f70d01010a3022a00f300d06096086480165030402010500a10f300d06092a864886f70d0101080500",
            "malformed",
        ),
        // Unknown mask generation function.
        (
            "301e06092a864886f70d01010a3011a10f300d06096086480165030402010500",
            "unsupported",
        ),
        // Hash SHA-256 with the MGF1 default SHA-1: mixed hashes are unsupported.
        (
            "301e06092a864886f70d01010a3011a00f300d06096086480165030402010500",
            "unsupported",
        ),
        // Unknown field [4].
        ("301206092a864886f70d01010a3005a403020101", "malformed"),
    ];
    for (hex_der, kind) in cases {
        let result = scheme(hex_der);
        match kind {
            "malformed" => assert!(
                matches!(result, Err(Error::MalformedAlgorithmIdentifier(_))),
                "{hex_der}: {result:?}"
            ),
            _ => assert!(
                matches!(result, Err(Error::UnsupportedAlgorithm(_))),
                "{hex_der}: {result:?}"
            ),
        }
    }
}

#[test]
fn cms_resolver() {
    let sha384 = DigestAlgorithm::Sha384.to_algorithm_identifier();
    let cms =
        |sig: &str| SignatureScheme::from_cms_algorithms(&(&sha384).into(), &(&parse(sig)).into());
    // rsaEncryption (what OpenSSL writes), with NULL or absent parameters.
    assert_eq!(
        cms("300d06092a864886f70d0101010500").unwrap(),
        SignatureScheme::RsaPkcs1v15 {
            digest: DigestAlgorithm::Sha384
        }
    );
    assert_eq!(
        cms("300b06092a864886f70d010101").unwrap(),
        SignatureScheme::RsaPkcs1v15 {
            digest: DigestAlgorithm::Sha384
        }
    );
    // id-ecPublicKey, bare or with a curve.
    assert_eq!(
        cms("300906072a8648ce3d0201").unwrap(),
        SignatureScheme::Ecdsa {
            digest: DigestAlgorithm::Sha384
        }
    );
    assert_eq!(
        cms("301306072a8648ce3d020106082a8648ce3d030107").unwrap(),
        SignatureScheme::Ecdsa {
            digest: DigestAlgorithm::Sha384
        }
    );
    // Algorithms that name a digest must name the SignerInfo's.
    assert_eq!(
        cms("300a06082a8648ce3d040303").unwrap(),
        SignatureScheme::Ecdsa {
            digest: DigestAlgorithm::Sha384
        }
    );
    assert!(matches!(
        cms("300a06082a8648ce3d040302"),
        Err(Error::MalformedAlgorithmIdentifier(_))
    ));
    assert!(matches!(
        cms(OPENSSL_PSS_SHA256_SALT222),
        Err(Error::MalformedAlgorithmIdentifier(_))
    ));
    // rsaEncryption with a non-NULL parameter.
    assert!(matches!(
        cms("300e06092a864886f70d010101020100"),
        Err(Error::MalformedAlgorithmIdentifier(_))
    ));
    // An unsupported digest algorithm.
    let md5 = parse("300c06082a864886f70d02050500");
    assert!(matches!(
        SignatureScheme::from_cms_algorithms(
            &(&md5).into(),
            &(&parse("300d06092a864886f70d0101010500")).into()
        ),
        Err(Error::UnsupportedAlgorithm(_))
    ));
}

#[test]
fn oaep_identifiers() {
    let oaep =
        |hex_der: &str| RsaEncryptionPadding::from_algorithm_identifier(&(&parse(hex_der)).into());
    assert_eq!(
        oaep(OPENSSL_OAEP_SHA256).unwrap(),
        RsaEncryptionPadding::Oaep {
            digest: DigestAlgorithm::Sha256,
            mgf_digest: DigestAlgorithm::Sha256
        }
    );
    let sha1 = RsaEncryptionPadding::Oaep {
        digest: DigestAlgorithm::Sha1,
        mgf_digest: DigestAlgorithm::Sha1,
    };
    assert_eq!(oaep(OPENSSL_OAEP_SHA1).unwrap(), sha1);
    assert_eq!(
        der(&sha1.to_algorithm_identifier().unwrap()),
        OPENSSL_OAEP_SHA1
    );
    // We write the RFC 4055 form ({ id-sha256, NULL }); OpenSSL reads both.
    let sha256 = RsaEncryptionPadding::Oaep {
        digest: DigestAlgorithm::Sha256,
        mgf_digest: DigestAlgorithm::Sha256,
    };
    assert_eq!(
        der(&sha256.to_algorithm_identifier().unwrap()),
        "303c06092a864886f70d010107302fa00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500"
    );
    for digest in DIGESTS {
        for mgf_digest in DIGESTS {
            let p = RsaEncryptionPadding::Oaep { digest, mgf_digest };
            let id = p.to_algorithm_identifier().unwrap();
            assert_eq!(
                RsaEncryptionPadding::from_algorithm_identifier(&(&id).into()).unwrap(),
                p
            );
        }
    }
    let v15 = RsaEncryptionPadding::Pkcs1v15;
    assert_eq!(
        der(&v15.to_algorithm_identifier().unwrap()),
        "300d06092a864886f70d0101010500"
    );
    assert_eq!(oaep("300d06092a864886f70d0101010500").unwrap(), v15);
    // Absent parameters: defaults.
    assert_eq!(oaep("300b06092a864886f70d010107").unwrap(), sha1);
    // pSpecified with an empty label is the default; a label is unsupported.
    assert_eq!(
        oaep("301e06092a864886f70d0101073011a20f300d06092a864886f70d0101090400").unwrap(),
        sha1
    );
    assert!(matches!(
        oaep("302006092a864886f70d0101073013a211300f06092a864886f70d01010904026869"),
        Err(Error::UnsupportedAlgorithm(_))
    ));
    // Garbage parameters.
    assert!(matches!(
        oaep("300e06092a864886f70d010107020100"),
        Err(Error::MalformedAlgorithmIdentifier(_))
    ));
    // An unknown key transport algorithm.
    assert!(matches!(
        oaep("300906072a8648ce3d0201"),
        Err(Error::UnsupportedAlgorithm(_))
    ));
}

#[test]
fn cbc_identifiers() {
    let (cipher, iv) =
        CbcCipher::from_algorithm_identifier(&(&parse(OPENSSL_AES128_CBC)).into()).unwrap();
    assert_eq!(cipher, CbcCipher::Aes128);
    assert_eq!(hex::encode(&iv), "f70aeb2f118fa1ca4fd48b90f4ed955d");
    assert_eq!(
        der(&cipher.to_algorithm_identifier(&iv).unwrap()),
        OPENSSL_AES128_CBC
    );
    let (cipher, iv) =
        CbcCipher::from_algorithm_identifier(&(&parse(OPENSSL_DES_EDE3_CBC)).into()).unwrap();
    assert_eq!(cipher, CbcCipher::DesEde3);
    assert_eq!(
        der(&cipher.to_algorithm_identifier(&iv).unwrap()),
        OPENSSL_DES_EDE3_CBC
    );
    for cipher in [
        CbcCipher::Aes128,
        CbcCipher::Aes192,
        CbcCipher::Aes256,
        CbcCipher::DesEde3,
    ] {
        let iv = vec![0xa5; cipher.block_len()];
        let id = cipher.to_algorithm_identifier(&iv).unwrap();
        assert_eq!(
            CbcCipher::from_algorithm_identifier(&(&id).into()).unwrap(),
            (cipher, iv)
        );
        assert_eq!(
            cipher.to_algorithm_identifier(&[0; 3]),
            Err(Error::InvalidLength {
                what: "CBC IV",
                len: 3
            })
        );
    }
    // IV of the wrong length, missing IV, IV not an OCTET STRING.
    for bad in [
        "301c0609608648016503040102040ff70aeb2f118fa1ca4fd48b90f4ed95",
        "300b0609608648016503040102",
        "300e0609608648016503040102020100",
    ] {
        assert!(
            matches!(
                CbcCipher::from_algorithm_identifier(&(&parse(bad)).into()),
                Err(Error::MalformedAlgorithmIdentifier(_))
            ),
            "{bad}"
        );
    }
    // RC2 is not supported.
    assert!(matches!(
        CbcCipher::from_algorithm_identifier(&(&parse("300c06082a864886f70d03020500")).into()),
        Err(Error::UnsupportedAlgorithm(_))
    ));
}

#[test]
fn gcm_identifiers() {
    let (cipher, params) =
        AeadCipher::from_algorithm_identifier(&(&parse(OPENSSL_AES256_GCM)).into()).unwrap();
    assert_eq!(cipher, AeadCipher::Aes256Gcm);
    assert_eq!(
        params,
        GcmParameters {
            nonce: hex::decode("b437647a2f4b85a77af6fdda").unwrap(),
            icv_len: 16
        }
    );
    assert_eq!(
        der(&cipher.to_algorithm_identifier(&params).unwrap()),
        OPENSSL_AES256_GCM
    );
    // ICVlen omitted: 12.
    let params12 = GcmParameters {
        nonce: vec![1; 12],
        icv_len: GCM_DEFAULT_ICV_LEN,
    };
    let id = AeadCipher::Aes128Gcm
        .to_algorithm_identifier(&params12)
        .unwrap();
    assert_eq!(
        der(&id),
        "301b0609608648016503040106300e040c010101010101010101010101"
    );
    assert_eq!(
        AeadCipher::from_algorithm_identifier(&(&id).into()).unwrap(),
        (AeadCipher::Aes128Gcm, params12)
    );
    // ICVlen 8 is outside RFC 5084's 12..16; missing parameters; empty nonce.
    for bad in [
        "301e060960864801650304012e3011040cb437647a2f4b85a77af6fdda020108",
        "300b060960864801650304012e",
        "3012060960864801650304012e30050400020110",
    ] {
        assert!(
            matches!(
                AeadCipher::from_algorithm_identifier(&(&parse(bad)).into()),
                Err(Error::MalformedAlgorithmIdentifier(_))
            ),
            "{bad}"
        );
    }
    assert!(
        AeadCipher::Aes128Gcm
            .to_algorithm_identifier(&GcmParameters {
                nonce: vec![0; 12],
                icv_len: 17
            })
            .is_err()
    );
}

proptest! {
    /// Arbitrary parameter bytes under every supported OID never panic: they parse or give
    /// a typed error.
    #[test]
    fn arbitrary_parameters_never_panic(oid_index in 0usize..12, params in proptest::collection::vec(any::<u8>(), 0..64)) {
        let oids = [
            "1.2.840.113549.1.1.10", "1.2.840.113549.1.1.7", "1.2.840.113549.1.1.11",
            "1.2.840.10045.4.3.2", "2.16.840.1.101.3.4.1.2", "2.16.840.1.101.3.4.1.46",
            "1.2.840.113549.3.7", "2.16.840.1.101.3.4.2.1", "1.2.840.113549.1.1.1",
            "1.2.840.10045.2.1", "2.16.840.1.101.3.4.1.6", "1.2.840.113549.1.1.5",
        ];
        let oid = const_oid::ObjectIdentifier::new(oids[oid_index]).unwrap();
        let Ok(any) = der::AnyRef::from_der(&params) else { return Ok(()); };
        let id = AlgorithmIdentifierRef { oid, parameters: Some(any) };
        let _ = SignatureScheme::from_algorithm_identifier(&id);
        let _ = SignatureScheme::from_cms_algorithms(&id, &id);
        let _ = RsaEncryptionPadding::from_algorithm_identifier(&id);
        let _ = CbcCipher::from_algorithm_identifier(&id);
        let _ = AeadCipher::from_algorithm_identifier(&id);
        let _ = DigestAlgorithm::from_algorithm_identifier(&id);
    }
}
