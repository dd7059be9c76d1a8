//! What to send: a fixture, a JSON file or a captured request, with `--set`, `-H` and signing applied,
//! rebuilt fresh for every delivery (new placeholders, new signature id and timestamp).
use anyhow::Result;
use serde_json::Value;

use crate::capture;
use crate::catalog::placeholder::RenderClock;
use crate::catalog::set_path::Assignment;
use crate::catalog::Provider;
use crate::catalog::{Fixture, Rendered};
use crate::error::UserError;
use crate::headers::Headers;
use crate::signing::Scheme;
use crate::signing::{self, Secret};

/// Headers a sender must not copy from a template: the client computes them for the bytes it sends.
const COMPUTED_HEADERS: [&str; 5] = ["content-length", "transfer-encoding", "connection", "host", "keep-alive"];

/// Where the body comes from.
#[derive(Debug, Clone)]
pub enum Source {
    Fixture(Fixture),
    /// `--body FILE`, headers optionally from a fixture.
    Json {
        body: Value,
        headers_from: Option<Fixture>,
    },
    /// `--capture FILE[:ID]`: the exact bytes, method and headers that were captured.
    Capture {
        method: String,
        headers: Headers,
        body: Vec<u8>,
        /// The event `listen` recognised in it, if any.
        event: Option<String>,
        /// Its id in the capture file (`#7` on the result line).
        id: u64,
    },
}

pub struct Plan {
    pub source: Source,
    pub sets: Vec<Assignment>,
    pub headers: Headers,
    pub signing: Option<(Scheme, Secret)>,
    /// The webhook id to sign with (a replay's original, `--keep-id`); a fresh one when `None`.
    pub message_id: Option<String>,
}

/// One request, ready for the wire.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub method: String,
    pub headers: Headers,
    pub body: Vec<u8>,
}

impl Plan {
    /// The provider whose semantics apply to the answer (what a failure costs, how far it fans out).
    pub fn provider(&self) -> Option<&Provider> {
        match &self.source {
            Source::Fixture(f) | Source::Json { headers_from: Some(f), .. } => f.provider_data.as_ref(),
            _ => None,
        }
    }

