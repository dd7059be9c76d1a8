//! What `listen` finds in a request: body kind, provider event, schema verdict, signature.
pub mod show;

use std::time::Duration;

use serde_json::Value;

use crate::capture::{self, Arrived, BodyKind, Findings};
use crate::catalog::Catalog;
use crate::schema::{self, SchemaSet};
use crate::signing::Scheme;
use crate::signing::{self, Check, Secret};

/// Everything needed to examine requests, built once at start-up.
pub struct Examiner {
    pub catalog: Catalog,
    pub schemas: SchemaSet,
    pub signing: Option<(Scheme, Secret)>,
    /// Without `--scheme`: the secret read for each scheme, so that each request is checked under the scheme
    /// whose signature header it carries (else the one in `signing`). Empty when `--scheme` named one.
    pub by_header: Vec<(Scheme, Secret)>,
    pub tolerance: Duration,
}

/// A request with what was found in it.
pub struct Examined {
    pub kind: BodyKind,
    pub findings: Findings,
    pub signature: Option<Check>,
    /// For an unrecognised JSON body: the event it comes closest to, and why.
    pub hint: Option<String>,
}

impl Examiner {
    /// An examiner over the built-in catalog, checking signatures with `signing` (property tests, fuzzing).
    pub fn builtin(signing: Option<(Scheme, Secret)>) -> Examiner {
        let catalog = Catalog::builtin();
        let (schemas, _) = SchemaSet::compile(&catalog);
        Examiner { catalog, schemas, signing, by_header: Vec::new(), tolerance: signing::DEFAULT_TOLERANCE }
    }

    pub fn examine(&self, arrived: &Arrived) -> Examined {
        let (mut kind, repeated) = capture::classify_checked(&arrived.body);
        if let BodyKind::Text { json_error: Some(problem), .. } = &mut kind {
            self.catalog.explain(problem);
        }
        let mut findings = Findings::default();
        let mut signature = None;
        match &kind {
            BodyKind::Json(body) => {
                self.check_json(arrived, body, &mut findings);
                if !repeated.is_empty() {
                    findings.violations.extend(repeated.iter().map(|p| schema::Violation::repeated_key(p)));
                    if findings.valid.is_some() {
                        findings.valid = Some(false);
                    }
                }
            }
            BodyKind::Text { json_error: Some(problem), .. } => {
                findings.valid = Some(false);
                findings.json_problem = Some(problem.clone());
            }
            _ => {}
        }
        if let Some((given, secret)) = &self.signing {
            let detected = signing::scheme_in(&arrived.headers)
                .and_then(|scheme| self.by_header.iter().find(|(s, _)| *s == scheme));
            let (scheme, secret) = detected.map_or((*given, secret), |(s, secret)| (*s, secret));
            let now = chrono::Utc::now().timestamp();
            let check = signing::verify(scheme, secret, &arrived.headers, &arrived.body, now, self.tolerance);
            findings.signature = Some(check.to_json(scheme));
            signature = Some(check);
        }
        // The near-miss hint costs a walk over the catalog: made only where it is shown (`with_hint`).
        Examined { kind, findings, signature, hint: None }
    }

    /// The event an unrecognised JSON body comes closest to, and why, for the full view that shows it.
    pub fn with_hint(&self, mut examined: Examined) -> Examined {
        if let (BodyKind::Json(body), None) = (&examined.kind, &examined.findings.event) {
            examined.hint = schema::near_miss(&self.catalog, body);
        }
        examined
    }

    fn check_json(&self, arrived: &Arrived, body: &Value, findings: &mut Findings) {
        let Some(detected) = schema::detect_checked(&self.catalog, &self.schemas, body, &arrived.headers) else {
            return;
        };
        let name = detected.name;
        let verdict = detected.verdict.or_else(|| self.schemas.get(&name).map(|compiled| compiled.check(body)));
        if let Some(verdict) = verdict {
            findings.valid = Some(verdict.valid);
            findings.shape = verdict.shape;
            findings.violations = verdict.errors;
        }
        findings.event = Some(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn examiner() -> Examiner {
        let catalog = Catalog::builtin();
        let (schemas, _) = SchemaSet::compile(&catalog);
        Examiner { catalog, schemas, signing: None, by_header: Vec::new(), tolerance: signing::DEFAULT_TOLERANCE }
    }

    fn arrived(headers: &[(&str, &str)], body: &[u8]) -> Arrived {
        Arrived {
            id: 1,
            received_at: String::new(),
            remote_addr: String::new(),
            method: "POST".into(),
            path: "/".into(),
            query: None,
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            header_bytes: Vec::new(),
            body: bytes::Bytes::copy_from_slice(body),
        }
    }

    #[test]
    fn the_flat_ebriza_configuration_is_matched_by_its_header() {
        let e = examiner();
        let body = serde_json::to_vec(&e.catalog.get("ebriza.configuration").unwrap().render().body).unwrap();
        let found = e.examine(&arrived(&[("ebriza-clientid", "X")], &body)).findings;
        assert_eq!(
            (found.event.as_deref(), found.valid, found.shape.as_deref()),
            (Some("ebriza.configuration"), Some(true), Some("typed"))
        );
        let without = e.examine(&arrived(&[], &body)).findings;
        assert_eq!((without.event, without.valid), (None, None), "unrecognised, not an error");
    }

    #[test]
    fn broken_json_is_invalid_with_its_position() {
        let found = examiner().examine(&arrived(&[], b"{\n  \"device_type\": 'iOS'\n}")).findings;
        assert_eq!(found.valid, Some(false));
        let problem = found.json_problem.unwrap();
        assert_eq!((problem.line, problem.column, problem.message.as_str()), (2, 18, "expected value"));
        assert!(found.violations.is_empty(), "a parse error is not a schema violation");
    }

    #[test]
    fn an_unrecognised_body_near_an_event_gets_a_suggestion() {
        let examiner = examiner();
        let examined = examiner.examine(&arrived(&[], br#"{"type":"install.crate","data":{}}"#));
        assert_eq!(examined.findings.event, None);
        assert!(examined.hint.is_none(), "not made where it is not shown");
        let hint = examiner.with_hint(examined).hint.unwrap();
        assert!(hint.contains("obniz.install.create"), "{hint}");
    }
}
