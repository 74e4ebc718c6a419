//! Differential tests against the `openssl` CLI: what OpenSSL signs, encrypts or derives, every
//! provider verifies, decrypts or derives the same; and the other way round.
// Tests unwrap and index freely: a panic is a test failure with a clear location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod openssl_cli;

use openssl_cli::Workdir;
use smime_crypto::{
    CbcCipher, DigestAlgorithm, EcCurve, Error, KeyKind, PrivateKey, RsaEncryptionPadding,
    SignatureScheme,
};

const MESSAGE: &[u8] = b"Content-Type: text/plain\r\n\r\nInterop test message.\r\n";

/// Generates a key with OpenSSL; returns the directory (key.pem, pub.pem, msg) and the key
/// loaded into `provider`.
fn openssl_key(
    provider: &dyn smime_crypto::CryptoProvider,
    genpkey: &[&str],
) -> (Workdir, std::sync::Arc<dyn PrivateKey>) {
    let w = Workdir::new();
    let mut args = vec!["genpkey"];
    args.extend_from_slice(genpkey);
    args.extend_from_slice(&["-out", "key.pem"]);
    w.openssl(&args);
    w.openssl(&["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"]);
    w.write("msg", MESSAGE);
    let key = smime_crypto::load_private_key(provider, &w.read("key.pem"), None).unwrap();
    (w, key)
}

/// The `openssl dgst` options for a scheme.
fn dgst_options(scheme: SignatureScheme) -> Vec<String> {
    let mut options = vec![format!("-{}", scheme.digest().name())];
    if let SignatureScheme::RsaPss { salt_len, .. } = scheme {
        options.push("-sigopt".into());
        options.push("rsa_padding_mode:pss".into());
        options.push("-sigopt".into());
        options.push(format!("rsa_pss_saltlen:{salt_len}"));
    }
    options
}

fn signature_interop(genpkey: &[&str], kind: KeyKind) {
    for provider in smime_crypto::all_providers() {
        let (w, key) = openssl_key(provider, genpkey);
        assert_eq!(key.kind(), kind);
        let public = smime_crypto::load_public_key(&w.read("pub.pem")).unwrap();
        assert_eq!(&public, key.public_key());
        let mut schemes = Vec::new();
        for digest in [
            DigestAlgorithm::Sha1,
            DigestAlgorithm::Sha256,
            DigestAlgorithm::Sha384,
            DigestAlgorithm::Sha512,
        ] {
            match kind {
                KeyKind::Rsa { modulus_bits } => {
                    schemes.push(SignatureScheme::RsaPkcs1v15 { digest });
                    schemes.push(SignatureScheme::rsa_pss(digest));
                    // OpenSSL's CMS default: the largest salt.
                    schemes.push(SignatureScheme::RsaPss {
                        digest,
                        salt_len: modulus_bits / 8 - digest.output_len() - 2,
                    });
                }
                _ => schemes.push(SignatureScheme::Ecdsa { digest }),
            }
        }
        for scheme in schemes {
            let ctx = format!("{kind} {scheme:?} [{}]", provider.name());
            let options = dgst_options(scheme);
            let options: Vec<&str> = options.iter().map(String::as_str).collect();

            // OpenSSL signs, we verify.
            let mut args = vec!["dgst"];
            args.extend_from_slice(&options);
            args.extend_from_slice(&["-sign", "key.pem", "-out", "openssl.sig", "msg"]);
            w.openssl(&args);
            let signature = w.read("openssl.sig");
            provider
                .verify(scheme, &public, MESSAGE, &signature)
                .unwrap_or_else(|e| panic!("{ctx}: OpenSSL's signature: {e}"));
            assert_eq!(
                provider.verify(scheme, &public, b"another message", &signature),
                Err(Error::BadSignature),
                "{ctx}"
            );

            // We sign, OpenSSL verifies.
            let digest = provider.digest(scheme.digest(), MESSAGE).unwrap();
            let ours = key.sign_digest(scheme, &digest).unwrap();
            w.write("ours.sig", &ours);
            let mut args = vec!["dgst"];
            args.extend_from_slice(&options);
            args.extend_from_slice(&["-verify", "pub.pem", "-signature", "ours.sig", "msg"]);
            let (ok, stdout, stderr) = w.try_openssl(&args);
            assert!(
                ok,
                "{ctx}: OpenSSL rejects our signature: {}",
                String::from_utf8_lossy(&stderr)
            );
            assert_eq!(
                String::from_utf8_lossy(&stdout).trim(),
                "Verified OK",
                "{ctx}"
            );

            // And OpenSSL's check can fail: a flipped bit is refused.
            let mut bad = ours.clone();
            let last = bad.len() - 1;
            bad[last / 2] ^= 0x10;
            w.write("bad.sig", &bad);
            let mut args = vec!["dgst"];
            args.extend_from_slice(&options);
            args.extend_from_slice(&["-verify", "pub.pem", "-signature", "bad.sig", "msg"]);
            assert!(
                !w.try_openssl(&args).0,
                "{ctx}: OpenSSL accepted a corrupted signature"
            );
        }
    }
}

