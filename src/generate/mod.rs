//! Instances from a JSON Schema: random ones on proptest's strategies (with its shrinking), one typical
//! instance (for fixtures made from a schema), and the edge cases a receiver's tests usually lack (each
//! optional property absent, `null` where allowed, every enum value, boundary numbers, empty / long /
//! non-ASCII strings, empty and long arrays, extra keys, each `anyOf`/`oneOf` branch).
//!
//! The generator aims at valid instances; the jsonschema crate stays the judge ([`Generator::is_valid`]),
//! and callers drop what it refuses. `fuzz` and `import` share it.
pub mod budget;
pub mod edges;
pub mod resolve;
pub mod shrink;
pub mod text;

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Just, Union};
use serde_json::{Map, Number, Value};

use budget::Room;
use resolve::{branches, count, flatten, number, required, types};

/// How deep optional properties and array items go before only what is required is generated.
const OPTIONAL_DEPTH: usize = 6;
/// Past this depth (a schema that requires itself) generation stops with `null`.
const HARD_DEPTH: usize = 24;
/// Strategy nodes one build makes before the rest is built as if deep (required parts only, one branch): a
/// recursive schema with alternatives at every level stays linear, not 2^depth.
const BUILD_NODES: usize = 20_000;

/// Numbers at the edges of what receivers store: 32-bit and 53-bit limits.
pub const BOUNDARY_INTEGERS: [i64; 11] =
    [0, 1, -1, i32::MAX as i64, 1 << 31, i32::MIN as i64, -(1 << 31) - 1, 1 << 32, (1 << 53) - 1, 1 << 53, -(1 << 53)];

/// A schema to generate from, with the validator that judges what comes out.
pub struct Generator {
    root: Value,
    validator: Option<jsonschema::Validator>,
    /// Why the schema's smallest instance cannot be generated within [`budget::INSTANCE_BYTES`], if so:
    /// nothing is generated then.
    problem: Option<budget::Problem>,
    /// Validators of `anyOf`/`oneOf` branches (with the root's definitions), compiled once each.
    branches: std::cell::RefCell<std::collections::HashMap<String, Option<jsonschema::Validator>>>,
    /// What the typical instance being made may still cost: past it, only what is required is added.
    typical_left: std::cell::Cell<u64>,
    /// Strategy nodes made by the build under way (see [`BUILD_NODES`]).
    built: std::cell::Cell<usize>,
}

impl Generator {
    pub fn new(schema: &Value) -> Generator {
        let validator = jsonschema::options().should_validate_formats(true).build(schema).ok();
        let problem = budget::check(schema).err();
        Generator {
            root: schema.clone(),
            validator,
            problem,
            branches: Default::default(),
            typical_left: Default::default(),
            built: Default::default(),
        }
    }

    /// Why nothing can be generated from this schema (said once by the caller), if so.
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    /// Whether `value` follows one branch of a node, its `$ref`s resolved against the root.
    pub(crate) fn fits_branch(&self, branch: &Value, value: &Value) -> bool {
        let key = branch.to_string();
        let mut cache = self.branches.borrow_mut();
        let validator = cache.entry(key).or_insert_with(|| {
            let mut doc = self.root.clone();
            let map = doc.as_object_mut()?;
            map.retain(|k, _| matches!(k.as_str(), "$defs" | "definitions" | "components" | "$schema"));
            if let Value::Object(branch) = branch {
                for (k, v) in branch {
                    map.insert(k.clone(), v.clone());
                }
            }
            jsonschema::options().build(&doc).ok()
        });
        validator.as_ref().is_some_and(|v| v.is_valid(value))
    }

    pub fn schema(&self) -> &Value {
        &self.root
    }

    /// The jsonschema crate's verdict (formats checked, as `listen` checks them).
    pub fn is_valid(&self, instance: &Value) -> bool {
        self.validator.as_ref().is_none_or(|v| v.is_valid(instance))
    }

    /// The jsonschema crate's first few complaints, worded as `diff` words them.
    pub fn errors(&self, instance: &Value) -> Vec<String> {
        match &self.validator {
            Some(v) => v.iter_errors(instance).take(5).map(|e| format!("{}: {e}", pointer_or_root(&e))).collect(),
            None => Vec::new(),
        }
    }

