//! Counting what arrived and turning it into `listen`'s exit code (CI mode: --count, --timeout, --for,
//! --expect).
use crate::error::{EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_TIMEOUT};

/// Why the server stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    CountReached,
    /// `--timeout` ran out before `--count` requests arrived.
    TimedOut,
    /// `--for` (or `--timeout` without `--count`) ran its course: time to judge what came.
    TimeUp,
    Interrupted,
    /// Nobody reads stdout any more (`listen | head`): stop quietly, every capture so far being saved.
    OutputClosed,
}

/// Failure lines kept for the stop summary; past this only their number is (memory stays flat however
/// many requests fail).
pub const FAILURES_KEPT: usize = 50;

/// One `--expect` name: the event it stands for and, for a shape fixture's name, the shape it requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    pub name: String,
    pub event: String,
    pub shape: Option<String>,
}

impl Expectation {
    fn accepts(&self, event: Option<&str>, shape: Option<&str>) -> bool {
        event == Some(self.event.as_str()) && self.shape.as_deref().is_none_or(|wanted| shape == Some(wanted))
    }
}

/// What one request amounted to, for the tally.
#[derive(Debug, Clone)]
pub struct Outcome<'a> {
    pub event: Option<&'a str>,
    pub shape: Option<&'a str>,
    /// How to name the request in a failure line (the event, or what is wrong with it).
    pub label: &'a str,
    pub valid: Option<bool>,
    /// `Some(false)` when a signature was checked and failed.
    pub signature_ok: Option<bool>,
    /// `--assert` checks that failed on this request: `ASSERTION (found …)`.
    pub failed_assertions: Vec<String>,
    /// Where the schema's expectations were not met (said with the failure).
    pub problems: &'a [crate::schema::Violation],
    /// A body that looked like JSON and was not: where it broke.
    pub json_problem: Option<String>,
    /// `--forward-to`: why the app did not take it (unreachable, too slow, 5xx).
    pub forward_error: Option<String>,
    /// Whether a failed forward fails the run.
    pub judge_forward: bool,
    /// How the request is named in a report (`POST /hooks pgyer.crashlog`).
    pub case: String,
}

/// Test cases kept for `--report`; past this only the failing ones are (memory stays bounded).
pub const CASES_KEPT: usize = 10_000;

#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub received: u64,
    pub valid: u64,
    pub invalid: u64,
    pub unrecognised: u64,
    pub badly_signed: u64,
    /// Not captured: 413 (too large), 408 (body too slow), 405 (CONNECT).
    pub rejected: u64,
    rejected_codes: Vec<u16>,
    /// Connections answered 503 past --max-connections.
    pub turned_away: u64,
    /// Captured but not saved (answered 500): a full disk, a removed mount.
    pub unsaved: u64,
    /// Forwarded, and the app could not be reached, was too slow, or answered 5xx.
    pub forward_failures: u64,
    /// The first [`FAILURES_KEPT`] lines about requests that fail CI mode (invalid, unexpected, badly signed).
    pub failures: Vec<String>,
    /// How many such lines there were in all.
    pub failed: u64,
    /// Which expectations have been met, by index into the `--expect` list.
    met: Vec<bool>,
    /// `--report`: one case per request (bounded by [`CASES_KEPT`]).
    pub cases: Vec<crate::report::Case>,
    /// Events seen, with how many of each (for `count` assertions scoped by `--assert-on`).
    pub events: Vec<(Option<String>, u64)>,
}

impl Tally {
    /// Counts a request; `expect` is the `--expect` list (empty: anything goes).
    #[cfg(test)]
    pub fn add(&mut self, id: u64, outcome: &Outcome, expect: &[Expectation], require_signature: bool) {
        self.add_in_order(id, outcome, expect, require_signature, false);
    }

