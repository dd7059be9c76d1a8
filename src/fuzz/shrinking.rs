//! Shrinking a finding: a random body first through proptest's value tree (simplify while it still fails,
//! complicate when it stops failing), then every body through the schema-guided reducer. Each try is a
//! request to the receiver; only bodies the schema allows are tried.
use std::time::Duration;

use proptest::strategy::ValueTree;
use serde_json::Value;

use super::cases::Body;
use super::judge::{self, Expect, Kind, Outcome};
use super::Runner;
use crate::catalog::Fixture;
use crate::generate::shrink::{minimise, Budget};
use crate::generate::Generator;

/// Tries per finding; a timeout costs the whole timeout per failing try, so it gets fewer.
const TRIES: usize = 200;
const TIMEOUT_TRIES: usize = 10;

pub struct Shrunk {
    pub value: Value,
    pub outcome: Outcome,
    pub requests: usize,
}

/// What failed, and how: the body to start from (with its proptest value tree when it was a random one), the
/// failure's kind and outcome (the one to keep reproducing), and the timeout each try gets.
pub(super) struct Failing<'t> {
    pub start: Value,
    pub tree: Option<&'t mut Box<dyn ValueTree<Value = Value>>>,
    pub kind: Kind,
    pub outcome: Outcome,
    pub timeout: Duration,
}

#[allow(clippy::borrowed_box)]
pub(super) fn shrink(runner: &mut Runner, fixture: &Fixture, generator: &Generator, failing: Failing<'_>) -> Shrunk {
    let Failing { start, tree, kind, outcome, timeout } = failing;
    let mut budget = Budget { tries: if kind == Kind::Timeout { TIMEOUT_TRIES } else { TRIES } };
    let target = outcome.clone();
    let mut last = outcome;
    let mut requests = 0;
    let mut still_fails = |value: &Value| {
        requests += 1;
        let request = runner.dress.request(fixture, &Body::Json(value.clone()));
        let answer = runner.send_one(&request, timeout);
        // The same failure: its kind, status and answer, so shrinking never wanders to another bug.
        let same = judge::judge(Expect::Accept, &answer) == Some(kind)
            && answer.status == target.status
            && super::gist(&answer.answer) == super::gist(&target.answer);
        if same {
            last = answer;
        }
        same
    };
    let mut current = start;
    if let Some(tree) = tree {
        // proptest's loop: simplify after a failure, complicate after a pass.
        let mut failing = true;
        while budget.tries > 0 {
            let moved = if failing { tree.simplify() } else { tree.complicate() };
            if !moved {
                break;
            }
            let candidate = tree.current();
            if !generator.is_valid(&candidate) {
                failing = false;
                continue;
            }
            budget.tries -= 1;
            failing = still_fails(&candidate);
            if failing {
                current = candidate;
            }
        }
    }
    let valid = |value: &Value| generator.is_valid(value);
    let value = minimise(current, &valid, &mut still_fails, &mut budget);
    Shrunk { value, outcome: last, requests }
}
