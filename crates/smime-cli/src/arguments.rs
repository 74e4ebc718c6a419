//! The command line: subcommands and flags (issue 7's contract: names are kept, never
//! renamed; new flags are only added).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use smime::ContentCipher;
use smime::crypto::DigestAlgorithm;

const ABOUT: &str =
    "Sign, encrypt, verify, decrypt and open S/MIME mail (RFC 8551), without openssl's traps.";

const EXAMPLES: &str = "\
Examples:
  smime demo                                          # the whole flow on a temporary PKI
  smime sign --signer me.pem --key me.key --in letter.eml --out signed.eml
  smime encrypt --to bob.pem --in letter.eml --out sealed.eml
  smime open --key bob.key --cert bob.pem --trust root.pem --in sealed.eml
  smime verify --trust root.pem --in signed.eml --out content.eml
  smime p12 --in me.p12 --password secret > me.pem

A file name of - means stdin (for --in) or stdout (for --out).
Big inputs (over 8 MiB) of sign, encrypt, verify and decrypt are streamed in constant memory,
with a progress bar on a terminal; verify and decrypt write --out only once the whole input
checked out.
Exit status: 0 on success, 1 on any failure (the reason is printed on stderr), 2 on a usage error.";

/// The `smime` command.
#[derive(Debug, Parser)]
#[command(name = "smime", version, about = ABOUT, after_help = EXAMPLES)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Sign a message (a MIME entity; plain text is sent as text/plain; charset=utf-8).
    #[command(after_help = "\
Examples:
  smime sign --signer alice.pem --key alice.key --in letter.eml --out signed.eml
  smime sign --signer alice.pem --key alice.key --certs ca.pem --opaque --digest sha384 \\
             --in letter.txt --out signed.eml
  cat letter.eml | smime sign --signer alice.pem --key alice.key --in - --out - | sendmail -t")]
    Sign(SignArgs),
    /// Encrypt a message to one or more recipients' certificates.
    #[command(after_help = "\
Examples:
  smime encrypt --to bob.pem --in letter.eml --out sealed.eml
  smime encrypt --to bob.pem --to carol.pem --cipher aes-256-cbc --in letter.eml --out sealed.eml
  smime sign --signer alice.pem --key alice.key --in letter.eml --out - \\
    | smime encrypt --to bob.pem --in - --out sealed.eml       # sign, then encrypt")]
    Encrypt(EncryptArgs),
    /// Verify a signed message and write the signed content; fail unless every signature is
    /// valid and every signer leads to a --trust anchor.
    #[command(after_help = "\
The From address is checked against the signer's certificate and reported on stderr; with
--require-from a mismatch fails the verification. Nothing is written to --out when the
verification fails.

Examples:
  smime verify --trust root.pem --in signed.eml --out content.eml
  smime verify --trust roots/ --crl ca.crl --time 2024-01-31T12:00:00Z --in old.eml --out -
  smime verify --der --trust root.pem --in signature.p7m --out content.bin
  smime verify --der --content data.bin --trust root.pem --in signature.p7s --out -")]
    Verify(VerifyArgs),
    /// Decrypt an encrypted message and write the decrypted entity as is (it may be a signed
    /// message: verify it next).
    #[command(after_help = "\
Examples:
  smime decrypt --key bob.key --cert bob.pem --in sealed.eml --out signed.eml
  smime decrypt --der --key bob.key --cert bob.pem --in sealed.p7m --out -")]
    Decrypt(DecryptArgs),
    /// Decrypt and verify whatever a message holds and print a report: encryption, signers,
    /// trust, validation level, From match, what is covered.
    #[command(after_help = "\
Exit status: 0 when the message was opened and nothing is wrong with it (an unsigned message
or one opened without --trust is not wrong, and says so); 1 when a signature is invalid or
untrusted, a part could not be decrypted or read, or the message cannot be read at all.

Examples:
  smime open --in signed.eml
  smime open --key bob.key --cert bob.pem --trust root.pem --in sealed.eml --out content.eml")]
    Open(OpenArgs),
    /// Print the certificates of a certs-only or signed message as PEM (DER, PEM or MIME
    /// input, detected).
    #[command(after_help = "\
Examples:
  smime certs --in smime.p7c
  smime certs --in signed.eml --out senders.pem")]
    Certs(CertsArgs),
    /// Import a PKCS #12 file (PEM certificates and PKCS #8 keys on stdout), or export one with
    /// --export.
    #[command(after_help = "\