    /// [`add`](Self::add), with `--in-order`: an expected event that arrives before one listed ahead of it
    /// has arrived fails.
    pub fn add_in_order(
        &mut self,
        id: u64,
        outcome: &Outcome,
        expect: &[Expectation],
        require_signature: bool,
        in_order: bool,
    ) {
        let failed_before = self.failed;
        let mut messages: Vec<String> = Vec::new();
        self.count(outcome);
        let name = outcome.label;
        if outcome.valid == Some(false) {
            let why = why_invalid(outcome);
            self.fail(|| format!("#{id} {name} is invalid: {why}"));
            messages.push(format!("{name} is invalid"));
            messages.extend(outcome.problems.iter().map(ToString::to_string));
            messages.extend(outcome.json_problem.iter().map(|p| format!("not JSON: {p}")));
        }
        if let Some(error) = &outcome.forward_error {
            self.forward_failures += 1;
            if outcome.judge_forward {
                self.fail(|| format!("#{id} forward failed: {error}"));
                messages.push(format!("forward failed: {error}"));
            }
        }
        for failed in &outcome.failed_assertions {
            self.fail(|| format!("#{id} assertion failed: {failed}"));
            messages.push(format!("assertion failed: {failed}"));
        }
        let (event, shape) = (outcome.event, outcome.shape);
        if !expect.is_empty() && !expect.iter().any(|e| e.accepts(event, shape)) {
            let what = match (event, shape) {
                (Some(_), Some(shape)) => format!("{name} ({shape} shape)"),
                _ => name.to_string(),
            };
            self.fail(|| {
                let names: Vec<&str> = expect.iter().map(|e| e.name.as_str()).collect();
                format!("#{id} {what} was not expected (expected {})", names.join(", "))
            });
        }
        if require_signature && outcome.signature_ok == Some(false) {
            self.fail(|| format!("#{id} {name} is not correctly signed"));
            messages.push(format!("{name} is not correctly signed"));
        }
        self.met.resize(expect.len(), false);
        if in_order {
            if let Some(line) = self.out_of_order(expect, event, shape) {
                self.fail(|| format!("#{id} {line}"));
                messages.push(line);
            }
        }
        for (met, expectation) in self.met.iter_mut().zip(expect) {
            *met |= expectation.accepts(event, shape);
        }
        if self.failed > failed_before && messages.is_empty() {
            messages.push("not expected".into());
        }
        let ok = self.failed == failed_before;
        if !outcome.case.is_empty() && (self.cases.len() < CASES_KEPT || !ok) {
            self.cases.push(crate::report::Case::new(format!("#{id} {}", outcome.case), ok, messages));
        }
    }

    /// The counters every request moves: received, per event, valid / invalid / unrecognised, badly signed.
    fn count(&mut self, outcome: &Outcome) {
        self.received += 1;
        match self.events.iter_mut().find(|(e, _)| e.as_deref() == outcome.event) {
            Some((_, n)) => *n += 1,
            None => self.events.push((outcome.event.map(String::from), 1)),
        }
        match outcome.valid {
            Some(true) => self.valid += 1,
            Some(false) => self.invalid += 1,
            None => self.unrecognised += 1,
        }
        if outcome.signature_ok == Some(false) {
            self.badly_signed += 1;
        }
    }

    /// `--in-order`: the expectations before this one that have not arrived yet, said as one line.
    fn out_of_order(&self, expect: &[Expectation], event: Option<&str>, shape: Option<&str>) -> Option<String> {
        let index = expect.iter().position(|e| e.accepts(event, shape))?;
        let waiting: Vec<&str> =
            expect[..index].iter().zip(&self.met).filter(|(_, met)| !**met).map(|(e, _)| e.name.as_str()).collect();
        (!waiting.is_empty())
            .then(|| format!("{} arrived before {} (--in-order)", expect[index].name, waiting.join(", ")))
    }

    /// Counts a failure found after the run (a `count` assertion).
    pub fn fail_after(&mut self, line: String) {
        self.fail(|| line);
    }

    /// Counts a failure; its line is kept only while there are few.
    fn fail(&mut self, line: impl FnOnce() -> String) {
        self.failed += 1;
        if self.failures.len() < FAILURES_KEPT {
            self.failures.push(line());
        }
    }

    /// Counts a request that was not captured, by the status it got.
    pub fn reject(&mut self, status: u16) {
        self.rejected += 1;
        if !self.rejected_codes.contains(&status) {
            self.rejected_codes.push(status);
            self.rejected_codes.sort_unstable();
        }
    }