    /// Random instances of the whole schema, each within [`budget::INSTANCE_BYTES`] (only `null`, which no
    /// such schema takes, when it has a [`Generator::problem`]).
    pub fn strategy(&self) -> BoxedStrategy<Value> {
        if self.problem.is_some() {
            return Just(Value::Null).boxed();
        }
        self.build(&self.root.clone(), Room::whole())
    }

    /// The strategy for one node of the schema, built afresh (its own [`BUILD_NODES`] allowance).
    pub(crate) fn build(&self, schema: &Value, room: Room) -> BoxedStrategy<Value> {
        self.built.set(0);
        self.node(schema, 0, room)
    }

    fn node(&self, schema: &Value, depth: usize, room: Room) -> BoxedStrategy<Value> {
        if depth > HARD_DEPTH {
            return Just(Value::Null).boxed();
        }
        self.built.set(self.built.get() + 1);
        let depth = if self.built.get() > BUILD_NODES { depth.max(OPTIONAL_DEPTH) } else { depth };
        match schema {
            Value::Bool(true) => return small_json().boxed(),
            Value::Bool(_) => return Just(Value::Null).boxed(),
            _ => {}
        }
        let flat = flatten(&self.root, schema).into_owned();
        if let Some(value) = flat.get("const") {
            return Just(value.clone()).boxed();
        }
        if let Some(Value::Array(values)) = flat.get("enum") {
            if !values.is_empty() {
                return proptest::sample::select(values.clone()).boxed();
            }
        }
        if let Some(list) = branches(&flat) {
            // Only the branches something can be made for within this node's room (one that requires itself
            // forever, or an array of a thousand items inside an item of such an array, is left out); when none
            // fits, the cheapest.
            let costs: Vec<u64> = list.iter().map(|b| budget::minimum_of(&self.root, b)).collect();
            let mut makeable: Vec<&Value> =
                list.iter().zip(&costs).filter(|(_, cost)| **cost <= room.0).map(|(b, _)| b).collect();
            if makeable.is_empty() || depth >= OPTIONAL_DEPTH {
                // Deep down, or nothing fits: the cheapest branch alone (a branch at every level of a
                // recursive schema would make the strategy 2^depth nodes).
                let cheapest = costs.iter().enumerate().min_by_key(|(_, cost)| **cost).map_or(0, |(i, _)| i);
                makeable = list.iter().skip(cheapest).take(1).collect();
            }
            return Union::new(makeable.into_iter().map(|b| self.node(b, depth + 1, room))).boxed();
        }
        let kinds = types(&flat);
        let strategies: Vec<BoxedStrategy<Value>> =
            kinds.iter().map(|kind| self.of_type(&flat, kind, depth, room)).collect();
        match strategies.len() {
            0 => Just(Value::Null).boxed(),
            1 => strategies.into_iter().next().expect("one"),
            _ => Union::new(strategies).boxed(),
        }
    }

    fn of_type(&self, schema: &Value, kind: &str, depth: usize, room: Room) -> BoxedStrategy<Value> {
        match kind {
            "object" => self.object(schema, depth, room),
            "array" => self.array(schema, depth, room),
            "string" => self.string(schema, depth, room),
            "integer" => integer(schema).prop_map(Value::from).boxed(),
            "number" => prop_oneof![
                3 => integer(schema).prop_map(Value::from),
                1 => float(schema),
            ]
            .boxed(),
            "boolean" => any::<bool>().prop_map(Value::Bool).boxed(),
            _ => Just(Value::Null).boxed(),
        }
    }

