//! `hookctl --version`: the version, the commit it was built from and that commit's date, for bug reports.
use serde_json::{json, Value};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The full commit hash, or `unknown` when built outside a git checkout without cargo's VCS record.
pub const COMMIT: &str = env!("HOOKCTL_COMMIT");
/// The commit's date (YYYY-MM-DD), or the build date when the commit's is not known.
pub const DATE: &str = env!("HOOKCTL_DATE");
pub const TARGET: &str = env!("HOOKCTL_TARGET");

fn short_commit() -> &'static str {
    COMMIT.get(..12).unwrap_or(COMMIT)
}

/// `hookctl 0.1.0 (3f66c37a1b2c 2026-12-01)`, the form rustc and cargo use.
pub fn line() -> String {
    format!("hookctl {VERSION} ({} {DATE})", short_commit())
}

pub fn json() -> Value {
    json!({"name": "hookctl", "version": VERSION, "commit": COMMIT, "date": DATE, "target": TARGET})
}