Examples:
  smime p12 --in alice.p12 --password secret > alice.pem
  smime p12 --export --cert alice.pem --key alice.key --certs ca.pem --password secret --out alice.p12
  smime p12 --export --compat --cert alice.pem --key alice.key --password secret --out mac.p12
            (--compat: 3DES and a SHA-1 MAC, for macOS Keychain and older Windows)")]
    P12(P12Args),
    /// Sign and encrypt a directory of statements, each to its own recipient: IN/NAME.eml is
    /// signed, encrypted to RECIPIENTS/NAME.pem and written to OUT/NAME.eml.
    #[command(after_help = "\
A progress bar is shown on a terminal; a summary with messages per second is printed at the
end. A failed item (say, a missing recipient certificate) is reported and skipped; the exit
status is 1 if any item failed.

Example:
  smime batch --signer bank.pem --key bank.key --certs ca.pem \\
              --recipients customers/ --in statements/ --out outbox/")]
    Batch(BatchArgs),
    /// Run the whole flow on a temporary PKI and print what happened: the place to start.
    #[command(after_help = "\
Example:
  smime demo
  smime demo --keep demo-files     # keep the certificates, keys and messages to try the other commands")]
    Demo(DemoArgs),
}

/// Digest algorithms for new signatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Digest {
    /// SHA-256 (the default).
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Digest {
    pub(crate) fn algorithm(self) -> DigestAlgorithm {
        match self {
            Self::Sha256 => DigestAlgorithm::Sha256,
            Self::Sha384 => DigestAlgorithm::Sha384,
            Self::Sha512 => DigestAlgorithm::Sha512,
        }
    }
}

/// Content ciphers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Cipher {
    /// AES-256-GCM, authenticated (the default).
    #[value(name = "aes-256-gcm")]
    Aes256Gcm,
    /// AES-128-GCM, authenticated.
    #[value(name = "aes-128-gcm")]
    Aes128Gcm,
    /// AES-256-CBC, not authenticated: for old clients only.
    #[value(name = "aes-256-cbc")]
    Aes256Cbc,
    /// AES-128-CBC, not authenticated: for old clients only.
    #[value(name = "aes-128-cbc")]
    Aes128Cbc,
}

impl Cipher {
    pub(crate) fn content_cipher(self) -> ContentCipher {
        match self {
            Self::Aes256Gcm => ContentCipher::Aes256Gcm,
            Self::Aes128Gcm => ContentCipher::Aes128Gcm,
            Self::Aes256Cbc => ContentCipher::Aes256Cbc,
            Self::Aes128Cbc => ContentCipher::Aes128Cbc,
        }
    }
}

/// The signer's certificate, key and chain, shared by `sign` and `batch`.
#[derive(Debug, Args)]
pub(crate) struct SignerArgs {
    /// The signer's certificate (PEM or DER).
    #[arg(long, value_name = "CERT")]
    pub(crate) signer: PathBuf,
    /// The signer's private key (PEM or DER: PKCS #8, encrypted PKCS #8, PKCS #1, SEC1).
    #[arg(long, value_name = "KEY")]
    pub(crate) key: PathBuf,
    /// The password of an encrypted private key.
    #[arg(long, value_name = "PASSWORD")]
    pub(crate) key_password: Option<String>,
    /// Certificates to include in the message (the signer's chain); may be repeated.
    #[arg(long, value_name = "FILE")]
    pub(crate) certs: Vec<PathBuf>,
    /// Detached signature: multipart/signed (the default).
    #[arg(long, conflicts_with = "opaque")]
    pub(crate) detached: bool,
    /// Opaque signature: application/pkcs7-mime; smime-type=signed-data.
    #[arg(long)]
    pub(crate) opaque: bool,
    /// The digest algorithm.
    #[arg(long, value_enum, default_value = "sha256")]
    pub(crate) digest: Digest,
    /// Sign with RSASSA-PSS instead of PKCS #1 v1.5 (RSA keys).
    #[arg(long)]
    pub(crate) pss: bool,
}

/// `smime sign`.
#[derive(Debug, Args)]
pub(crate) struct SignArgs {
    #[command(flatten)]
    pub(crate) signer: SignerArgs,
    /// The message to sign (a MIME entity or plain text; - for stdin).
    #[arg(long = "in", value_name = "FILE")]
    pub(crate) input: PathBuf,
    /// Where to write the signed message (- for stdout).
    #[arg(long, value_name = "FILE")]
    pub(crate) out: PathBuf,
}

