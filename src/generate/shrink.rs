//! Makes a failing instance smaller while it still fails the same way: keys removed, objects and arrays
//! emptied or cut, strings cut to the shortest prefix that still fails, numbers moved toward 0. Only
//! candidates the schema allows are tried (`valid`); each try of `still_fails` is one request.
use serde_json::{Number, Value};

use crate::pointer;

/// The tries a reduction may spend.
pub struct Budget {
    pub tries: usize,
}

impl Budget {
    fn spend(&mut self) -> bool {
        if self.tries == 0 {
            return false;
        }
        self.tries -= 1;
        true
    }
}

/// The smallest instance found that `valid` allows and `still_fails` confirms; `start` when none is.
pub fn minimise(
    start: Value,
    valid: &dyn Fn(&Value) -> bool,
    still_fails: &mut dyn FnMut(&Value) -> bool,
    budget: &mut Budget,
) -> Value {
    let mut current = start;
    let mut seen = std::collections::HashSet::new();
    loop {
        let mut better = None;
        for candidate in removals(&current) {
            if budget.tries == 0 {
                return current;
            }
            if !valid(&candidate) || !seen.insert(candidate.to_string()) {
                continue;
            }
            if budget.spend() && still_fails(&candidate) {
                better = Some(candidate);
                break;
            }
        }
        if better.is_none() {
            for (at, leaf) in leaves(&current) {
                if let Some(found) = reduce_leaf(&current, &at, &leaf, valid, still_fails, budget) {
                    better = Some(found);
                    break;
                }
            }
        }
        match better {
            Some(value) => current = value,
            None => return current,
        }
    }
}

/// Whole subtrees gone: each object key (shallow first), each object emptied, each array item.
fn removals(value: &Value) -> Vec<Value> {
    let mut places = Vec::new();
    collect(value, String::new(), &mut places);
    places.sort_by_key(|(at, _)| at.matches('/').count());
    let mut out = Vec::new();
    for (at, node) in places {
        match node {
            Value::Object(map) if !map.is_empty() => {
                out.push(replaced(value, &at, Value::Object(Default::default())));
                for key in map.keys() {
                    let mut copy = value.clone();
                    if let Some(Value::Object(m)) = copy.pointer_mut(&at) {
                        m.remove(key);
                    }
                    out.push(copy);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                out.push(replaced(value, &at, Value::Array(Vec::new())));
                for i in (0..items.len().min(16)).rev() {
                    let mut copy = value.clone();
                    if let Some(Value::Array(list)) = copy.pointer_mut(&at) {
                        list.remove(i);
                    }
                    out.push(copy);
                }
            }
            _ => {}
        }
    }
    out
}

fn collect(value: &Value, at: String, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            out.push((at.clone(), value.clone()));
            for (k, v) in map {
                collect(v, pointer::child(&at, k), out);
            }
        }
        Value::Array(items) => {
            out.push((at.clone(), value.clone()));
            for (i, v) in items.iter().enumerate() {
                collect(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn leaves(value: &Value) -> Vec<(String, Value)> {
    let mut places = Vec::new();
    collect_leaves(value, String::new(), &mut places);
    places
}

fn collect_leaves(value: &Value, at: String, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                collect_leaves(v, pointer::child(&at, k), out);
            }
        }
        Value::Array(items) => {
            if items.len() > 1 {
                out.push((at.clone(), value.clone()));
            }
            for (i, v) in items.iter().enumerate() {
                collect_leaves(v, format!("{at}/{i}"), out);
            }
        }
        Value::String(s) if !s.is_empty() => out.push((at, value.clone())),
        Value::Number(n) if n.as_f64() != Some(0.0) => out.push((at, value.clone())),
        _ => {}
    }
}

fn replaced(value: &Value, at: &str, new: Value) -> Value {
    let mut copy = value.clone();
    if at.is_empty() {
        return new;
    }
    if let Some(slot) = copy.pointer_mut(at) {
        *slot = new;
    }
    copy
}

/// The smallest size `n` in `0..size` whose version still fails (a binary search: failing is taken to be
/// monotone in size, as length and magnitude bugs are), when one smaller than `size` does.
fn smallest(
    size: u64,
    make: &dyn Fn(u64) -> Value,
    valid: &dyn Fn(&Value) -> bool,
    still_fails: &mut dyn FnMut(&Value) -> bool,
    budget: &mut Budget,
) -> Option<Value> {
    let (mut lo, mut hi) = (0u64, size);
    let mut best = None;
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let candidate = make(mid);
        if valid(&candidate) && budget.spend() && still_fails(&candidate) {
            hi = mid;
            best = Some(candidate);
        } else {
            if budget.tries == 0 {
                break;
            }
            lo = mid + 1;
        }
    }
    best
}

