//! Workspace root of smime-rs: hosts the examples, integration tests and benchmarks.
#![forbid(unsafe_code)]