/// `smime encrypt`.
#[derive(Debug, Args)]
pub(crate) struct EncryptArgs {
    /// A recipient's certificate (PEM or DER); repeat for several recipients.
    #[arg(long, value_name = "CERT", required = true)]
    pub(crate) to: Vec<PathBuf>,
    /// The content cipher [default: aes-256-gcm, or the strongest cipher that every
    /// recipient's certificate announces in its SMIMECapabilities].
    #[arg(long, value_enum)]
    pub(crate) cipher: Option<Cipher>,
    /// Use RSAES-OAEP (SHA-256) for RSA recipients instead of PKCS #1 v1.5.
    #[arg(long)]
    pub(crate) oaep: bool,
    /// The message to encrypt (a MIME entity or plain text; - for stdin).
    #[arg(long = "in", value_name = "FILE")]
    pub(crate) input: PathBuf,
    /// Where to write the encrypted message (- for stdout).
    #[arg(long, value_name = "FILE")]
    pub(crate) out: PathBuf,
}

/// Trust settings shared by `verify` and `open`.
#[derive(Debug, Args)]
pub(crate) struct TrustArgs {
    /// Extra certificates: intermediates, or signers' certificates a message leaves out; may be
    /// repeated.
    #[arg(long, value_name = "FILE")]
    pub(crate) certs: Vec<PathBuf>,
    /// A CRL (PEM or DER) to check revocation with, besides those in the message; may be
    /// repeated.
    #[arg(long, value_name = "FILE")]
    pub(crate) crl: Vec<PathBuf>,
    /// Validate certificates at this time (RFC 3339, e.g. 2024-01-31T12:00:00Z) instead of now.
    #[arg(long, value_name = "RFC3339")]
    pub(crate) time: Option<String>,
    /// Fail unless the From address is one of the signer's certificate's addresses.
    #[arg(long)]
    pub(crate) require_from: bool,
    /// Accept SHA-1 signatures on certificates and CRLs (archived mail from before 2017).
    #[arg(long)]
    pub(crate) allow_sha1: bool,
}

/// `smime verify`.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The input is raw CMS (DER, BER or PEM), not MIME (detected without the flag too).
    #[arg(long)]
    pub(crate) der: bool,
    /// The content of a detached CMS signature given with --der.
    #[arg(long, value_name = "FILE", requires = "der")]
    pub(crate) content: Option<PathBuf>,
    /// A trust anchor: a PEM/DER certificate file, or a directory of them; may be repeated.
    #[arg(long, value_name = "FILE", required = true)]
    pub(crate) trust: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) settings: TrustArgs,
    /// The signed message (- for stdin).
    #[arg(long = "in", value_name = "FILE")]
    pub(crate) input: PathBuf,
    /// Where to write the signed content (- for stdout).
    #[arg(long, value_name = "FILE")]
    pub(crate) out: PathBuf,
}

/// `smime decrypt`.
#[derive(Debug, Args)]
pub(crate) struct DecryptArgs {
    /// The input is raw CMS (DER, BER or PEM), not MIME (detected without the flag too).
    #[arg(long)]
    pub(crate) der: bool,
    /// The recipient's private key (PEM or DER).
    #[arg(long, value_name = "KEY")]
    pub(crate) key: PathBuf,
    /// The password of an encrypted private key.
    #[arg(long, value_name = "PASSWORD")]
    pub(crate) key_password: Option<String>,
    /// The recipient's certificate (PEM or DER).
    #[arg(long, value_name = "CERT")]
    pub(crate) cert: PathBuf,
    /// Put the outer message's From, To, Subject, Date… header fields in front of the
    /// decrypted entity (so that a following `verify --require-from` can check From).
    #[arg(long)]
    pub(crate) keep_headers: bool,
    /// The encrypted message (- for stdin).
    #[arg(long = "in", value_name = "FILE")]
    pub(crate) input: PathBuf,
    /// Where to write the decrypted entity (- for stdout).
    #[arg(long, value_name = "FILE")]
    pub(crate) out: PathBuf,
}