    fn object(&self, schema: &Value, depth: usize, room: Room) -> BoxedStrategy<Value> {
        let required = required(schema);
        let empty = Map::new();
        let properties = schema.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        // Each property's share of the room: the body stays within the budget however wide the object.
        let room = room.split(properties.len() as u64 + 2);
        let mut parts: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
        for (name, sub) in properties {
            let key = name.clone();
            if required.contains(name) {
                parts.push(self.node(sub, depth + 1, room).prop_map(move |v| Some((key.clone(), v))).boxed());
            } else if depth < OPTIONAL_DEPTH && budget::minimum_of(&self.root, sub) <= room.0 {
                // An optional property nothing can be generated for (a look-ahead pattern, a huge minimum) is
                // left out, not tried and refused over and over.
                let value = self.node(sub, depth + 1, room);
                parts.push(
                    proptest::option::weighted(0.6, value).prop_map(move |v| v.map(|v| (key.clone(), v))).boxed(),
                );
            }
        }
        let extra_schema = match schema.get("additionalProperties") {
            Some(s @ Value::Object(_)) => Some(s.clone()),
            _ => None,
        };
        for name in required.iter().filter(|n| !properties.contains_key(*n)) {
            let key = name.clone();
            let value = extra_schema.as_ref().map_or_else(|| small_json().boxed(), |s| self.node(s, depth + 1, room));
            parts.push(value.prop_map(move |v| Some((key.clone(), v))).boxed());
        }
        if resolve::allows_extra_keys(schema) && depth < OPTIONAL_DEPTH {
            let taken: Vec<String> = properties.keys().cloned().collect();
            let value = extra_schema.as_ref().map_or_else(|| small_json().boxed(), |s| self.node(s, depth + 1, room));
            let extra = ("x_[a-z]{1,8}", value)
                .prop_filter("an undeclared key", move |(k, _)| !taken.contains(k))
                .prop_map(Some);
            parts.push(proptest::option::weighted(0.15, extra).prop_map(Option::flatten).boxed());
        }
        parts.prop_map(|entries| Value::Object(entries.into_iter().flatten().collect())).boxed()
    }

    fn array(&self, schema: &Value, depth: usize, room: Room) -> BoxedStrategy<Value> {
        let min = count(schema, "minItems").unwrap_or(0);
        let max = count(schema, "maxItems");
        let prefix: Vec<Value> = schema.get("prefixItems").and_then(Value::as_array).cloned().unwrap_or_default();
        let items = schema.get("items").cloned().unwrap_or(Value::Bool(true));
        // As many items as the room holds at their smallest, each with its share of the room; none when no
        // item can be made within the budget (an item that requires itself).
        let each = budget::minimum_of(&self.root, &items).max(budget::NODE_COST);
        let makeable = budget::fits(&self.root, &items);
        if !makeable && min > 0 {
            // No item can be made, and some are required: nothing valid comes of this node.
            return Just(Value::Null).boxed();
        }
        let fits = |wanted: usize| if makeable { (room.fits(each, wanted as u64) as usize).max(min) } else { min };
        let deep = depth >= OPTIONAL_DEPTH;
        let small_max = if deep { min } else { min + 4 };
        let small_max = fits(max.map_or(small_max, |m| small_max.min(m)).max(min));
        let long_max = fits(max.map_or(min + 120, |m| m.min(min + 120)).max(min));
        let item_room = room.split(long_max.max(1) as u64);
        let item = if items == Value::Bool(false) {
            Just(Value::Null).boxed()
        } else {
            self.node(&items, depth + 1, item_room)
        };
        let small = proptest::collection::vec(item.clone(), min..=small_max);
        let sizes = if long_max > small_max && !deep {
            Union::new_weighted(vec![
                (9, small.boxed()),
                (1, proptest::collection::vec(item, small_max..=long_max).boxed()),
            ])
            .boxed()
        } else {
            small.boxed()
        };
        let prefix: Vec<BoxedStrategy<Value>> = prefix.iter().map(|s| self.node(s, depth + 1, item_room)).collect();
        let unique = schema.get("uniqueItems") == Some(&Value::Bool(true));
        (prefix, sizes)
            .prop_map(move |(mut head, tail)| {
                head.extend(tail);
                if unique {
                    let mut seen = std::collections::HashSet::new();
                    head.retain(|v| seen.insert(v.to_string()));
                }
                Value::Array(head)
            })
            .boxed()
    }

    fn string(&self, schema: &Value, depth: usize, room: Room) -> BoxedStrategy<Value> {
        let min = count(schema, "minLength").unwrap_or(0);
        // Never longer than the room (but as long as the schema requires).
        let room_chars = usize::try_from(room.0).unwrap_or(usize::MAX).max(min);
        let max = Some(count(schema, "maxLength").map_or(room_chars, |m| m.min(room_chars)));
        let is_json = schema.get("contentMediaType").and_then(Value::as_str).is_some_and(is_json_media_type);
        if is_json {
            let inner = match schema.get("contentSchema") {
                Some(content) => self.node(content, depth + 1, room),
                None => json_object().boxed(),
            };
            return inner.prop_map(|v| Value::String(v.to_string())).boxed();
        }
        let format = schema.get("format").and_then(Value::as_str);
        let from_format = format.and_then(text::format);
        let check = leaf_check(schema);
        let strategy = match (schema.get("pattern").and_then(Value::as_str), from_format) {
            // Both: the format's values, kept when they match the pattern (a date-time pattern, say).
            (Some(_), Some(formatted)) => formatted,
            (Some(p), None) => text::pattern(p).unwrap_or_else(|| text::plain(min, max)),
            (None, Some(formatted)) => formatted,
            (None, None) => text::plain(min, max),
        };
        match check {
            Some(check) => strategy.prop_filter("matches the string's own schema", move |s| check(s)).boxed(),
            None => strategy,
        }
        .prop_map(Value::String)
        .boxed()
    }

