//! One streaming operation from a file to a file, for peak-RSS and throughput measurements
//! (`/usr/bin/time -v target/release/examples/stream encrypt IN OUT`).
//!
//! Keys are fixed and generated in-process: a KEK for encrypt/decrypt, a P-256 key with a
//! self-signed certificate (made by the `openssl` CLI on first use, in the temp directory) for
//! sign/verify. `raw IN` measures AES-256-GCM + SHA-256 over the file with the same code paths
//! but no CMS, for the throughput ratio; `raw-provider IN` the provider's own one-shot
//! AES-256-GCM, SHA-256 and incremental AES-256-CTR. `OUT` may be `/dev/null`, to leave the
//! kernel's cost of writing the output out of a measurement.

use std::fs::File;
use std::io::{BufReader, Read};
use std::process::Command;
use std::time::Instant;

use der::DecodePem;
use smime_cms::{Certificate, RecipientBuilder, SignerBuilder};
use smime_stream::content_encryption::{Gcm, GcmMode};
use smime_stream::{EnvelopeStream, SignedDataStream, StreamCredentials};

const KEK_ID: &[u8] = b"bench-kek";
const KEK: [u8; 32] = [0x24; 32];

fn signer() -> Result<(Certificate, SignerBuilder), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join("smime-stream-bench");
    std::fs::create_dir_all(&dir)?;
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    if !cert.exists() {
        let status = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-nodes",
                "-days",
                "30",
                "-subj",
                "/CN=bench",
            ])
            .args(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .status()?;
        if !status.success() {
            return Err("openssl req failed".into());
        }
    }
    let certificate = Certificate::from_pem(std::fs::read(&cert)?)?;
    let provider = smime_crypto::default_provider();
    let key = smime_crypto::load_private_key(provider, &std::fs::read(&key)?, None)?;
    Ok((certificate.clone(), SignerBuilder::new(certificate, key)))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (operation, input) = match (args.first(), args.get(1)) {
        (Some(op), Some(input)) => (op.as_str(), input.as_str()),
        _ => {
            return Err(
                "usage: stream sign|verify|encrypt|decrypt|decrypt-unverified|raw|raw-provider IN [OUT]".into(),
            );
        }
    };
    let output = || -> Result<File, Box<dyn std::error::Error>> {
        Ok(File::create(args.get(2).ok_or("missing OUT")?)?)
    };
    let provider = smime_crypto::default_provider();
    let started = Instant::now();
    let bytes = std::fs::metadata(input)?.len();
    match operation {
        "encrypt" => {
            EnvelopeStream::new()
                .add_recipient(RecipientBuilder::kek(KEK_ID.to_vec(), &KEK))
                .encrypt(File::open(input)?, output()?, provider)?;
        }
        "decrypt" => {
            smime_stream::decrypt(
                File::open(input)?,
                output()?,
                &StreamCredentials::new().kek(KEK_ID, &KEK),
                provider,
            )?;
        }
        "decrypt-unverified" => {
            // One pass, no spool: the output is unverified until this returns Ok.
            smime_stream::enveloped_data::decrypt_unverified(
                File::open(input)?,
                output()?,
                &StreamCredentials::new().kek(KEK_ID, &KEK),
                provider,
            )?;
        }
        "sign" => {
            let (_, signer) = signer()?;
            SignedDataStream::new().add_signer(signer).sign(
                File::open(input)?,
                output()?,
                provider,
            )?;
        }
        "verify" => {
            let report = smime_stream::verify(File::open(input)?, output()?, &[], provider)?;
            report.require_all_valid()?;
        }
        "raw" => {
            let mut hasher = provider.hasher(smime_crypto::DigestAlgorithm::Sha256)?;
            let mut gcm = Gcm::new(&KEK, &[0; 12], &[], GcmMode::Seal)?;
            let mut reader = BufReader::new(File::open(input)?);
            let mut buffer = vec![0u8; 64 << 10];
            let (mut gcm_time, mut sha_time) = (0f64, 0f64);
            loop {
                let n = reader.read(&mut buffer)?;
                let Some(piece) = buffer.get_mut(..n).filter(|p| !p.is_empty()) else {
                    break;
                };
                let t = Instant::now();
                hasher.update(piece);
                sha_time += t.elapsed().as_secs_f64();
                let t = Instant::now();
                gcm.update_in_place(piece)?;
                gcm_time += t.elapsed().as_secs_f64();
            }
            let _ = (hasher.finish(), gcm.finish(&mut Vec::new()));
            eprintln!(
                "smime-stream Gcm (64 KiB pieces): AES-256-GCM {:.1} MB/s; provider SHA-256 {:.1} MB/s",
                bytes as f64 / gcm_time / 1e6,
                bytes as f64 / sha_time / 1e6,
            );
        }
        "raw-provider" => {
            // The provider's own one-shot primitives over the same file in 1 MiB pieces: its
            // AES-256-GCM and its SHA-256, timed separately (the baseline the issue names).
            // Then, separately, the provider's incremental AES-256-CTR (what smime-stream's
            // AES-GCM draws its keystream from) over the same pieces.
            let mut buffer = vec![0u8; 1 << 20];
            let (mut gcm_time, mut sha_time, mut ctr_time) = (0f64, 0f64, 0f64);
            let mut hasher = provider.hasher(smime_crypto::DigestAlgorithm::Sha256)?;
            let mut counter_block = [0u8; 16];
            counter_block[15] = 2;
            let mut ctr =
                provider.aes_ctr(&KEK, &counter_block, smime_crypto::CounterIncrement::Low32)?;
            let mut copy = vec![0u8; 1 << 20];
            let mut reader = BufReader::new(File::open(input)?);
            loop {
                let n = reader.read(&mut buffer)?;
                let Some(piece) = buffer.get_mut(..n).filter(|p| !p.is_empty()) else {
                    break;
                };
                let t = Instant::now();
                hasher.update(piece);
                sha_time += t.elapsed().as_secs_f64();
                let copy = copy.get_mut(..n).ok_or("short copy buffer")?;
                copy.copy_from_slice(piece);
                let t = Instant::now();
                ctr.apply_keystream(copy)?;
                ctr_time += t.elapsed().as_secs_f64();
                let t = Instant::now();
                provider.aead_seal_in_place(
                    smime_crypto::AeadCipher::Aes256Gcm,
                    &KEK,
                    &[0; 12],
                    &[],
                    piece,
                    16,
                )?;
                gcm_time += t.elapsed().as_secs_f64();
            }
            let _ = hasher.finish();
            eprintln!(
                "provider {}: AES-256-GCM {:.1} MB/s, SHA-256 {:.1} MB/s, both in sequence {:.1} MB/s",
                provider.name(),
                bytes as f64 / gcm_time / 1e6,
                bytes as f64 / sha_time / 1e6,
                bytes as f64 / (gcm_time + sha_time) / 1e6
            );
            eprintln!(
                "provider {}: incremental AES-256-CTR {:.1} MB/s (1 MiB pieces)",
                provider.name(),
                bytes as f64 / ctr_time / 1e6,
            );
        }
        other => return Err(format!("unknown operation {other}").into()),
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "{operation}: {bytes} octets in {seconds:.2} s = {:.1} MB/s",
        bytes as f64 / seconds / 1e6
    );
    Ok(())
}
