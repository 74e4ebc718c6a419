//! What the tool says when something fails: one sentence on stderr — what went wrong, with
//! which file, and what to do.

use core::fmt;

/// A failure of a command, with its message (without the `smime: ` prefix).
#[derive(Debug)]
pub(crate) struct Failure {
    message: String,
}

impl Failure {
    /// A failure with this message.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// Prints the failure on stderr, prefixed with `smime: `.
    pub(crate) fn print(&self) {
        use std::io::Write;
        // Nothing else can be done if stderr is gone.
        let _ = writeln!(std::io::stderr().lock(), "smime: {}", self.message);
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Describes an error of the facade in words for a command line, with the `hint` (what to
/// do) appended when the error does not already suggest something.
pub(crate) fn describe(error: &smime::Error) -> String {
    use smime::Error;
    match error {
        Error::Pkcs12(e) if e.is_wrong_password() => {
            "wrong password (the file's integrity check failed)".to_owned()
        }
        Error::Crypto(smime::crypto::Error::KeyDecryption) => {
            "wrong password, or a corrupt encrypted private key".to_owned()
        }
        Error::Crypto(smime::crypto::Error::PasswordRequired) => {
            "the private key is encrypted: give its password with --key-password".to_owned()
        }
        other => other.to_string(),
    }
}
