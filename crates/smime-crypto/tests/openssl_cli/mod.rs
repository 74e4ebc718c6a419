//! Running the `openssl` command-line tool (OpenSSL 3) in a temporary directory: the real
//! peer for interop tests.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A temporary working directory for `openssl` invocations.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    pub fn write(&self, name: &str, data: &[u8]) {
        std::fs::write(self.path(name), data).unwrap();
    }

    /// Runs `openssl ARGS` in the directory; panics with its stderr unless it succeeds.
    pub fn openssl(&self, args: &[&str]) -> Vec<u8> {
        let (ok, stdout, stderr) = self.try_openssl(args);
        assert!(
            ok,
            "openssl {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&stderr)
        );
        stdout
    }

    /// Runs `openssl ARGS`; returns (success, stdout, stderr).
    pub fn try_openssl(&self, args: &[&str]) -> (bool, Vec<u8>, Vec<u8>) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("the openssl CLI is installed");
        (out.status.success(), out.stdout, out.stderr)
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}