    /// One instance with typical values, the same every time: the schema's own examples and defaults where it
    /// gives valid ones, else every property filled with a value that honours its format and pattern.
    pub fn typical(&self) -> Value {
        if self.problem.is_some() {
            return Value::Null;
        }
        self.typical_left.set(budget::INSTANCE_BYTES);
        let value = edges::typical(self, &self.root, 0);
        if self.is_valid(&value) {
            return value;
        }
        // Constraints typical values missed (a oneOf both branches fit, a uniqueItems, a minProperties): the
        // first valid instance of a fixed-seed run.
        let strategy = self.strategy();
        let mut runner = proptest::test_runner::TestRunner::new_with_rng(
            budget::runner_config(),
            proptest::test_runner::TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha),
        );
        let started = std::time::Instant::now();
        for _ in 0..256 {
            // Bounded in time too: each try may be a large body.
            if started.elapsed() > std::time::Duration::from_millis(500) {
                break;
            }
            if let Ok(tree) = strategy.new_tree(&mut runner) {
                let candidate = proptest::strategy::ValueTree::current(&tree);
                if self.is_valid(&candidate) {
                    return candidate;
                }
            }
        }
        value
    }

    pub(crate) fn root(&self) -> &Value {
        &self.root
    }

    /// Makes one of `n` copies with a 1/n share of the typical instance's budget, then spends it n times
    /// (an array of `n` copies of one item costs n items).
    pub(crate) fn typical_copies(&self, n: usize, make: impl FnOnce() -> Value) -> Value {
        let n = n.max(1) as u64;
        let left = self.typical_left.get();
        let share = left / n;
        self.typical_left.set(share);
        let one = make();
        let spent = share.saturating_sub(self.typical_left.get()).max(budget::NODE_COST);
        self.typical_left.set(left.saturating_sub(spent.saturating_mul(n)));
        one
    }

    /// `make` with a typical-instance budget of its own (an edge case's replacement value).
    pub(crate) fn with_fresh_typical(&self, make: impl FnOnce() -> Value) -> Value {
        let saved = self.typical_left.replace(budget::INSTANCE_BYTES / 4);
        let value = make();
        self.typical_left.set(saved);
        value
    }

    /// Whether something whose smallest instance is `schema`'s still fits the typical instance's budget.
    pub(crate) fn typical_affords(&self, schema: &Value, copies: usize) -> bool {
        let each = budget::minimum_of(&self.root, schema);
        budget::fits(&self.root, schema) && each.saturating_mul(copies.max(1) as u64) <= self.typical_left.get()
    }

    /// Spends `cost` of the typical instance's budget; whether any was left to spend.
    pub(crate) fn spend_typical(&self, cost: u64) -> bool {
        let left = self.typical_left.get();
        self.typical_left.set(left.saturating_sub(cost));
        left > 0
    }
}

fn pointer_or_root(error: &jsonschema::ValidationError<'_>) -> String {
    let pointer = error.instance_path().to_string();
    if pointer.is_empty() {
        "(root)".into()
    } else {
        pointer
    }
}

pub fn is_json_media_type(media: &str) -> bool {
    let media = media.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    media == "application/json" || media.ends_with("+json")
}

/// Whether a generated string fits its node.
type StringCheck = Box<dyn Fn(&String) -> bool + Send + Sync>;

/// A check of one string against its node's own keywords (pattern, lengths, format), when it has any.
fn leaf_check(schema: &Value) -> Option<StringCheck> {
    let mut own = Map::new();
    for key in ["pattern", "minLength", "maxLength", "format"] {
        if let Some(v) = schema.get(key) {
            own.insert(key.into(), v.clone());
        }
    }
    if own.is_empty() {
        return None;
    }
    own.insert("type".into(), Value::String("string".into()));
    let validator = jsonschema::options().should_validate_formats(true).build(&Value::Object(own)).ok()?;
    Some(Box::new(move |s: &String| validator.is_valid(&Value::String(s.clone()))))
}

