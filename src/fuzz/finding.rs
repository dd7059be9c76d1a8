//! A finding: what failed, its smallest body, and how to send it again — as text, as JSON, and as a
//! fixture file in `--save-failures DIR`.
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde_json::{json, Map, Value};

use super::cases::Body;
use super::judge::{Kind, Request};
use super::settings::{check_name, FuzzCheck};
use crate::headers::Headers;
use crate::output::{sanitize, sanitize_block, Printer};

/// Bodies longer than this are shown cut (the saved fixture keeps them whole).
const SHOWN_CHARS: usize = 4_000;

#[derive(Debug, Clone)]
pub struct Finding {
    pub event: String,
    pub check: FuzzCheck,
    pub kind: Kind,
    pub status: Option<u16>,
    /// What the answer was, in words (`HTTP 500`, `no answer within 2s`).
    pub answer: String,
    /// The start of the answer's body.
    pub answer_body: String,
    /// What the first failing case varied.
    pub case: String,
    /// How many cases failed this way.
    pub cases: usize,
    pub method: String,
    pub body: Body,
    pub headers: Headers,
    /// The body's size before shrinking, and the requests shrinking took.
    pub original_bytes: usize,
    pub shrink_requests: usize,
    /// The finding needs the request sent twice (a duplicate delivery, a replay).
    pub twice: bool,
    /// Signature headers are part of the finding (forged, stale, replayed); else they are made fresh.
    pub keeps_signature: bool,
    pub fixture_name: String,
    pub reproduce: String,
}

impl Finding {
    pub fn body_json(&self) -> Value {
        match &self.body {
            Body::Json(value) => value.clone(),
            Body::Raw(bytes) => Value::String(shown_raw(bytes)),
        }
    }

    /// What makes findings on different events one bug: the check, the kind and the answer (its digits
    /// blurred, so ids and timestamps in it do not tell the same bug apart).
    pub fn group(&self) -> String {
        let status = self.status.map_or_else(|| "-".to_string(), |s| s.to_string());
        format!("{}/{}/{status}/{}", check_name(self.check), self.kind.name(), super::gist(&self.answer_body))
    }

    pub fn to_json(&self) -> Value {
        json!({
            "group": self.group(),
            "check": check_name(self.check),
            "kind": self.kind.name(),
            "event": self.event,
            "status": self.status,
            "answer": self.answer,
            "case": self.case,
            "cases": self.cases,
            "body": self.body_json(),
            "body_bytes": self.body.bytes().len(),
            "original_body_bytes": self.original_bytes,
            "shrink_requests": self.shrink_requests,
            "headers": self.headers.to_json(),
            "reproduce": self.reproduce,
        })
    }

    /// The lines a terminal shows for it, every piece of received or generated text through the sanitiser.
    pub fn to_text(&self, printer: &Printer) -> String {
        let style = printer.out;
        let mut text = format!(
            "  {} {} · {} · {}\n",
            style.bad("✗"),
            check_name(self.check),
            style.bad(self.kind.name()),
            sanitize(&self.answer)
        );
        let more = if self.cases > 1 { format!(" ({} cases failed this way)", self.cases) } else { String::new() };
        text.push_str(&format!("    case: {}{more}\n", sanitize(&self.case)));
        let size = self.body.bytes().len();
        if self.shrink_requests > 0 && size < self.original_bytes {
            text.push_str(&format!(
                "    shrunk from {} to {} bytes in {} requests\n",
                crate::output::thousands(self.original_bytes as u64),
                crate::output::thousands(size as u64),
                self.shrink_requests
            ));
        }
        if !self.answer_body.trim().is_empty() {
            text.push_str(&format!(
                "    answer: {}\n",
                sanitize(&crate::output::truncate(self.answer_body.trim(), 200))
            ));
        }
        let shown = match &self.body {
            Body::Json(value) => crate::output::pretty_json(value, false),
            Body::Raw(bytes) => shown_raw(bytes),
        };
        let shown = crate::output::truncate(&shown, SHOWN_CHARS);
        for line in sanitize_block(&shown).lines() {
            text.push_str(&format!("      {line}\n"));
        }
        text.push_str(&format!("    reproduce: {}\n", sanitize(&self.reproduce)));
        text
    }

    /// The request it is (for `--fixtures DIR send NAME`): the fixture file's JSON.
    pub fn fixture_file(&self) -> Value {
        let mut file = Map::new();
        file.insert("name".into(), json!(self.fixture_name));
        file.insert(
            "description".into(),
            json!(format!(
                "hookctl fuzz finding: {} {} on {} ({})",
                check_name(self.check),
                self.kind.name(),
                self.event,
                self.case
            )),
        );
        file.insert("method".into(), json!(self.method));
        let headers: Map<String, Value> =
            self.headers.iter().map(|(n, v)| (n.clone(), Value::String(v.clone()))).collect();
        file.insert("headers".into(), Value::Object(headers));
        match &self.body {
            Body::Json(value) => {
                file.insert("body".into(), value.clone());
            }
            Body::Raw(bytes) => {
                file.insert("raw_body".into(), json!(String::from_utf8_lossy(bytes)));
            }
        }
        Value::Object(file)
    }
}

/// Raw bytes as text for a report: lossy UTF-8, cut when long.
fn shown_raw(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "(empty body)".into();
    }
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(SHOWN_CHARS)]).into_owned();
    if bytes.len() > SHOWN_CHARS {
        format!("{text}… ({} bytes in all)", crate::output::thousands(bytes.len() as u64))
    } else {
        text
    }
}

/// The fixture name a finding is saved under: `<event>.fuzz-<check>-<kind>`.
pub fn fixture_name(event: &str, check: FuzzCheck, kind: Kind) -> String {
    format!("{event}.fuzz-{}-{}", check_name(check), kind.name())
}

/// The command that sends the finding again.
pub fn reproduce(dir: &Path, name: &str, url: &str, twice: bool, signing: Option<&str>) -> String {
    let dir = crate::shell::quote(&dir.display().to_string());
    let mut command =
        format!("hookctl --fixtures {dir} send {} --to {}", crate::shell::quote(name), crate::shell::quote(url));
    if let Some(signing) = signing {
        command.push(' ');
        command.push_str(signing);
    }
    if twice {
        command.push_str(" --duplicate 2");
    }
    command
}

/// Writes each finding's fixture into `dir` (created); returns the files written.
pub fn save(dir: &Path, findings: &[Finding]) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create --save-failures {}", dir.display()))?;
    let mut written = Vec::new();
    for finding in findings {
        // Named by the one fixture-name rule, and written inside DIR only (never through a link).
        crate::catalog::check_fixture_name(&finding.fixture_name)
            .map_err(|why| crate::error::UserError::new(format!("finding not saved: {}", sanitize(&why))))?;
        let file_name = format!("{}.json", finding.fixture_name);
        let text = serde_json::to_string_pretty(&finding.fixture_file())? + "\n";
        crate::files::write_inside(dir, &file_name, text.as_bytes())?;
        written.push(dir.join(file_name));
    }
    Ok(written)
}

/// The headers a saved request keeps: all of them for a signature finding, none of the signature
/// headers otherwise (the reproduce command signs afresh).
pub fn saved_headers(request: &Request, keep_signature: bool) -> Headers {
    let mut headers = request.headers.clone();
    if !keep_signature {
        for name in crate::signing::SIGNATURE_HEADERS {
            headers.remove(name);
        }
    }
    headers
}
