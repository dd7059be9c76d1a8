//! One request to the receiver under test, and what its answer means for the case that sent it.
use std::time::{Duration, Instant};

use reqwest::{Client, Url};

use crate::headers::Headers;
use crate::http::connection::Http1;
use crate::http::failure::{self, FailKind, Failure};

/// What a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A 5xx, or the connection closed without an answer.
    ServerError,
    /// No answer within `--timeout`.
    Timeout,
    /// A non-2xx to a schema-valid webhook: for the provider, a failed delivery.
    Rejected,
    AcceptedUnsigned,
    AcceptedForged,
    AcceptedStale,
    AcceptedReplayed,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::ServerError => "server-error",
            Kind::Timeout => "timeout",
            Kind::Rejected => "rejected",
            Kind::AcceptedUnsigned => "accepted-unsigned",
            Kind::AcceptedForged => "accepted-forged",
            Kind::AcceptedStale => "accepted-stale",
            Kind::AcceptedReplayed => "accepted-replayed",
        }
    }
}

/// What a case's request must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A 2xx: the webhook is one the provider may send.
    Accept,
    /// Anything but a 5xx, a dropped connection or a timeout: the receiver may refuse it.
    Survive,
    /// Anything but a 2xx (and no 5xx): accepting it is the finding named.
    Refuse(Kind),
}

/// A request as the receiver gets it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub headers: Headers,
    pub body: Vec<u8>,
}

/// The receiver's answer, or how it failed to give one.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The answer's status, when its head came whole.
    pub status: Option<u16>,
    /// Why there is no whole answer: the connection was refused, closed, reset mid-answer, timed out, …
    pub failure: Option<Failure>,
    /// The start of the answer's body (for the report).
    pub answer: String,
    pub elapsed: Duration,
}

impl Outcome {
    /// No answer within the timeout.
    pub fn timed_out(&self) -> bool {
        self.failure.as_ref().is_some_and(|(kind, _)| *kind == FailKind::Timeout)
    }

    /// Nothing listens any more: the connection was refused.
    pub fn refused(&self) -> bool {
        self.failure.as_ref().is_some_and(|(kind, _)| *kind == FailKind::Refused)
    }

    /// The request was never sent (it could not be written): nothing to judge.
    pub fn unsent(&self) -> bool {
        self.failure.as_ref().is_some_and(|(kind, why)| *kind == FailKind::Other && why.starts_with(NOT_SENT))
    }

    /// The answer in a few words: `HTTP 500`, `no answer within 2s`, `connection closed without an answer`,
    /// `HTTP 200, then reading the answer failed: …`.
    pub fn describe(&self) -> String {
        match (self.status, &self.failure) {
            (Some(status), Some((_, why))) => format!("HTTP {status}, then {why}"),
            (Some(status), None) => format!("HTTP {status}"),
            (None, Some((_, why))) => why.clone(),
            (None, None) => "no answer".into(),
        }
    }

    pub fn failed(failure: Failure) -> Outcome {
        Outcome { status: None, failure: Some(failure), answer: String::new(), elapsed: Duration::ZERO }
    }
}

const NOT_SENT: &str = "not sent: ";

/// The finding an outcome is for a case that expected `expect`, if any. A reset or cut-off answer is a
/// server error, whatever status its head had.
pub fn judge(expect: Expect, outcome: &Outcome) -> Option<Kind> {
    if outcome.unsent() {
        return None;
    }
    if outcome.timed_out() {
        return Some(Kind::Timeout);
    }
    if outcome.failure.is_some() {
        return Some(Kind::ServerError);
    }
    let status = outcome.status?;
    if status >= 500 {
        return Some(Kind::ServerError);
    }
    let accepted = (200..300).contains(&status);
    match expect {
        Expect::Accept if !accepted => Some(Kind::Rejected),
        Expect::Refuse(kind) if accepted => Some(kind),
        _ => None,
    }
}

/// How much of an answer's body a finding shows.
const ANSWER_SHOWN: usize = 300;

/// Sends one request, once; never fails (the failure is in the outcome). `http://` goes over hookctl's own
/// connection (an answer sent before the body was read whole is still seen), `https://` through reqwest;
/// both write only what [`crate::http::request`] allows and sort failures with [`crate::http::failure`].
pub async fn send(client: &Client, url: &Url, request: &Request, timeout: Duration) -> Outcome {
    let start = Instant::now();
    let mut outcome = if url.scheme() == "http" {
        match tokio::time::timeout(timeout, over_own_connection(url, request)).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::failed(failure::timeout(timeout)),
        }
    } else {
        over_reqwest(client, url, request, timeout).await
    };
    outcome.elapsed = start.elapsed();
    outcome
}

