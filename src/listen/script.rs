//! Failure scripts: how `listen` answers when asked to misbehave the way receivers do — a status sequence
//! (`--status 500x3,200`: three 500s, then 200 from then on; `--cycle` starts over), a share of requests whose
//! connection is closed without an answer (`--drop 0.2`), a delay drawn from a range (`--delay 100ms..2s`).
//! Random choices come from one seeded generator (`--seed`), so a run can be repeated exactly.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use hyper::StatusCode;

/// `--status`: a sequence of (status, how many times); the last repeats unless it cycles.
#[derive(Debug)]
pub struct StatusScript {
    steps: Vec<(StatusCode, u64)>,
    cycle: bool,
    served: AtomicU64,
}

impl StatusScript {
    pub fn parse(text: &str, cycle: bool) -> Result<StatusScript, String> {
        let mut steps = Vec::new();
        for part in text.split(',') {
            let part = part.trim();
            let (code, times) = match part.split_once(['x', '*']) {
                Some((code, times)) => (
                    code,
                    times
                        .parse::<u64>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| format!("{part:?}: CODExN needs N ≥ 1"))?,
                ),
                None => (part, 1),
            };
            let status = code
                .parse::<u16>()
                .ok()
                // 1xx are not final answers (hyper cannot send one in their place), so they are not offered.
                .filter(|c| (200..=599).contains(c))
                .and_then(|c| StatusCode::from_u16(c).ok())
                .ok_or_else(|| format!("{code:?} is not a final HTTP status (200-599)"))?;
            steps.push((status, times));
        }
        Ok(StatusScript { steps, cycle, served: AtomicU64::new(0) })
    }

    pub fn single(status: StatusCode) -> StatusScript {
        StatusScript { steps: vec![(status, 1)], cycle: false, served: AtomicU64::new(0) }
    }

    /// The status for the next request.
    pub fn next(&self) -> StatusCode {
        let n = self.served.fetch_add(1, Ordering::Relaxed);
        let total: u64 = self.steps.iter().map(|(_, times)| times).sum();
        let mut at = if self.cycle { n % total } else { n };
        for (status, times) in &self.steps {
            if at < *times {
                return *status;
            }
            at -= times;
        }
        self.steps.last().map_or(StatusCode::OK, |(status, _)| *status)
    }
}

/// `--delay D` or `--delay A..B`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Delay {
    Fixed(Duration),
    Between(Duration, Duration),
}

impl Delay {
    pub fn parse(text: &str) -> Result<Delay, String> {
        match text.split_once("..") {
            Some((low, high)) => {
                let (low, high) = (crate::units::parse_duration(low)?, crate::units::parse_duration(high)?);
                if high < low {
                    return Err(format!("{text}: the range runs backwards"));
                }
                Ok(Delay::Between(low, high))
            }
            None => crate::units::parse_duration(text).map(Delay::Fixed),
        }
    }
}

/// The seeded choices: drops and delays.
pub struct Chance {
    rng: Mutex<fastrand::Rng>,
    pub seed: u64,
    pub drop: f64,
}

impl Chance {
    pub fn new(seed: u64, drop: f64) -> Chance {
        Chance { rng: Mutex::new(fastrand::Rng::with_seed(seed)), seed, drop }
    }

    /// Whether to close this request's connection without answering, and its delay (drawn in this order
    /// for every request, so a seed repeats a run).
    pub fn draw(&self, delay: Option<Delay>) -> (bool, Option<Duration>) {
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        let dropped = rng.f64() < self.drop;
        let wait = match delay {
            None => None,
            Some(Delay::Fixed(d)) => Some(d),
            Some(Delay::Between(low, high)) => Some(low + (high - low).mul_f64(rng.f64())),
        };
        (dropped, wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sequence_runs_then_holds_its_last_or_cycles() {
        let script = StatusScript::parse("500x3,200", false).unwrap();
        let seen: Vec<u16> = (0..6).map(|_| script.next().as_u16()).collect();
        assert_eq!(seen, [500, 500, 500, 200, 200, 200]);
        let cycling = StatusScript::parse("200,503", true).unwrap();
        let seen: Vec<u16> = (0..5).map(|_| cycling.next().as_u16()).collect();
        assert_eq!(seen, [200, 503, 200, 503, 200]);
        assert!(StatusScript::parse("700", false).is_err());
        assert!(StatusScript::parse("500x0", false).is_err());
    }

    #[test]
    fn the_same_seed_draws_the_same_drops_and_delays() {
        let delay = Some(Delay::parse("100ms..2s").unwrap());
        let run = |seed| {
            let chance = Chance::new(seed, 0.5);
            (0..50).map(|_| chance.draw(delay)).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let drops = run(7).iter().filter(|(d, _)| *d).count();
        assert!((10..=40).contains(&drops), "{drops}");
        assert!(run(7)
            .iter()
            .all(|(_, d)| (Duration::from_millis(100)..=Duration::from_secs(2)).contains(&d.unwrap())));
    }
}