/// `smime open`.
#[derive(Debug, Args)]
pub(crate) struct OpenArgs {
    /// The input is raw CMS (DER, BER or PEM), not MIME (detected without the flag too).
    #[arg(long)]
    pub(crate) der: bool,
    /// A private key to decrypt with; repeat together with --cert for several keys.
    #[arg(long, value_name = "KEY")]
    pub(crate) key: Vec<PathBuf>,
    /// The certificate of the --key given in the same position.
    #[arg(long, value_name = "CERT")]
    pub(crate) cert: Vec<PathBuf>,
    /// The password of encrypted private keys.
    #[arg(long, value_name = "PASSWORD")]
    pub(crate) key_password: Option<String>,
    /// A trust anchor file or directory; may be repeated. Without one, signatures are checked
    /// but signers are not judged.
    #[arg(long, value_name = "FILE")]
    pub(crate) trust: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) settings: TrustArgs,
    /// The message (- for stdin).
    #[arg(long = "in", value_name = "FILE")]
    pub(crate) input: PathBuf,
    /// Also write the content (the message without its S/MIME layers) here (- for stdout; the
    /// report then goes to stderr).
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
}

/// `smime certs`.
#[derive(Debug, Args)]
pub(crate) struct CertsArgs {
    /// A certs-only or signed message: DER, PEM or MIME (- for stdin).
    #[arg(long = "in", value_name = "FILE")]
    pub(crate) input: PathBuf,
    /// Where to write the PEM certificates (default stdout).
    #[arg(long, value_name = "FILE", default_value = "-")]
    pub(crate) out: PathBuf,
}

/// `smime p12`.
#[derive(Debug, Args)]
pub(crate) struct P12Args {
    /// Export a PKCS #12 file instead of importing one.
    #[arg(long, requires_all = ["cert", "key", "out"], conflicts_with = "input")]
    pub(crate) export: bool,
    /// With --export: 3DES and a SHA-1 MAC (macOS Keychain, older Windows) instead of AES-256
    /// and SHA-256.
    #[arg(long, requires = "export")]
    pub(crate) compat: bool,
    /// The PKCS #12 file to import (- for stdin).
    #[arg(long = "in", value_name = "FILE", required_unless_present = "export")]
    pub(crate) input: Option<PathBuf>,
    /// With --export: the certificate (PEM or DER).
    #[arg(long, value_name = "CERT", requires = "export")]
    pub(crate) cert: Option<PathBuf>,
    /// With --export: the private key (PEM or DER).
    #[arg(long, value_name = "KEY", requires = "export")]
    pub(crate) key: Option<PathBuf>,
    /// With --export: the password of an encrypted private key.
    #[arg(long, value_name = "PASSWORD", requires = "export")]
    pub(crate) key_password: Option<String>,
    /// With --export: CA certificates to include (the chain); may be repeated.
    #[arg(long, value_name = "FILE", requires = "export")]
    pub(crate) certs: Vec<PathBuf>,
    /// With --export: the friendlyName (default: the certificate's first e-mail address or
    /// subject).
    #[arg(long, value_name = "NAME", requires = "export")]
    pub(crate) name: Option<String>,
    /// The password of the PKCS #12 file ("" for an empty password).
    #[arg(long, value_name = "P", required_unless_present = "password_file")]
    pub(crate) password: Option<String>,
    /// Read the password from the first line of this file instead (keeps it out of the
    /// process list).
    #[arg(long, value_name = "FILE", conflicts_with = "password")]
    pub(crate) password_file: Option<PathBuf>,
    /// Where to write: the PKCS #12 file with --export; the PEM output otherwise (default
    /// stdout).
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
}

/// `smime batch`.
#[derive(Debug, Args)]
pub(crate) struct BatchArgs {
    #[command(flatten)]
    pub(crate) signer: SignerArgs,
    /// The directory of recipient certificates: NAME.pem for IN/NAME.eml.
    #[arg(long, value_name = "DIR")]
    pub(crate) recipients: PathBuf,
    /// The directory of messages: every NAME.eml in it.
    #[arg(long = "in", value_name = "DIR")]
    pub(crate) input: PathBuf,
    /// The directory to write OUT/NAME.eml to (created if missing).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// The content cipher [default: aes-256-gcm, or the strongest cipher that every
    /// recipient's certificate announces in its SMIMECapabilities].
    #[arg(long, value_enum)]
    pub(crate) cipher: Option<Cipher>,
    /// Use RSAES-OAEP (SHA-256) for RSA recipients.
    #[arg(long)]
    pub(crate) oaep: bool,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub(crate) jobs: Option<usize>,
}

/// `smime demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Keep the demo's certificates, keys and messages in this directory (created if missing)
    /// to try the other commands on.
    #[arg(long, value_name = "DIR")]
    pub(crate) keep: Option<PathBuf>,
}