#[test]
fn rsa_2048_signatures() {
    signature_interop(
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        KeyKind::Rsa { modulus_bits: 2048 },
    );
}

#[test]
fn rsa_4096_signatures() {
    signature_interop(
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"],
        KeyKind::Rsa { modulus_bits: 4096 },
    );
}

#[test]
fn p256_signatures() {
    signature_interop(
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        KeyKind::Ec {
            curve: EcCurve::P256,
        },
    );
}

#[test]
fn p384_signatures() {
    signature_interop(
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
        KeyKind::Ec {
            curve: EcCurve::P384,
        },
    );
}

/// `openssl pkeyutl` options for a key-transport padding.
fn pkeyutl_options(padding: RsaEncryptionPadding) -> Vec<String> {
    match padding {
        RsaEncryptionPadding::Pkcs1v15 => vec!["-pkeyopt".into(), "rsa_padding_mode:pkcs1".into()],
        RsaEncryptionPadding::Oaep { digest, mgf_digest } => vec![
            "-pkeyopt".into(),
            "rsa_padding_mode:oaep".into(),
            "-pkeyopt".into(),
            format!("rsa_oaep_md:{}", digest.name()),
            "-pkeyopt".into(),
            format!("rsa_mgf1_md:{}", mgf_digest.name()),
        ],
        _ => unreachable!(),
    }
}

#[test]
fn rsa_key_transport() {
    let paddings = [
        RsaEncryptionPadding::Pkcs1v15,
        RsaEncryptionPadding::Oaep {
            digest: DigestAlgorithm::Sha1,
            mgf_digest: DigestAlgorithm::Sha1,
        },
        RsaEncryptionPadding::Oaep {
            digest: DigestAlgorithm::Sha256,
            mgf_digest: DigestAlgorithm::Sha256,
        },
        RsaEncryptionPadding::Oaep {
            digest: DigestAlgorithm::Sha512,
            mgf_digest: DigestAlgorithm::Sha1,
        },
    ];
    for provider in smime_crypto::all_providers() {
        let (w, key) = openssl_key(
            provider,
            &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        );
        let cek: Vec<u8> = (0u8..32).collect();
        w.write("cek", &cek);
        for padding in paddings {
            let ctx = format!("{padding:?} [{}]", provider.name());
            let options = pkeyutl_options(padding);
            let options: Vec<&str> = options.iter().map(String::as_str).collect();
            // OpenSSL encrypts, we decrypt.
            let mut args = vec![
                "pkeyutl", "-encrypt", "-pubin", "-inkey", "pub.pem", "-in", "cek", "-out", "ct",
            ];
            args.extend_from_slice(&options);
            w.openssl(&args);
            assert_eq!(
                *key.decrypt_key(padding, &w.read("ct"), 32)
                    .unwrap_or_else(|e| panic!("{ctx}: {e}")),
                cek,
                "{ctx}"
            );
            // We encrypt, OpenSSL decrypts.
            let ours = provider
                .rsa_encrypt(padding, key.public_key(), &cek)
                .unwrap();
            w.write("ours.ct", &ours);
            let mut args = vec![
                "pkeyutl", "-decrypt", "-inkey", "key.pem", "-in", "ours.ct", "-out", "cek.out",
            ];
            args.extend_from_slice(&options);
            w.openssl(&args);
            assert_eq!(w.read("cek.out"), cek, "{ctx}");
        }
    }
}

