//! `smime sign`, and loading a signer for `sign` and `batch`.

use smime::{Signer, SigningMode};

use crate::arguments::{SignArgs, SignerArgs};
use crate::failure::{Failure, describe};
use crate::files;
use crate::streaming::{self, Input};

/// Loads and checks the signer: certificate, key (they must belong together), chain, options.
pub(crate) fn load_signer(args: &SignerArgs) -> Result<Signer, Failure> {
    let certificate = files::certificate(&args.signer, "--signer")?;
    let key = files::private_key(&args.key, "--key", args.key_password.as_deref())?;
    let chain = files::all_certificates(&args.certs, "--certs")?;
    let mode = if args.opaque {
        SigningMode::Opaque
    } else {
        SigningMode::Detached
    };
    let mut builder = Signer::builder(certificate, key)
        .chain(chain)
        .mode(mode)
        .digest(args.digest.algorithm());
    if args.pss {
        builder = builder.pss(true);
    }
    builder.build().map_err(|error| match error {
        smime::Error::KeyMismatch { .. } => Failure::new(format!(
            "the key in {} (--key) does not belong to the certificate in {} (--signer); give the private key of that certificate",
            files::shown(&args.key),
            files::shown(&args.signer)
        )),
        other => Failure::new(format!(
            "cannot sign with the certificate in {} (--signer): {}",
            files::shown(&args.signer),
            describe(&other)
        )),
    })
}

/// `smime sign`.
pub(crate) fn run(args: &SignArgs) -> Result<(), Failure> {
    let signer = load_signer(&args.signer)?;
    let failed = |error: smime::Error| {
        Failure::new(format!(
            "cannot sign the message in {} (--in): {}",
            files::shown(&args.input),
            describe(&error)
        ))
    };
    let message = match Input::open(&args.input, "--in")? {
        Input::Whole(message) => message,
        Input::Stream(mut input) => {
            let result = streaming::write_out(
                &args.out,
                "--out",
                |out| signer.sign_stream(&mut input.reader, out),
                failed,
            );
            input.reader.finish();
            return result;
        }
    };
    let signed = signer.sign(&message).map_err(failed)?;
    files::write(&args.out, &signed, "--out")
}