/// Bounds of an integer node as i64, and its `multipleOf`.
pub fn integer_bounds(schema: &Value) -> (i64, i64, Option<i64>) {
    const LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53: past it JSON numbers lose precision in most parsers
    let mut lo = -LIMIT;
    let mut hi = LIMIT;
    if let Some(m) = number(schema, "minimum") {
        lo = lo.max(m.ceil());
    }
    if let Some(m) = number(schema, "exclusiveMinimum") {
        lo = lo.max(m.floor() + 1.0);
    }
    if let Some(m) = number(schema, "maximum") {
        hi = hi.min(m.floor());
    }
    if let Some(m) = number(schema, "exclusiveMaximum") {
        hi = hi.min(m.ceil() - 1.0);
    }
    let multiple = number(schema, "multipleOf").filter(|m| *m >= 1.0 && m.fract() == 0.0).map(|m| m as i64);
    (lo as i64, hi.max(lo) as i64, multiple)
}

fn round_to(n: i64, multiple: Option<i64>, lo: i64, hi: i64) -> i64 {
    match multiple {
        Some(m) if m > 0 => {
            let r = n - n.rem_euclid(m);
            if r < lo {
                r + m
            } else if r > hi {
                r - m
            } else {
                r
            }
        }
        _ => n,
    }
}

/// Integers in range: small ones (what shrinking moves toward), the 32/53-bit boundaries and the schema's
/// own limits, and any value in range.
fn integer(schema: &Value) -> BoxedStrategy<i64> {
    let (lo, hi, multiple) = integer_bounds(schema);
    let edges = integer_edges(schema);
    let small_lo = lo.max(-100).min(hi);
    let small_hi = hi.min(1000).max(small_lo);
    Union::new_weighted(vec![
        (4, (small_lo..=small_hi).boxed()),
        (2, proptest::sample::select(edges).boxed()),
        (3, (lo..=hi).boxed()),
    ])
    .prop_map(move |n| round_to(n, multiple, lo, hi))
    .boxed()
}

/// The boundary integers a node allows, its own minimum and maximum included.
pub fn integer_edges(schema: &Value) -> Vec<i64> {
    let (lo, hi, multiple) = integer_bounds(schema);
    let mut edges: Vec<i64> = BOUNDARY_INTEGERS.iter().copied().chain([lo, hi, lo.saturating_add(1), hi - 1]).collect();
    edges.retain(|n| (lo..=hi).contains(n) && multiple.is_none_or(|m| n % m == 0));
    edges.sort_unstable();
    edges.dedup();
    if edges.is_empty() {
        edges.push(round_to(lo, multiple, lo, hi));
    }
    edges
}

fn float(schema: &Value) -> BoxedStrategy<Value> {
    let lo = number(schema, "minimum").or(number(schema, "exclusiveMinimum")).unwrap_or(-1e9);
    let hi = number(schema, "maximum").or(number(schema, "exclusiveMaximum")).unwrap_or(1e9).max(lo);
    let exclusive = schema.get("exclusiveMinimum").is_some() || schema.get("exclusiveMaximum").is_some();
    let samples = [0.5, 0.1, 1e-7, 3.25, 1234.5678, 1.5e10, -0.5];
    let in_range = move |x: &f64| *x >= lo && *x <= hi && !(exclusive && (*x == lo || *x == hi));
    prop_oneof![proptest::sample::select(samples.to_vec()), (lo..=hi).prop_map(|x| (x * 1000.0).round() / 1000.0),]
        .prop_filter("in range", in_range)
        .prop_map(|x| Number::from_f64(x).map_or(Value::Null, Value::Number))
        .boxed()
}

/// Any small JSON value: what an unconstrained node or an extra key holds.
pub fn small_json() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[a-z]{0,8}".prop_map(Value::String),
        (-1000i64..1000).prop_map(Value::from),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ]
}