async fn over_own_connection(url: &Url, request: &Request) -> Outcome {
    let target = crate::http::Target::new(url);
    let mut bytes = Vec::new();
    if let Err(why) = crate::http::request::write(&mut bytes, &target, &request.method, &request.headers, &request.body)
    {
        return Outcome::failed(failure::other(format!("{NOT_SENT}{why}")));
    }
    let address = match target.resolve().await {
        Ok(address) => address,
        Err(why) => return Outcome::failed(why),
    };
    let mut connection = match Http1::connect(address).await {
        Ok(connection) => connection.keeping(ANSWER_SHOWN),
        Err(e) => return Outcome::failed(failure::of_connect(target.address_text(), &e)),
    };
    let head = request.method.eq_ignore_ascii_case("HEAD");
    match connection.exchange(&bytes, head, crate::http::ANSWER_LIMIT).await {
        Ok(answer) => Outcome {
            status: Some(answer.status),
            failure: None,
            answer: String::from_utf8_lossy(&answer.start).into_owned(),
            elapsed: Duration::ZERO,
        },
        Err(error) => Outcome::failed(failure::of_connection(error)),
    }
}

async fn over_reqwest(client: &Client, url: &Url, request: &Request, timeout: Duration) -> Outcome {
    let checked = crate::http::check_method(&request.method)
        .and_then(|()| request.headers.iter().try_for_each(|(n, v)| crate::http::check_header(n, v)));
    if let Err(why) = checked {
        return Outcome::failed(failure::other(format!("{NOT_SENT}{why}")));
    }
    let method = reqwest::Method::from_bytes(request.method.as_bytes()).unwrap_or(reqwest::Method::POST);
    let mut builder = client.request(method, url.clone()).timeout(timeout).body(request.body.clone());
    for (name, value) in request.headers.iter() {
        builder = builder.header(name.as_str(), value.as_str());
    }
    match builder.send().await {
        Ok(response) => {
            let status = Some(response.status().as_u16());
            match crate::http::read_limited(response, ANSWER_SHOWN).await {
                Ok(answer) => Outcome {
                    status,
                    failure: None,
                    answer: String::from_utf8_lossy(&answer.bytes).into_owned(),
                    elapsed: Duration::ZERO,
                },
                Err(err) => Outcome { status, ..Outcome::failed(failure::of_reqwest(&err, url, timeout)) },
            }
        }
        Err(err) => Outcome::failed(failure::of_reqwest(&err, url, timeout)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: u16) -> Outcome {
        Outcome { status: Some(status), failure: None, answer: String::new(), elapsed: Duration::ZERO }
    }

    #[test]
    fn each_expectation_judges_its_answers() {
        assert_eq!(judge(Expect::Accept, &answered(204)), None);
        assert_eq!(judge(Expect::Accept, &answered(422)), Some(Kind::Rejected));
        assert_eq!(judge(Expect::Survive, &answered(400)), None);
        assert_eq!(judge(Expect::Survive, &answered(502)), Some(Kind::ServerError));
        assert_eq!(judge(Expect::Refuse(Kind::AcceptedStale), &answered(200)), Some(Kind::AcceptedStale));
        assert_eq!(judge(Expect::Refuse(Kind::AcceptedStale), &answered(401)), None);
        let dropped = Outcome::failed(failure::closed_by_receiver());
        assert_eq!(judge(Expect::Survive, &dropped), Some(Kind::ServerError));
        let cut = Outcome { status: Some(200), ..Outcome::failed(failure::reading_answer("reset")) };
        assert_eq!(judge(Expect::Accept, &cut), Some(Kind::ServerError));
        assert_eq!(cut.describe(), "HTTP 200, then reading the answer failed: reset");
        let late = Outcome::failed(failure::timeout(Duration::from_secs(2)));
        assert_eq!(judge(Expect::Accept, &late), Some(Kind::Timeout));
        let unsent = Outcome::failed(failure::other(format!("{NOT_SENT}header X has a value HTTP cannot carry")));
        assert_eq!(judge(Expect::Accept, &unsent), None);
    }
}
