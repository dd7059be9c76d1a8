//! YAML read into JSON values (yaml-rust2: pure Rust, maintained; anchors and aliases resolved by its
//! loader). Mapping keys become strings (`200:` is `"200"`), as OpenAPI means them.
//!
//! Before any tree is built, one pass over the parser's events measures the document: how deep it nests
//! and how many nodes it holds once every alias is expanded (an alias is a copy of its anchor's node). A
//! document past [`MAX_DEPTH`] levels or past a node budget proportional to its size is refused in one
//! line: an alias bomb of a few hundred bytes never becomes gigabytes, and a 100,000-level nesting never
//! becomes a tree that overflows the stack.
use std::collections::HashMap;

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;
use yaml_rust2::{Yaml, YamlLoader};

/// The deepest nesting read.
pub const MAX_DEPTH: usize = 256;

/// The most nodes a document may hold with its aliases expanded: 10 per byte of text, and never fewer
/// than 200,000 (a real description with anchors stays far under).
fn node_budget(text: &str) -> u64 {
    (text.len() as u64).saturating_mul(10).max(200_000)
}

/// The first document's size and depth, measured on the parser's events.
struct Measure {
    /// Open collections: their anchor id (0: none) and their expanded size so far.
    open: Vec<(usize, u64)>,
    /// Each anchor's expanded size.
    anchors: HashMap<usize, u64>,
    total: u64,
    budget: u64,
    documents: usize,
    problem: Option<String>,
}

impl Measure {
    fn add(&mut self, nodes: u64) {
        let size = match self.open.last_mut() {
            Some((_, size)) => {
                *size = size.saturating_add(nodes);
                *size
            }
            None => {
                self.total = self.total.saturating_add(nodes);
                self.total
            }
        };
        if size > self.budget && self.problem.is_none() {
            self.problem =
                Some(format!("the YAML expands aliases past {} nodes (an alias bomb?): not read further", self.budget));
        }
    }
}

impl MarkedEventReceiver for Measure {
    fn on_event(&mut self, event: Event, _mark: Marker) {
        // Only the first document is read, and nothing after a problem.
        if self.problem.is_some() || self.documents > 1 {
            return;
        }
        match event {
            Event::DocumentStart => self.documents += 1,
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                self.open.push((anchor, 1));
                if self.open.len() > MAX_DEPTH {
                    self.problem = Some(format!("the YAML nests more than {MAX_DEPTH} levels deep"));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, size)) = self.open.pop() {
                    if anchor > 0 {
                        self.anchors.insert(anchor, size);
                    }
                    self.add(size);
                }
            }
            Event::Scalar(_, _, anchor, _) => {
                if anchor > 0 {
                    self.anchors.insert(anchor, 1);
                }
                self.add(1);
            }
            Event::Alias(anchor) => {
                let size = self.anchors.get(&anchor).copied().unwrap_or(1);
                self.add(size);
            }
            _ => {}
        }
    }
}

/// Refuses a document that nests too deep or expands past its node budget, before a tree is built.
fn measure(text: &str) -> Result<(), String> {
    let mut measure = Measure {
        open: Vec::new(),
        anchors: HashMap::new(),
        total: 0,
        budget: node_budget(text),
        documents: 0,
        problem: None,
    };
    // Event by event (the parser's own `load` recurses once per level).
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, mark) = parser.next_token().map_err(|e| {
            let at = e.marker();
            format!("not YAML: {} at line {}, column {}", e.info(), at.line(), at.col() + 1)
        })?;
        let end = event == Event::StreamEnd;
        measure.on_event(event, mark);
        if let Some(problem) = measure.problem.take() {
            return Err(problem);
        }
        if end || measure.documents > 1 {
            return Ok(());
        }
    }
}

/// The first document of a YAML text, as JSON.
pub fn parse(text: &str) -> Result<Value, String> {
    measure(text)?;
    let documents = YamlLoader::load_from_str(text).map_err(|e| {
        let at = e.marker();
        format!("not YAML: {} at line {}, column {}", e.info(), at.line(), at.col() + 1)
    })?;
    let first = documents.into_iter().next().ok_or("the YAML file holds no document")?;
    to_json(first, 0)
}

fn to_json(node: Yaml, depth: usize) -> Result<Value, String> {
    if depth > 256 {
        return Err("the YAML nests more than 256 levels deep".into());
    }
    Ok(match node {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Integer(i) => Value::from(i),
        Yaml::Real(text) => match text.parse::<f64>().ok().and_then(Number::from_f64) {
            Some(n) => Value::Number(n),
            None => Value::String(text),
        },
        Yaml::String(s) => Value::String(s),
        Yaml::Array(items) => Value::Array(items.into_iter().map(|i| to_json(i, depth + 1)).collect::<Result<_, _>>()?),
        Yaml::Hash(map) => {
            let mut object = Map::new();
            for (key, value) in map {
                object.insert(key_text(&key)?, to_json(value, depth + 1)?);
            }
            Value::Object(object)
        }
        Yaml::Alias(_) | Yaml::BadValue => return Err("the YAML has an alias to an anchor it does not define".into()),
    })
}

fn key_text(key: &Yaml) -> Result<String, String> {
    Ok(match key {
        Yaml::String(s) | Yaml::Real(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        Yaml::Null => "null".into(),
        _ => return Err("a YAML mapping key is a list or a mapping: OpenAPI keys are strings".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn openapi_yaml_reads_as_json() {
        let text = "openapi: 3.1.0\nresponses:\n  200:\n    description: OK\nbase: &b {type: string}\nuse: *b\nn: 1.5\nflag: yes\n";
        let value = parse(text).unwrap();
        assert_eq!(value["responses"]["200"]["description"], "OK");
        assert_eq!(value["use"], json!({"type": "string"}));
        assert_eq!(value["n"], 1.5);
        assert_eq!(value["openapi"], "3.1.0");
    }

    #[test]
    fn alias_bombs_and_deep_nesting_are_refused_before_a_tree_is_built() {
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..9 {
            let refs = vec![format!("*a{}", level - 1); 10].join(", ");
            bomb.push_str(&format!("a{level}: &a{level} [{refs}]\n"));
        }
        let started = std::time::Instant::now();
        let error = parse(&bomb).unwrap_err();
        assert!(error.contains("expands aliases past"), "{error}");
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        let deep = "- ".repeat(100_000) + "x\n";
        assert!(parse(&deep).unwrap_err().contains("more than 256 levels"));
        let fine = "a: &a {type: string}\nb: *a\nc: [*a, *a]\n";
        assert_eq!(parse(fine).unwrap()["c"][1]["type"], "string");
    }

    #[test]
    fn broken_yaml_says_where() {
        let error = parse("a: [1, 2\nb: c").unwrap_err();
        assert!(error.contains("line"), "{error}");
    }
}