    /// `--expect` names that never arrived.
    pub fn missing(&self, expect: &[Expectation]) -> Vec<String> {
        let mut missing: Vec<String> = expect
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.met.get(*i).copied().unwrap_or(false))
            .map(|(_, e)| e.name.clone())
            .collect();
        missing.dedup();
        missing
    }

    /// 0 all arrived valid and expected; 1 something invalid, unexpected, missing or not saved; 3 timed out
    /// before `--count`; 130 interrupted.
    pub fn exit_code(&self, stop: Stop, expect: &[Expectation]) -> u8 {
        if self.failed > 0 || self.unsaved > 0 {
            return EXIT_FAILED;
        }
        match stop {
            Stop::TimedOut => EXIT_TIMEOUT,
            Stop::Interrupted => EXIT_INTERRUPTED,
            Stop::OutputClosed => EXIT_OK,
            Stop::CountReached | Stop::TimeUp if !self.missing(expect).is_empty() => EXIT_FAILED,
            Stop::CountReached | Stop::TimeUp => EXIT_OK,
        }
    }

    pub fn summary(&self) -> String {
        let mut extra = String::new();
        if self.badly_signed > 0 {
            extra.push_str(&format!(", {} badly signed", self.badly_signed));
        }
        if self.rejected > 0 {
            let codes: Vec<String> = self.rejected_codes.iter().map(u16::to_string).collect();
            extra.push_str(&format!(", {} rejected ({})", self.rejected, codes.join("/")));
        }
        if self.turned_away > 0 {
            extra.push_str(&format!(", {} turned away (503)", self.turned_away));
        }
        if self.unsaved > 0 {
            extra.push_str(&format!(", {} NOT SAVED (answered 500)", self.unsaved));
        }
        if self.forward_failures > 0 {
            extra.push_str(&format!(", {} forward failed", self.forward_failures));
        }
        format!(
            "received {} ({} schema-valid, {} invalid, {} unrecognised{extra})",
            self.received, self.valid, self.invalid, self.unrecognised
        )
    }
}

