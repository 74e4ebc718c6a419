//! The `smime` command-line tool: sign, encrypt, verify, decrypt and open S/MIME mail, list
//! certificates, import and export PKCS #12 files, seal batches of statements, and a demo.
//!
//! Every command exits with 0 only on success; errors go to stderr as one sentence that says
//! what went wrong, with which file, and what to do. `-` as a file name means stdin or stdout.
#![forbid(unsafe_code)]

mod arguments;
mod batch;
mod certs;
mod crypt;
mod demo;
mod failure;
mod files;
mod p12;
mod progress;
mod read;
mod sign;
mod streaming;
mod time;

use std::process::ExitCode;

use clap::Parser;

use crate::arguments::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sign(args) => sign::run(&args),
        Command::Encrypt(args) => crypt::encrypt(&args),
        Command::Verify(args) => read::verify(&args),
        Command::Decrypt(args) => crypt::decrypt(&args),
        Command::Open(args) => read::open(&args),
        Command::Certs(args) => certs::run(&args),
        Command::P12(args) => p12::run(&args),
        Command::Batch(args) => batch::run(&args),
        Command::Demo(args) => demo::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            failure.print();
            ExitCode::FAILURE
        }
    }
}
