//! The aws-lc-rs provider (feature `aws-lc`).