fn reduce_leaf(
    whole: &Value,
    at: &str,
    leaf: &Value,
    valid: &dyn Fn(&Value) -> bool,
    still_fails: &mut dyn FnMut(&Value) -> bool,
    budget: &mut Budget,
) -> Option<Value> {
    match leaf {
        Value::String(s) => {
            let chars: Vec<char> = s.chars().collect();
            let make = |n: u64| replaced(whole, at, Value::String(chars[..n as usize].iter().collect()));
            smallest(chars.len() as u64, &make, valid, still_fails, budget)
        }
        Value::Array(items) => {
            let make = |n: u64| replaced(whole, at, Value::Array(items[..n as usize].to_vec()));
            smallest(items.len() as u64, &make, valid, still_fails, budget)
        }
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                let sign = i.signum();
                let make = |m: u64| replaced(whole, at, Value::from(sign * m as i64));
                smallest(i.unsigned_abs(), &make, valid, still_fails, budget)
            } else if let Some(u) = n.as_u64() {
                let make = |m: u64| replaced(whole, at, Value::from(m));
                smallest(u, &make, valid, still_fails, budget)
            } else {
                let f = n.as_f64().unwrap_or(0.0);
                let whole_part = f.trunc();
                let candidate = replaced(whole, at, Number::from_f64(whole_part).map_or(Value::from(0), Value::Number));
                (whole_part != f && valid(&candidate) && budget.spend() && still_fails(&candidate)).then_some(candidate)
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_long_string_bug_shrinks_to_its_threshold() {
        let start = json!({"a": "x".repeat(10_000), "b": {"c": 1, "d": [1, 2, 3]}, "keep": true});
        let valid = |v: &Value| v.get("keep") == Some(&json!(true));
        let mut tries = 0;
        let mut fails = |v: &Value| {
            tries += 1;
            v["a"].as_str().is_some_and(|s| s.chars().count() > 255)
        };
        let small = minimise(start, &valid, &mut fails, &mut Budget { tries: 500 });
        assert_eq!(small, json!({"a": "x".repeat(256), "keep": true}));
        assert!(tries < 120, "{tries} tries");
    }

    #[test]
    fn a_magnitude_bug_shrinks_to_the_boundary() {
        let start = json!({"n": 9_007_199_254_740_992_i64});
        let mut fails = |v: &Value| v["n"].as_i64().is_some_and(|n| n > i32::MAX as i64);
        let small = minimise(start, &|v| v.get("n").is_some(), &mut fails, &mut Budget { tries: 200 });
        assert_eq!(small, json!({"n": 2_147_483_648_i64}));
    }

    #[test]
    fn the_budget_bounds_the_tries() {
        let start = json!({"a": "x".repeat(1000)});
        let mut tries = 0;
        let mut fails = |_: &Value| {
            tries += 1;
            true
        };
        minimise(start, &|v| v.get("a").is_some(), &mut fails, &mut Budget { tries: 5 });
        assert_eq!(tries, 5);
    }
}