/// The problems of an invalid request, for its failure line: the first three, then how many more.
fn why_invalid(outcome: &Outcome) -> String {
    const SHOWN: usize = 3;
    let mut parts: Vec<String> = outcome.problems.iter().take(SHOWN).map(ToString::to_string).collect();
    parts.extend(outcome.json_problem.iter().map(|p| format!("not JSON: {p}")));
    if outcome.problems.len() > SHOWN {
        parts.push(format!("and {} more", outcome.problems.len() - SHOWN));
    }
    crate::output::sanitize(&parts.join("; ")).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(event: Option<&str>, valid: Option<bool>) -> Outcome<'_> {
        Outcome {
            event,
            shape: None,
            label: event.unwrap_or("request"),
            valid,
            signature_ok: None,
            failed_assertions: Vec::new(),
            problems: &[],
            json_problem: None,
            forward_error: None,
            judge_forward: false,
            case: event.unwrap_or("request").into(),
        }
    }

    #[test]
    fn in_order_fails_an_event_that_overtakes_one_listed_before_it() {
        let expect = expect(&["obniz.install.create", "pgyer.crashlog"]);
        let mut tally = Tally::default();
        tally.add_in_order(1, &outcome(Some("pgyer.crashlog"), Some(true)), &expect, false, true);
        tally.add_in_order(2, &outcome(Some("obniz.install.create"), Some(true)), &expect, false, true);
        assert_eq!(tally.failures, ["#1 pgyer.crashlog arrived before obniz.install.create (--in-order)"]);
        let mut ordered = Tally::default();
        ordered.add_in_order(1, &outcome(Some("obniz.install.create"), Some(true)), &expect, false, true);
        ordered.add_in_order(2, &outcome(Some("pgyer.crashlog"), Some(true)), &expect, false, true);
        assert_eq!(ordered.exit_code(Stop::CountReached, &expect), 0);
        assert_eq!(ordered.cases.len(), 2);
    }

    fn expect(names: &[&str]) -> Vec<Expectation> {
        names.iter().map(|n| Expectation { name: n.to_string(), event: n.to_string(), shape: None }).collect()
    }

    #[test]
    fn all_valid_and_expected_is_0() {
        let expect = expect(&["pgyer.crashlog"]);
        let mut tally = Tally::default();
        tally.add(1, &outcome(Some("pgyer.crashlog"), Some(true)), &expect, false);
        assert_eq!(tally.exit_code(Stop::CountReached, &expect), 0);
        assert_eq!(tally.summary(), "received 1 (1 schema-valid, 0 invalid, 0 unrecognised)");
    }

    #[test]
    fn invalid_unexpected_or_missing_is_1() {
        let expect = expect(&["pgyer.crashlog", "obniz.oauth.create"]);
        let mut tally = Tally::default();
        tally.add(1, &outcome(Some("pgyer.crashlog"), Some(true)), &expect, false);
        assert_eq!(tally.exit_code(Stop::CountReached, &expect), 1, "obniz.oauth.create never came");
        assert_eq!(tally.exit_code(Stop::TimeUp, &expect), 1, "--for judges the same way");
        tally.add(2, &outcome(Some("pgyer.feedback"), Some(true)), &expect, false);
        assert!(tally.failures[0].contains("was not expected"));
        let mut invalid = Tally::default();
        invalid.add(1, &outcome(Some("pgyer.crashlog"), Some(false)), &[], false);
        assert_eq!(invalid.exit_code(Stop::TimedOut, &[]), 1, "an invalid arrival says more than the timeout");
    }

    #[test]
    fn a_shape_expectation_needs_its_shape_and_an_event_expectation_takes_any() {
        let event = expect(&["ebriza.configuration.changed"]);
        let shaped = vec![Expectation {
            name: "ebriza.configuration.changed.example".into(),
            event: "ebriza.configuration.changed".into(),
            shape: Some("docs-example".into()),
        }];
        let mut example = outcome(Some("ebriza.configuration.changed"), Some(true));
        example.shape = Some("docs-example");
        let mut typed = example.clone();
        typed.shape = Some("typed");
        for expectation in [&event, &shaped] {
            let mut tally = Tally::default();
            tally.add(1, &example, expectation, false);
            assert_eq!(tally.exit_code(Stop::CountReached, expectation), 0, "{expectation:?}");
        }
        let mut tally = Tally::default();
        tally.add(1, &typed, &shaped, false);
        assert_eq!(tally.exit_code(Stop::CountReached, &shaped), 1);
        assert!(tally.failures[0].contains("(typed shape) was not expected"), "{:?}", tally.failures);
    }

    #[test]
    fn unrecognised_is_fine_unless_expected_and_timeouts_are_3() {
        let mut tally = Tally::default();
        tally.add(1, &outcome(None, None), &[], false);
        assert_eq!(tally.exit_code(Stop::CountReached, &[]), 0);
        assert_eq!(tally.exit_code(Stop::TimeUp, &[]), 0, "--for: nothing wrong arrived");
        assert_eq!(tally.exit_code(Stop::TimedOut, &[]), 3);
        assert_eq!(tally.exit_code(Stop::Interrupted, &[]), 130);
        let mut signed = Tally::default();
        let mut bad = outcome(None, None);
        bad.signature_ok = Some(false);
        signed.add(1, &bad, &[], true);
        assert_eq!(signed.exit_code(Stop::CountReached, &[]), 1);
        assert!(signed.summary().contains("1 badly signed"), "{}", signed.summary());
    }

    #[test]
    fn failure_lines_are_capped_but_counted_and_unsaved_captures_fail_the_run() {
        let mut tally = Tally::default();
        for id in 0..10_000 {
            tally.add(id, &outcome(Some("pgyer.crashlog"), Some(false)), &[], false);
        }
        assert_eq!((tally.failures.len(), tally.failed), (FAILURES_KEPT, 10_000));
        let mut unsaved = Tally::default();
        unsaved.add(1, &outcome(None, None), &[], false);
        assert_eq!(unsaved.exit_code(Stop::CountReached, &[]), 0);
        unsaved.unsaved = 1;
        assert_eq!(unsaved.exit_code(Stop::CountReached, &[]), 1);
        assert!(unsaved.summary().contains("1 NOT SAVED (answered 500)"), "{}", unsaved.summary());
        unsaved.reject(413);
        unsaved.reject(408);
        assert!(unsaved.summary().contains("2 rejected (408/413)"), "{}", unsaved.summary());
    }
}
