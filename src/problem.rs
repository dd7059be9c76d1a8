//! What can be wrong with a body, as every command reports it: a schema violation (where, what was
//! expected, what came) and a body that looks like JSON but is not. The bottom floor: capture records,
//! the catalog, schemas, listen and diff all speak of these, and it depends on none of them.
use serde::{Deserialize, Serialize};

/// One schema violation: where, what the schema wants, what came.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Violation {
    pub pointer: String,
    pub expected: String,
    pub found: String,
    pub keyword: String,
}

impl Violation {
    /// The keyword of a key written twice in one object.
    pub const REPEATED_KEY: &'static str = "repeated_key";

    /// A key written twice in one object: parsers differ on which value counts.
    pub fn repeated_key(pointer: &str) -> Violation {
        Violation {
            pointer: pointer.to_string(),
            expected: "each key once".into(),
            found: "the key more than once: hookctl took the last value, some parsers take the first".into(),
            keyword: Self::REPEATED_KEY.into(),
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.pointer.is_empty() { "/" } else { &self.pointer };
        write!(f, "{at}: expected {}, found {}", self.expected, self.found)
    }
}

/// Where and why a body that looks like JSON is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonProblem {
    pub line: usize,
    pub column: usize,
    /// serde_json's message without its trailing position (said once, by `line` and `column`).
    pub message: String,
    /// Context for a well-known breakage (a single-quoted string); providers add what they know of it
    /// (the catalog's `explain`).
    pub note: Option<String>,
    pub single_quoted: bool,
}

impl JsonProblem {
    pub fn new(err: &serde_json::Error, text: &str) -> JsonProblem {
        let full = err.to_string();
        let suffix = format!(" at line {} column {}", err.line(), err.column());
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_string();
        let offending =
            text.lines().nth(err.line().saturating_sub(1)).and_then(|l| l.chars().nth(err.column().saturating_sub(1)));
        let single_quoted = offending == Some('\'');
        let note = single_quoted.then(|| "single-quoted strings are not JSON".to_string());
        JsonProblem { line: err.line(), column: err.column(), message, note, single_quoted }
    }

    /// The keyword of its entry in a record's `errors` list.
    pub const KEYWORD: &'static str = "json";

    /// How a record's `errors` list names it (the wire format keeps one list; the model does not).
    pub fn record_entry(&self) -> Violation {
        Violation {
            pointer: String::new(),
            expected: "valid JSON".into(),
            // The note (single quotes, and what a provider's docs say about them) goes with it, so every
            // reader of the record — `captures show`, the inspector's problem list — says what the terminal did.
            found: match &self.note {
                Some(note) => format!("invalid JSON at {self} ({note})"),
                None => format!("invalid JSON at {self}"),
            },
            keyword: Self::KEYWORD.into(),
        }
    }
}

impl std::fmt::Display for JsonProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {} column {}: {}", self.line, self.column, self.message)
    }
}