/// A small JSON object (the text of an untyped `contentMediaType: application/json` string).
fn json_object() -> impl Strategy<Value = Value> {
    proptest::collection::btree_map("[a-z]{1,8}", small_json(), 0..4)
        .prop_map(|map| Value::Object(map.into_iter().collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use serde_json::json;

    fn samples(schema: &Value, n: usize) -> Vec<Value> {
        let generator = Generator::new(schema);
        let strategy = generator.strategy();
        let mut runner = TestRunner::deterministic();
        (0..n).map(|_| strategy.new_tree(&mut runner).unwrap().current()).collect()
    }

    #[test]
    fn generated_instances_are_valid_for_mixed_keywords() {
        let schema = json!({
            "type": "object",
            "required": ["id", "when", "kind", "n"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "when": {"type": "string", "format": "date-time", "pattern": "Z$"},
                "kind": {"enum": ["a", "b"]},
                "n": {"type": "integer", "minimum": 5, "maximum": 9},
                "tags": {"type": "array", "items": {"type": "string", "maxLength": 3}, "maxItems": 2, "uniqueItems": true},
                "config": {"type": "string", "contentMediaType": "application/json"},
                "either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                "maybe": {"type": ["number", "null"], "exclusiveMinimum": 0}
            },
            "additionalProperties": false
        });
        let generator = Generator::new(&schema);
        for value in samples(&schema, 500) {
            assert!(generator.is_valid(&value), "{value}: {:?}", generator.errors(&value));
            let config = value.get("config").and_then(Value::as_str);
            assert!(config.is_none_or(|c| serde_json::from_str::<Value>(c).is_ok()));
        }
    }

    #[test]
    fn typical_instance_is_valid_and_fills_optional_properties() {
        let schema = json!({
            "type": "object",
            "properties": {"a": {"type": "string", "pattern": "^[0-9]{3}$"}, "b": {"type": "integer", "minimum": 10}}
        });
        let generator = Generator::new(&schema);
        let typical = generator.typical();
        assert!(generator.is_valid(&typical));
        assert_eq!(typical["b"], 10);
        assert_eq!(typical["a"].as_str().map(str::len), Some(3));
        assert_eq!(generator.typical(), typical, "the same every time");
    }

    #[test]
    fn integer_edges_stay_in_range() {
        let edges = integer_edges(&json!({"type": "integer", "minimum": 0, "maximum": 4294967296_i64}));
        assert!(edges.contains(&(1 << 31)) && edges.contains(&0) && !edges.contains(&-1));
    }
}

/// The generated-validity property over the built-in catalog: every body generated from an event's schema is
/// one that schema accepts. `cargo test` runs 100,000 bodies in all (6,250 per event); HOOKCTL_GENERATE_CASES
/// raises the count per event.
#[cfg(test)]
mod catalog_property {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

    #[test]
    fn every_generated_body_of_every_built_in_event_is_valid() {
        let per_event: usize =
            std::env::var("HOOKCTL_GENERATE_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(6_250);
        let catalog = crate::catalog::Catalog::builtin();
        let fixtures: Vec<&crate::catalog::Fixture> = catalog.iter().collect();
        assert_eq!(fixtures.len(), 16);
        // The events split over the machine's cores: each thread builds its own generators.
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(8);
        let bodies: usize = std::thread::scope(|scope| {
            let handles: Vec<_> = fixtures
                .chunks(fixtures.len().div_ceil(threads))
                .map(|chunk| scope.spawn(move || chunk.iter().map(|f| check_event(f, per_event)).sum::<usize>()))
                .collect();
            handles.into_iter().map(|h| h.join().expect("a checking thread")).sum()
        });
        assert!(bodies >= 16 * per_event, "{bodies}");
    }

    /// `per_event` random bodies, the typical body and every edge case of one event, each validated.
    fn check_event(fixture: &crate::catalog::Fixture, per_event: usize) -> usize {
        let schema = fixture.schema.as_ref().expect("every built-in event has a schema");
        let generator = Generator::new(schema);
        let strategy = generator.strategy();
        let seed = [fixture.name.len() as u8; 32];
        let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
        for _ in 0..per_event {
            let body = strategy.new_tree(&mut runner).expect("a body").current();
            assert!(generator.is_valid(&body), "{}: {body}\n{:?}", fixture.name, generator.errors(&body));
        }
        let typical = generator.typical();
        assert!(generator.is_valid(&typical), "{}: typical {typical}", fixture.name);
        for edge in edges::around(&generator, &typical, usize::MAX) {
            assert!(generator.is_valid(&edge.value), "{}: {}", fixture.name, edge.label);
        }
        per_event
    }
}
