//! NIST PKITS (2011 RSA-2048 edition) from `../shared/corpus/nist-pkits`: all 248 cases of
//! `pkits_expected.json`, each with its initial settings and revocation checking from the CRLs
//! its message carried (a status that cannot be determined fails the path, as PKITS expects).
//!
//! A case may differ from its expected verdict only through `tests/pkits_exceptions.json`, where
//! every entry gives the reason and the exact error kind we return instead. Any other difference
//! fails the test, and so does an exception that no longer happens (an unexpected pass).
// Test code: panicking on unexpected input is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, UNIX_EPOCH};

use const_oid::ObjectIdentifier;
use serde::Deserialize;
use smime_path::{Error, PolicySettings, Purpose, Target, TrustAnchors, Validator, VerifiedPath};

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpus/nist-pkits/"
);
const EXCEPTIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pkits_exceptions.json");

/// The table's recommended validation time: 2020-01-01T00:00:00Z.
const VALIDATION_TIME: u64 = 1_577_836_800;

#[derive(Deserialize)]
struct Table {
    trust_anchor: String,
    recommended_validation_time: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    id: String,
    title: String,
    end_entity: String,
    intermediates_in_message: Vec<String>,
    crls_in_message: Vec<String>,
    settings: Settings,
    expected: String,
    revocation_dependent: bool,
}

#[derive(Deserialize)]
struct Settings {
    initial_policy_set: Vec<String>,
    initial_explicit_policy: bool,
    initial_policy_mapping_inhibit: bool,
    initial_inhibit_any_policy: bool,
}

#[derive(Deserialize)]
struct Exceptions {
    exceptions: Vec<Exception>,
}

#[derive(Deserialize)]
struct Exception {
    id: String,
    reason: String,
    /// What we return instead: `"valid"`, or the `Error` variant's name.
    outcome: String,
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(format!("{CORPUS}{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The variant name of an error, as written in the exceptions file.
fn kind(error: &Error) -> String {
    let debug = format!("{error:?}");
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Errors that are not a verdict on the path: an invalid case rejected with one of these is
/// rejected for the wrong reason.
fn is_infrastructure(error: &Error) -> bool {
    matches!(
        error,
        Error::UnsupportedAlgorithm { .. }
            | Error::BudgetExceeded { .. }
            | Error::Malformed { .. }
            | Error::Configuration(_)
            | Error::Io { .. }
    )
}

fn run_case(anchor: &TrustAnchors, case: &Case) -> Result<VerifiedPath, Error> {
    let policy = PolicySettings {
        initial_policy_set: case
            .settings
            .initial_policy_set
            .iter()
            .map(|s| ObjectIdentifier::new(s).unwrap())
            .collect(),
        require_explicit_policy: case.settings.initial_explicit_policy,
        inhibit_policy_mapping: case.settings.initial_policy_mapping_inhibit,
        inhibit_any_policy: case.settings.initial_inhibit_any_policy,
    };
    let validator = Validator::builder(anchor.clone())
        .time(UNIX_EPOCH + Duration::from_secs(VALIDATION_TIME))
        .policy(policy)
        .purpose(Purpose::Sign)
        .require_revocation_status(true)
        .build()
        .unwrap();
    let leaf = read(&case.end_entity);
    let certificates: Vec<Vec<u8>> = case
        .intermediates_in_message
        .iter()
        .map(|p| read(p))
        .collect();
    let crls: Vec<Vec<u8>> = case.crls_in_message.iter().map(|p| read(p)).collect();
    let target = Target::new(&leaf)
        .with_certificates(certificates.iter().map(Vec::as_slice))
        .with_crls(crls.iter().map(Vec::as_slice));
    validator.validate(&target)
}

#[test]
fn pkits_all_cases() {
    let table: Table =
        serde_json::from_slice(&std::fs::read(format!("{CORPUS}pkits_expected.json")).unwrap())
            .unwrap();
    assert!(
        table
            .recommended_validation_time
            .starts_with("2020-01-01T00:00:00Z")
    );
    assert_eq!(table.cases.len(), 248);
    let exceptions: Exceptions =
        serde_json::from_slice(&std::fs::read(EXCEPTIONS).unwrap()).unwrap();
    let exceptions: BTreeMap<String, Exception> = exceptions
        .exceptions
        .into_iter()
        .map(|e| (e.id.clone(), e))
        .collect();
    for e in exceptions.values() {
        assert!(
            !e.reason.trim().is_empty(),
            "exception {} has no reason",
            e.id
        );
    }

    let mut anchor = TrustAnchors::new();
    anchor.add_der(&read(&table.trust_anchor)).unwrap();

    let mut failures = Vec::new();
    let mut seen = BTreeSet::new();
    let (mut valid, mut invalid, mut excepted) = (0, 0, 0);
    for case in &table.cases {
        assert!(seen.insert(case.id.clone()), "duplicate case {}", case.id);
        let outcome = run_case(&anchor, case);
        // Revocation must really have been processed: every certificate of a valid path has a
        // known status, and an invalid revocation case fails on revocation.
        if !exceptions.contains_key(&case.id) {
            match &outcome {
                Ok(path) if !path.revocation_checked() => failures.push(format!(
                    "{} {}: valid, but revocation statuses {:?}",
                    case.id,
                    case.title,
                    path.revocation_statuses()
                )),
                Err(e)
                    if case.revocation_dependent
                        && case.expected == "invalid"
                        && !matches!(
                            e,
                            Error::Revoked { .. } | Error::RevocationUnknown { .. }
                        ) =>
                {
                    failures.push(format!(
                        "{} {}: revocation case rejected for another reason: {e}",
                        case.id, case.title
                    ))
                }
                _ => {}
            }
        }
        let outcome = outcome.map(|_| ());
        if std::env::var_os("PKITS_VERBOSE").is_some() {
            match &outcome {
                Ok(_) => println!("{} valid", case.id),
                Err(e) => println!("{} {}: {e}", case.id, kind(e)),
            }
        }
        let describe = |o: &Result<(), Error>| match o {
            Ok(()) => "valid".to_string(),
            Err(e) => format!("{} ({e})", kind(e)),
        };
        match (exceptions.get(&case.id), &outcome) {
            (Some(exception), Err(e)) if kind(e) == exception.outcome => excepted += 1,
            (Some(exception), Ok(())) if exception.outcome == "valid" => excepted += 1,
            (Some(exception), _) => failures.push(format!(
                "{} {}: exception expects {} but got {}",
                case.id,
                case.title,
                exception.outcome,
                describe(&outcome)
            )),
            (None, Ok(())) if case.expected == "valid" => valid += 1,
            (None, Err(e)) if case.expected == "invalid" && !is_infrastructure(e) => invalid += 1,
            (None, _) => failures.push(format!(
                "{} {}: expected {} but got {}",
                case.id,
                case.title,
                case.expected,
                describe(&outcome)
            )),
        }
    }
    for id in exceptions.keys() {
        assert!(seen.contains(id), "exception for unknown case {id}");
    }
    println!("PKITS: {valid} valid and {invalid} invalid as expected, {excepted} exceptions");
    assert!(
        failures.is_empty(),
        "{} PKITS mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(valid + invalid + excepted, 248);
}
