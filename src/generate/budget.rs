//! What one generated instance may cost, and whether a schema's smallest instance fits: checked once, before
//! anything is generated, so a `minLength: 2000000`, a `minItems` of a million, a pattern that repeats a
//! billion times or a schema that requires itself forever is one note, not an hour of retries or a 64 GB
//! allocation.
//!
//! Cost is counted in bytes, roughly as the instance's JSON text: a node costs [`NODE_COST`], a string its
//! length. Generation also spends from the same budget as it goes ([`Room`]), so a long array of large items
//! is made shorter rather than larger than the budget.
use std::collections::HashMap;

use serde_json::Value;

use super::resolve::{branches, flatten, required, types};

/// The most one instance may cost: about its JSON text's size.
pub const INSTANCE_BYTES: u64 = 4 << 20;
pub use super::text::MAX_STRING;
/// What one JSON value costs besides its text.
pub const NODE_COST: u64 = 8;
/// The most distinct items generated for a `uniqueItems` array.
pub const UNIQUE_ITEMS: usize = 1_000;

/// How much an instance may still cost, handed down as generation goes deeper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Room(pub u64);

impl Room {
    pub fn whole() -> Room {
        Room(INSTANCE_BYTES)
    }

    /// The room of each of `n` parts.
    pub fn split(self, n: u64) -> Room {
        Room(self.0 / n.max(1))
    }

    /// How many items costing `each` fit, at most `wanted`.
    pub fn fits(self, each: u64, wanted: u64) -> u64 {
        wanted.min(self.0 / each.max(1))
    }
}

/// Why a schema's smallest instance cannot be generated: where, and what.
pub type Problem = String;

/// The smallest instance's cost, or why there is none within the budget.
pub fn check(root: &Value) -> Result<u64, Problem> {
    let mut estimate = Estimate { root, memo: HashMap::new(), path: Vec::new(), work: 0 };
    estimate.minimum(root, "", 0)
}

/// How often one value's filters may refuse before it is given up (proptest's default is 65,536: a filter
/// that can never pass then costs 65,536 tries per value).
pub const LOCAL_REJECTS: u32 = 256;

/// A test runner configuration for generating: few local rejects, nothing persisted.
pub fn runner_config() -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        max_local_rejects: LOCAL_REJECTS,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}

/// Whether a node (its `$ref`s resolved against `root`) can be generated within the budget.
pub fn fits(root: &Value, schema: &Value) -> bool {
    let mut estimate = Estimate { root, memo: HashMap::new(), path: Vec::new(), work: 0 };
    estimate.minimum(schema, "", 0).is_ok()
}

/// A node's smallest cost alone (its own `$ref`s resolved against `root`), for sizing arrays of it and choosing
/// what fits a room; `u64::MAX` when nothing can be made for it.
pub fn minimum_of(root: &Value, schema: &Value) -> u64 {
    let mut estimate = Estimate { root, memo: HashMap::new(), path: Vec::new(), work: 0 };
    estimate.minimum(schema, "", 0).unwrap_or(u64::MAX)
}

struct Estimate<'r> {
    root: &'r Value,
    /// Each `$ref`'s smallest cost, once known.
    memo: HashMap<String, Result<u64, Problem>>,
    /// The `$ref`s being estimated on the way here: meeting one again is a cycle.
    path: Vec<String>,
    /// Nodes looked at: past [`WORK`], the rest is taken as cheap (the estimate never costs more than that).
    work: usize,
}

const WORK: usize = 5_000;
const DEPTH: usize = 64;

fn shown(pointer: &str) -> &str {
    if pointer.is_empty() {
        "(root)"
    } else {
        pointer
    }
}

