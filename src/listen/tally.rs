//! Counting what arrived and turning it into `listen`'s exit code (CI mode: --count, --timeout, --expect).
use crate::error::{EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_TIMEOUT};

/// Why the server stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    CountReached,
    TimedOut,
    Interrupted,
}

/// What one request amounted to, for the tally.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub event: Option<String>,
    /// How to name the request in a failure line (the event, or what is wrong with it).
    pub label: String,
    pub valid: Option<bool>,
    /// `Some(false)` when a signature was checked and failed.
    pub signature_ok: Option<bool>,
}

#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub received: u64,
    pub valid: u64,
    pub invalid: u64,
    pub unrecognised: u64,
    pub rejected: u64,
    /// One line per request that fails CI mode (invalid, unexpected, badly signed).
    pub failures: Vec<String>,
    seen: Vec<String>,
}

impl Tally {
    /// Counts a request; `expect` is the `--expect` list (empty: anything goes).
    pub fn add(&mut self, id: u64, outcome: &Outcome, expect: &[String], require_signature: bool) {
        self.received += 1;
        match (outcome.valid, &outcome.event) {
            (Some(true), _) => self.valid += 1,
            (Some(false), _) => self.invalid += 1,
            (None, _) => self.unrecognised += 1,
        }
        let name = &outcome.label;
        if outcome.valid == Some(false) {
            self.failures.push(format!("#{id} {name} is invalid"));
        }
        if !expect.is_empty() && !expect.iter().any(|e| Some(e.as_str()) == outcome.event.as_deref()) {
            self.failures.push(format!("#{id} {name} was not expected (expected {})", expect.join(", ")));
        }
        if require_signature && outcome.signature_ok == Some(false) {
            self.failures.push(format!("#{id} {name} is not correctly signed"));
        }
        if let Some(event) = &outcome.event {
            self.seen.push(event.clone());
        }
    }

    /// `--expect` names that never arrived.
    pub fn missing(&self, expect: &[String]) -> Vec<String> {
        let mut missing: Vec<String> = expect.iter().filter(|e| !self.seen.contains(e)).cloned().collect();
        missing.dedup();
        missing
    }

    /// 0 all arrived valid and expected; 1 something invalid, unexpected or missing; 3 timed out; 130 interrupted.
    pub fn exit_code(&self, stop: Stop, expect: &[String]) -> u8 {
        if !self.failures.is_empty() {
            return EXIT_FAILED;
        }
        match stop {
            Stop::TimedOut => EXIT_TIMEOUT,
            Stop::Interrupted => EXIT_INTERRUPTED,
            Stop::CountReached if !self.missing(expect).is_empty() => EXIT_FAILED,
            Stop::CountReached => EXIT_OK,
        }
    }

    pub fn summary(&self) -> String {
        let rejected = if self.rejected > 0 { format!(", {} rejected (413)", self.rejected) } else { String::new() };
        format!(
            "received {} ({} valid, {} invalid, {} unrecognised{rejected})",
            self.received, self.valid, self.invalid, self.unrecognised
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(event: Option<&str>, valid: Option<bool>) -> Outcome {
        Outcome { event: event.map(String::from), label: event.unwrap_or("request").into(), valid, signature_ok: None }
    }

    #[test]
    fn all_valid_and_expected_is_0() {
        let expect = vec!["pgyer.crashlog".to_string()];
        let mut tally = Tally::default();
        tally.add(1, &outcome(Some("pgyer.crashlog"), Some(true)), &expect, false);
        assert_eq!(tally.exit_code(Stop::CountReached, &expect), 0);
        assert_eq!(tally.summary(), "received 1 (1 valid, 0 invalid, 0 unrecognised)");
    }

    #[test]
    fn invalid_unexpected_or_missing_is_1() {
        let expect = vec!["pgyer.crashlog".to_string(), "obniz.oauth.create".to_string()];
        let mut tally = Tally::default();
        tally.add(1, &outcome(Some("pgyer.crashlog"), Some(true)), &expect, false);
        assert_eq!(tally.exit_code(Stop::CountReached, &expect), 1, "obniz.oauth.create never came");
        tally.add(2, &outcome(Some("pgyer.feedback"), Some(true)), &expect, false);
        assert!(tally.failures[0].contains("was not expected"));
        let mut invalid = Tally::default();
        invalid.add(1, &outcome(Some("pgyer.crashlog"), Some(false)), &[], false);
        assert_eq!(invalid.exit_code(Stop::TimedOut, &[]), 1, "an invalid arrival says more than the timeout");
    }

    #[test]
    fn unrecognised_is_fine_unless_expected_and_timeouts_are_3() {
        let mut tally = Tally::default();
        tally.add(1, &outcome(None, None), &[], false);
        assert_eq!(tally.exit_code(Stop::CountReached, &[]), 0);
        assert_eq!(tally.exit_code(Stop::TimedOut, &[]), 3);
        assert_eq!(tally.exit_code(Stop::Interrupted, &[]), 130);
        let mut signed = Tally::default();
        signed.add(
            1,
            &Outcome { event: None, label: "request".into(), valid: None, signature_ok: Some(false) },
            &[],
            true,
        );
        assert_eq!(signed.exit_code(Stop::CountReached, &[]), 1);
    }
}
