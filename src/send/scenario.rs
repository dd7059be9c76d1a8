//! Delivery scenarios that test a receiver's hardest cases: the same webhook more than once
//! (`--duplicate N`, at-least-once delivery), and retries on a provider's schedule when it fails (`--retry`).
//!
//! What the providers really do (see docs/fixtures.md): obniz never retries a failed delivery (the event is lost);
//! Ebriza does not retry either, it reverts the configuration change the webhook announced; Pgyer documents
//! no retries. Standard Webhooks / Svix retry immediately, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and
//! 10 h; Stripe retries for up to three days with an exponential back-off.
use std::time::Duration;

use anyhow::Result;

use crate::error::UserError;
use crate::output::sanitize;

/// `--retry POLICY`: the waits before each retry.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    pub name: String,
    pub delays: Vec<Duration>,
}

const MINUTE: u64 = 60;
const HOUR: u64 = 3600;

impl RetryPolicy {
    pub fn parse(text: &str) -> Result<RetryPolicy> {
        let secs = |list: &[u64]| list.iter().map(|s| Duration::from_secs(*s)).collect::<Vec<_>>();
        let delays = match text.trim() {
            "none" => Vec::new(),
            "standard" | "svix" => secs(&[0, 5, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]),
            "stripe" => secs(&[
                MINUTE,
                5 * MINUTE,
                30 * MINUTE,
                HOUR,
                2 * HOUR,
                4 * HOUR,
                8 * HOUR,
                16 * HOUR,
                24 * HOUR,
                16 * HOUR,
            ]),
            list => list.split(',').map(crate::units::parse_duration).collect::<Result<Vec<_>, _>>().map_err(|e| {
                UserError::with_hint(
                    format!("--retry {}: {e}", sanitize(text)),
                    "use none, standard, stripe, or a list of waits such as 1s,5s,30s",
                )
            })?,
        };
        Ok(RetryPolicy { name: text.trim().to_string(), delays })
    }
}

/// The wait before attempt `n` (2, 3, …), scaled by `--time-scale`.
pub fn wait_before(policy: &RetryPolicy, attempt: usize, scale: f64) -> Option<(Duration, Duration)> {
    let delay = *policy.delays.get(attempt.checked_sub(2)?)?;
    Some((delay, delay.mul_f64(scale.max(0.0))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_name_their_schedules_and_lists_parse() {
        let standard = RetryPolicy::parse("standard").unwrap();
        assert_eq!(standard.delays.len(), 8);
        assert_eq!(wait_before(&standard, 3, 0.001).unwrap(), (Duration::from_secs(5), Duration::from_millis(5)));
        assert!(wait_before(&standard, 10, 1.0).is_none(), "nine attempts at most");
        let stripe = RetryPolicy::parse("stripe").unwrap();
        let total: u64 = stripe.delays.iter().map(Duration::as_secs).sum();
        assert!((60 * HOUR..=80 * HOUR).contains(&total), "about three days: {total}");
        assert_eq!(
            RetryPolicy::parse("1s,250ms").unwrap().delays,
            [Duration::from_secs(1), Duration::from_millis(250)]
        );
        assert!(RetryPolicy::parse("sometimes").is_err());
        assert!(RetryPolicy::parse("none").unwrap().delays.is_empty());
    }
}