impl Estimate<'_> {
    fn minimum(&mut self, schema: &Value, pointer: &str, depth: usize) -> Result<u64, Problem> {
        self.work += 1;
        if self.work > WORK || depth > DEPTH {
            return Ok(NODE_COST);
        }
        let Some(map) = schema.as_object() else {
            return match schema {
                Value::Bool(false) => Err(format!("`{}`: the schema allows nothing (false)", shown(pointer))),
                _ => Ok(NODE_COST),
            };
        };
        // The `$ref`s this node leads to at once (its own, and its `allOf` parts'): meeting one again on the
        // way here is a requirement that never ends.
        let refs: Vec<String> = std::iter::once(map.get("$ref"))
            .chain(map.get("allOf").and_then(Value::as_array).into_iter().flatten().map(|part| part.get("$ref")))
            .flatten()
            .filter_map(|r| r.as_str().map(String::from))
            .collect();
        if let Some(reference) = refs.iter().find(|r| self.path.contains(r)) {
            return Err(format!(
                "`{}`: the schema requires itself ({reference}) with no way to end: no finite instance",
                shown(pointer)
            ));
        }
        let own_ref = map.get("$ref").and_then(Value::as_str).filter(|_| map.len() == 1).map(String::from);
        if let Some(known) = own_ref.as_ref().and_then(|r| self.memo.get(r)) {
            return known.clone();
        }
        let before = self.path.len();
        self.path.extend(refs);
        let flat = flatten(self.root, schema).into_owned();
        let result = self.flat_minimum(&flat, pointer, depth);
        self.path.truncate(before);
        // Only a node that is a bare `$ref` is remembered: siblings may add to it elsewhere.
        if let Some(reference) = own_ref {
            self.memo.insert(reference, result.clone());
        }
        result
    }

    fn flat_minimum(&mut self, flat: &Value, pointer: &str, depth: usize) -> Result<u64, Problem> {
        if let Some(value) = flat.get("const") {
            return Ok(text_cost(value));
        }
        if let Some(Value::Array(values)) = flat.get("enum") {
            return Ok(values.iter().map(text_cost).min().unwrap_or(NODE_COST));
        }
        if let Some(list) = branches(flat) {
            return self.cheapest(list.iter().map(|branch| (branch, "")), pointer, depth);
        }
        if flat.get("type").and_then(Value::as_array).is_some_and(Vec::is_empty) {
            // `allOf` parts of different types (an array and an object): no value is both.
            return Err(format!("`{}`: the schema's parts allow no type in common: no instance", shown(pointer)));
        }
        let costs: Vec<Result<u64, Problem>> =
            types(flat).into_iter().map(|kind| self.of_type(flat, kind, pointer, depth)).collect();
        cheapest(costs)
    }

    /// The cheapest of several alternatives (a branch, a type); a problem only when every one has one.
    fn cheapest<'v>(
        &mut self,
        alternatives: impl Iterator<Item = (&'v Value, &'v str)>,
        pointer: &str,
        depth: usize,
    ) -> Result<u64, Problem> {
        let costs: Vec<Result<u64, Problem>> =
            alternatives.map(|(schema, _)| self.minimum(schema, pointer, depth + 1)).collect();
        cheapest(costs)
    }

    fn of_type(&mut self, flat: &Value, kind: &str, pointer: &str, depth: usize) -> Result<u64, Problem> {
        match kind {
            "object" => {
                let mut cost = NODE_COST;
                let properties = flat.get("properties").and_then(Value::as_object);
                for name in required(flat) {
                    let sub = properties.and_then(|p| p.get(&name)).or_else(|| flat.get("additionalProperties"));
                    let at = crate::pointer::child(pointer, &name);
                    let sub_cost = match sub {
                        Some(sub) => self.minimum(sub, &at, depth + 1)?,
                        None => NODE_COST,
                    };
                    cost = cost.saturating_add(sub_cost).saturating_add(name.len() as u64);
                    self.over(cost, pointer)?;
                }
                if let Some(n) = flat.get("minProperties").and_then(Value::as_u64) {
                    cost = cost.max(n.saturating_mul(2 * NODE_COST));
                    self.over(cost, pointer)?;
                }
                Ok(cost)
            }
            "array" => {
                let min = flat.get("minItems").and_then(Value::as_u64).unwrap_or(0);
                let prefix = flat.get("prefixItems").and_then(Value::as_array);
                let mut cost = NODE_COST;
                let mut counted = 0u64;
                if let Some(prefix) = prefix {
                    for (i, sub) in prefix.iter().enumerate().take(usize::try_from(min).unwrap_or(usize::MAX)) {
                        cost = cost.saturating_add(self.minimum(sub, &format!("{pointer}/{i}"), depth + 1)?);
                        counted += 1;
                    }
                }
                if flat.get("uniqueItems") == Some(&Value::Bool(true)) && min > UNIQUE_ITEMS as u64 {
                    return Err(format!(
                        "`{}`: uniqueItems with minItems {min} is over the {UNIQUE_ITEMS} distinct items hookctl generates",
                        shown(pointer)
                    ));
                }
                let rest = min.saturating_sub(counted);
                if rest > 0 {
                    let items = flat.get("items").cloned().unwrap_or(Value::Bool(true));
                    if rest.saturating_mul(NODE_COST) > INSTANCE_BYTES {
                        return Err(format!(
                            "`{}`: minItems {min} is over what hookctl generates in one body ({} MiB)",
                            shown(pointer),
                            INSTANCE_BYTES >> 20
                        ));
                    }
                    let each = self.minimum(&items, &format!("{pointer}/0"), depth + 1)?;
                    cost = cost.saturating_add(rest.saturating_mul(each.max(1)));
                    self.over(cost, pointer)?;
                }
                Ok(cost)
            }
            "string" => {
                let min = flat.get("minLength").and_then(Value::as_u64).unwrap_or(0);
                if min > MAX_STRING {
                    return Err(format!(
                        "`{}`: minLength {min} is over the {} MiB limit hookctl generates",
                        shown(pointer),
                        MAX_STRING >> 20
                    ));
                }
                let pattern_min = match flat.get("pattern").and_then(Value::as_str) {
                    Some(pattern) => super::text::pattern_minimum(pattern)
                        .map_err(|why| format!("`{}`: pattern {}: {why}", shown(pointer), quoted(pattern)))?,
                    None => 0,
                };
                Ok(NODE_COST + min.max(pattern_min))
            }
            _ => Ok(NODE_COST),
        }
    }

    fn over(&self, cost: u64, pointer: &str) -> Result<(), Problem> {
        if cost > INSTANCE_BYTES {
            return Err(format!(
                "`{}`: its smallest instance is over what hookctl generates in one body ({} MiB)",
                shown(pointer),
                INSTANCE_BYTES >> 20
            ));
        }
        Ok(())
    }
}