    /// The capture's id in its file, when a capture is being sent.
    pub fn capture_id(&self) -> Option<u64> {
        match &self.source {
            Source::Capture { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// What is being sent, for the result line: the fixture's name, or the event a capture was.
    pub fn label(&self) -> Option<&str> {
        match &self.source {
            Source::Fixture(f) => Some(&f.name),
            Source::Json { headers_from: Some(f), .. } => Some(&f.name),
            Source::Json { headers_from: None, .. } => None,
            Source::Capture { event, .. } => event.as_deref(),
        }
    }

    /// A fresh request. Fails (a usage error) only when a `--set` cannot apply.
    pub fn build(&self) -> Result<Prepared> {
        let clock = RenderClock::now();
        let mut rendered = match &self.source {
            Source::Fixture(fixture) if self.sets.is_empty() => {
                let (body, headers) = fixture.render_bytes(&clock);
                let mut rendered = Rendered { method: fixture.method.clone(), headers, body: Value::Null };
                for (name, value) in &self.headers {
                    rendered.set_header(name, value);
                }
                return Ok(self.finish(rendered.method, rendered.headers, body));
            }
            Source::Fixture(fixture) if fixture.raw_body.is_some() => {
                return Err(UserError::new(format!(
                    "{} has a raw_body (not JSON): --set cannot change it; edit the fixture file instead",
                    fixture.name
                ))
                .into());
            }
            Source::Fixture(fixture) => {
                let mut body = fixture.render_body(&clock);
                self.apply_sets(&mut body)?;
                let headers = fixture.render_headers(&body, &clock);
                Rendered { method: fixture.method.clone(), headers, body }
            }
            Source::Json { body, headers_from } => {
                let mut body = body.clone();
                self.apply_sets(&mut body)?;
                let (method, headers) = match headers_from {
                    Some(f) => (f.method.clone(), f.render_headers(&body, &clock)),
                    None => {
                        ("POST".to_string(), Headers::from(vec![("Content-Type".into(), "application/json".into())]))
                    }
                };
                Rendered { method, headers, body }
            }
            Source::Capture { method, headers, body, .. } => return self.finish_capture(method, headers, body),
        };
        for (name, value) in &self.headers {
            rendered.set_header(name, value);
        }
        let bytes = serde_json::to_vec(&rendered.body)?;
        Ok(self.finish(rendered.method, rendered.headers, bytes))
    }

    fn finish_capture(&self, method: &str, headers: &Headers, body: &[u8]) -> Result<Prepared> {
        let bytes = if self.sets.is_empty() {
            body.to_vec()
        } else {
            let mut value: Value = serde_json::from_slice(body)
                .map_err(|_| UserError::new("--set needs a JSON body, and the captured body is not JSON"))?;
            self.apply_sets(&mut value)?;
            serde_json::to_vec(&value)?
        };
        let mut rendered = Rendered { method: method.to_string(), headers: headers.clone(), body: Value::Null };
        for (name, value) in &self.headers {
            rendered.set_header(name, value);
        }
        Ok(self.finish(rendered.method, rendered.headers, bytes))
    }

    fn finish(&self, method: String, headers: Headers, body: Vec<u8>) -> Prepared {
        let mut headers = headers;
        for computed in COMPUTED_HEADERS {
            headers.remove(computed);
        }
        if let Some((scheme, secret)) = &self.signing {
            let id = self.message_id.clone().unwrap_or_else(signing::new_message_id);
            let now = chrono::Utc::now().timestamp();
            headers.set_all(signing::sign(*scheme, secret, &body, &id, now));
        }
        Prepared { method, headers, body }
    }

    /// The same request signed again: the same body and webhook id, a fresh timestamp (a provider's retry).
    pub fn resign(&self, prepared: &Prepared) -> Prepared {
        let Some((scheme, secret)) = &self.signing else { return prepared.clone() };
        let headers = &prepared.headers;
        let id = headers.get("webhook-id").or_else(|| headers.get("svix-id"));
        let id = id.map_or_else(signing::new_message_id, String::from);
        let mut again = prepared.clone();
        let now = chrono::Utc::now().timestamp();
        again.headers.set_all(signing::sign(*scheme, secret, &prepared.body, &id, now));
        again
    }

    fn apply_sets(&self, body: &mut Value) -> Result<()> {
        for set in &self.sets {
            set.apply(body).map_err(UserError::new)?;
        }
        Ok(())
    }
}

/// A captured request to replay: its method, headers and exact body.
pub fn from_capture(captured: capture::Captured) -> Source {
    let record = captured.record;
    let method = if record.method.is_empty() { "POST".to_string() } else { record.method };
    let (headers, event, id) = (record.headers, record.event, record.id);
    Source::Capture { method, headers, body: captured.body, event, id }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn plan(name: &str, sets: &[&str]) -> Plan {
        Plan {
            source: Source::Fixture(Catalog::builtin().get(name).unwrap().clone()),
            sets: sets.iter().map(|s| Assignment::parse(s, false).unwrap()).collect(),
            headers: vec![
                ("X-Extra".into(), "1".into()),
                ("content-type".into(), "application/json; charset=utf-8".into()),
            ]
            .into(),
            signing: None,
            message_id: None,
        }
    }

    #[test]
    fn sets_apply_before_headers_so_the_client_id_follows() {
        let prepared =
            plan("ebriza.install", &["EbrizaClientID=\"AAAAAAAA-AAAA-AAAA-AAAA-AAAAAAAAAAAA\""]).build().unwrap();
        let header = prepared.headers.iter().find(|(n, _)| n == "ebriza-clientid").unwrap();
        assert_eq!(header.1, "AAAAAAAA-AAAA-AAAA-AAAA-AAAAAAAAAAAA");
        let ct: Vec<_> = prepared.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("content-type")).collect();
        assert_eq!(ct.len(), 1, "-H replaces a header of the same name");
        assert_eq!(ct[0].1, "application/json; charset=utf-8");
    }

    #[test]
    fn every_build_is_fresh() {
        let id = |p: &Plan| serde_json::from_slice::<Value>(&p.build().unwrap().body).unwrap()["data"]["id"].clone();
        let fast = plan("obniz.install.create", &[]);
        assert_ne!(id(&fast), id(&fast));
        let with_set = plan("obniz.install.create", &["data.os=\"x\""]);
        assert_ne!(id(&with_set), id(&with_set));
    }

    #[test]
    fn captures_replay_exact_bytes_and_drop_computed_headers() {
        let p = Plan {
            source: Source::Capture {
                method: "PUT".into(),
                headers: vec![("content-length".into(), "9".into()), ("x-a".into(), "1".into())].into(),
                body: b"{ \"a\": 1 }".to_vec(),
                event: None,
                id: 1,
            },
            sets: vec![],
            headers: Default::default(),
            signing: None,
            message_id: None,
        };
        let prepared = p.build().unwrap();
        assert_eq!((prepared.method.as_str(), prepared.body.as_slice()), ("PUT", &b"{ \"a\": 1 }"[..]));
        assert_eq!(*prepared.headers, [("x-a".to_string(), "1".to_string())]);
    }
}