#[test]
fn ecdh_with_openssl() {
    for (curve, name) in [(EcCurve::P256, "P-256"), (EcCurve::P384, "P-384")] {
        for provider in smime_crypto::all_providers() {
            let ctx = format!("{name} [{}]", provider.name());
            let (w, key) = openssl_key(
                provider,
                &[
                    "-algorithm",
                    "EC",
                    "-pkeyopt",
                    &format!("ec_paramgen_curve:{name}"),
                ],
            );
            w.openssl(&[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                &format!("ec_paramgen_curve:{name}"),
                "-out",
                "peer.pem",
            ]);
            w.openssl(&["pkey", "-in", "peer.pem", "-pubout", "-out", "peer.pub.pem"]);
            w.openssl(&[
                "pkeyutl",
                "-derive",
                "-inkey",
                "key.pem",
                "-peerkey",
                "peer.pub.pem",
                "-out",
                "z",
            ]);
            let peer = smime_crypto::load_public_key(&w.read("peer.pub.pem")).unwrap();
            let z = key.agree(&peer).unwrap();
            assert_eq!(*z, w.read("z"), "{ctx}");
            assert_eq!(z.len(), curve.field_len());
            // Our ephemeral key, and OpenSSL derives the same secret from its side.
            let agreement = provider.ecdh_ephemeral(&peer).unwrap();
            w.write("eph.der", agreement.public_key.spki_der());
            w.openssl(&[
                "pkeyutl",
                "-derive",
                "-inkey",
                "peer.pem",
                "-peerkey",
                "eph.der",
                "-peerform",
                "DER",
                "-out",
                "z2",
            ]);
            assert_eq!(*agreement.shared_secret, w.read("z2"), "{ctx}");
        }
    }
}

#[test]
fn cbc_and_key_wrap_with_openssl_enc() {
    let w = Workdir::new();
    let plaintext: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
    w.write("pt", &plaintext);
    for provider in smime_crypto::all_providers() {
        for (cipher, name) in [
            (CbcCipher::Aes128, "aes-128-cbc"),
            (CbcCipher::Aes192, "aes-192-cbc"),
            (CbcCipher::Aes256, "aes-256-cbc"),
            (CbcCipher::DesEde3, "des-ede3-cbc"),
        ] {
            let ctx = format!("{name} [{}]", provider.name());
            let key: Vec<u8> = (0..cipher.key_len() as u8)
                .map(|b| b.wrapping_mul(37))
                .collect();
            let iv: Vec<u8> = (0..cipher.block_len() as u8).map(|b| b ^ 0x5c).collect();
            let (key_hex, iv_hex) = (hex::encode(&key), hex::encode(&iv));
            w.openssl(&[
                "enc",
                &format!("-{name}"),
                "-K",
                &key_hex,
                "-iv",
                &iv_hex,
                "-in",
                "pt",
                "-out",
                "ct",
            ]);
            let ct = w.read("ct");
            assert_eq!(
                provider.cbc_encrypt(cipher, &key, &iv, &plaintext).unwrap(),
                ct,
                "{ctx}"
            );
            assert_eq!(
                *provider.cbc_decrypt(cipher, &key, &iv, &ct).unwrap(),
                plaintext,
                "{ctx}"
            );
        }
        for kek_len in [16usize, 24, 32] {
            let kek: Vec<u8> = (0..kek_len as u8).collect();
            let cek: Vec<u8> = (100..132u8).collect();
            w.write("cek", &cek);
            let cipher = format!("-id-aes{}-wrap", kek_len * 8);
            w.openssl(&[
                "enc",
                &cipher,
                "-K",
                &hex::encode(&kek),
                "-iv",
                "A6A6A6A6A6A6A6A6",
                "-in",
                "cek",
                "-out",
                "wrapped",
            ]);
            let wrapped = w.read("wrapped");
            assert_eq!(provider.key_wrap(&kek, &cek).unwrap(), wrapped);
            assert_eq!(*provider.key_unwrap(&kek, &wrapped).unwrap(), cek);
        }
    }
}