/// The least of several costs; the first problem only when none has a cost.
fn cheapest(costs: Vec<Result<u64, Problem>>) -> Result<u64, Problem> {
    let mut first_problem = None;
    let mut best: Option<u64> = None;
    for cost in costs {
        match cost {
            Ok(cost) => best = Some(best.map_or(cost, |b| b.min(cost))),
            Err(problem) => {
                first_problem.get_or_insert(problem);
            }
        }
    }
    match (best, first_problem) {
        (Some(cost), _) => Ok(cost),
        (None, Some(problem)) => Err(problem),
        (None, None) => Ok(NODE_COST),
    }
}

fn quoted(pattern: &str) -> String {
    let cut: String = pattern.chars().take(60).collect();
    format!("{cut:?}")
}

fn text_cost(value: &Value) -> u64 {
    match value {
        Value::String(s) => NODE_COST + s.len() as u64,
        Value::Array(items) => NODE_COST + items.iter().map(text_cost).sum::<u64>(),
        Value::Object(map) => NODE_COST + map.iter().map(|(k, v)| k.len() as u64 + text_cost(v)).sum::<u64>(),
        _ => NODE_COST,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schemas_past_the_budget_say_where_and_why() {
        let cases = [
            (
                json!({"type": "object", "required": ["s"], "properties": {"s": {"type": "string", "minLength": 2_000_000}}}),
                "`/s`: minLength 2000000 is over the 1 MiB limit",
            ),
            (json!({"type": "array", "minItems": 2_000_000}), "minItems 2000000 is over"),
            (json!({"type": "array", "minItems": 1_000_000_000_000_u64}), "minItems 1000000000000 is over"),
            (
                json!({"type": "array", "minItems": 1000, "items": {"type": "array", "minItems": 1000, "items": {"type": "string", "minLength": 100}}}),
                "smallest instance is over",
            ),
            (
                json!({"$defs": {"C": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/C"}}}, "$ref": "#/$defs/C"}),
                "requires itself",
            ),
            (json!({"type": "string", "pattern": "^a{4000000000}$"}), "pattern"),
            (json!({"type": "array", "minItems": 100_000, "uniqueItems": true}), "uniqueItems with minItems 100000"),
            (json!({"type": "string", "pattern": "^((a{1000}){1000}){1000}$"}), "pattern"),
        ];
        for (schema, expected) in cases {
            let problem = check(&schema).unwrap_err();
            assert!(problem.contains(expected), "{schema}: {problem}");
        }
    }

    #[test]
    fn schemas_within_the_budget_pass_and_a_way_out_of_a_cycle_is_found() {
        for schema in [
            json!({"type": "object", "required": ["a"], "properties": {"a": {"type": "string", "minLength": 1000}}}),
            json!({"$defs": {"T": {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/T"}}}}}, "$ref": "#/$defs/T"}),
            json!({"$defs": {"C": {"anyOf": [{"type": "null"}, {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/C"}}]}}, "$ref": "#/$defs/C"}),
            json!({"type": "array", "minItems": 100_000}),
        ] {
            assert!(check(&schema).is_ok(), "{schema}: {:?}", check(&schema));
        }
    }
}
