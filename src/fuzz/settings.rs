//! What the command line asked `fuzz` for, as plain data (the flags themselves live in `cli`).
use std::path::PathBuf;
use std::time::Duration;

use crate::signing::SigningSettings;
use crate::tls::ClientTls;

/// What `fuzz` checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FuzzCheck {
    Examples,
    Generated,
    Negative,
    Delivery,
    Signatures,
}

impl FuzzCheck {
    /// Every check, in the order they run.
    pub const ALL: [FuzzCheck; 5] =
        [FuzzCheck::Examples, FuzzCheck::Generated, FuzzCheck::Negative, FuzzCheck::Delivery, FuzzCheck::Signatures];
}

/// The check's name on the command line and in reports.
pub fn check_name(check: FuzzCheck) -> &'static str {
    match check {
        FuzzCheck::Examples => "examples",
        FuzzCheck::Generated => "generated",
        FuzzCheck::Negative => "negative",
        FuzzCheck::Delivery => "delivery",
        FuzzCheck::Signatures => "signatures",
    }
}

/// What the command line asked `fuzz` for, as plain data (the flags, their help and defaults: `cli`).
#[derive(Debug)]
pub struct FuzzSettings {
    pub events: Vec<String>,
    pub to: String,
    pub checks: Vec<FuzzCheck>,
    pub seed: Option<u64>,
    pub budget: u64,
    pub concurrency: u64,
    pub timeout: Option<Duration>,
    pub header: Vec<String>,
    pub save_failures: Option<PathBuf>,
    pub json: bool,
    pub report: Vec<String>,
    pub signing: SigningSettings,
    pub client_tls: ClientTls,
}
