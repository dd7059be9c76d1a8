//! `--forward-to URL`: relay each request to the developer's app, byte for byte, and bring back its answer.
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::{Client, Method, Url};

use crate::capture::Arrived;
use crate::error::UserError;
use crate::glob::glob_matches;
use crate::headers::Headers;
use crate::output::sanitize;

/// One `--forward-to`: `EVENT=URL` (a glob on the event name) or a plain URL (what no event route took).
#[derive(Debug, Clone)]
pub struct Route {
    pub event: Option<String>,
    pub url: Url,
}

impl Route {
    pub fn parse(text: &str) -> Result<Route, UserError> {
        let (event, url) = match text.split_once('=') {
            Some((event, url)) if !text.starts_with("http://") && !text.starts_with("https://") => {
                (Some(event.trim().to_string()), url.trim())
            }
            _ => (None, text.trim()),
        };
        let url = Url::parse(url).map_err(|e| {
            UserError::with_hint(
                format!("--forward-to {}: not a URL ({e})", sanitize(text)),
                "write URL, or EVENT=URL to route one event (a glob: 'acme.*=http://localhost:4000')",
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(UserError::new(format!("--forward-to {}: only http and https", sanitize(text))));
        }
        Ok(Route { event, url })
    }
}

/// Every route, and the client they share.
pub struct Routes {
    pub client: Client,
    pub routes: Vec<Route>,
    /// This listener's name in [`LOOP_HEADER`]: a request that already carries it has come round again.
    pub self_id: String,
}

/// The header each forwarding `listen` adds its id to (`a1b2c3, d4e5f6`): one that finds its own id there
/// is in a loop and answers 508 instead of forwarding again. Chains of listeners still work.
pub const LOOP_HEADER: &str = "x-hookctl-forwarded-by";

/// Whether this request has already passed through this listener.
pub fn looped(headers: &Headers, self_id: &str) -> bool {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(LOOP_HEADER))
        .any(|(_, v)| v.split(',').any(|id| id.trim() == self_id))
}

/// Whether a request path, joined onto a forward URL's path, stays under it: no `..` segment, whether
/// written plainly, percent-encoded (`%2e%2e`) or with backslashes (which URL parsers read as `/`).
pub fn stays_under_base(path: &str) -> bool {
    let mut decoded = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(at) = rest.find('%') {
        decoded.push_str(&rest[..at]);
        let code = rest.get(at + 1..at + 3).unwrap_or_default();
        match code.to_ascii_lowercase().as_str() {
            "2e" => decoded.push('.'),
            "2f" | "5c" => decoded.push('/'),
            _ => {
                decoded.push('%');
                rest = &rest[at + 1..];
                continue;
            }
        }
        rest = &rest[at + 3..];
    }
    decoded.push_str(rest);
    !decoded.split(['/', '\\']).any(|segment| segment == "..")
}

/// Whether a forward URL points back at this listener (its own address and port): every request would
/// come round again.
pub fn points_at(url: &Url, bound: std::net::SocketAddr) -> bool {
    if url.port_or_known_default() != Some(bound.port()) {
        return false;
    }
    let Some(host) = url.host_str() else { return false };
    if host.eq_ignore_ascii_case("localhost") {
        return bound.ip().is_loopback() || bound.ip().is_unspecified();
    }
    let Ok(ip) = host.trim_matches(|c| c == '[' || c == ']').parse::<std::net::IpAddr>() else { return false };
    ip == bound.ip() || bound.ip().is_unspecified()
}

impl Routes {
    /// Where a request of this event goes: every event route whose glob matches, else the plain routes.
    pub fn for_event(&self, event: Option<&str>) -> Vec<&Route> {
        let by_event: Vec<&Route> = self
            .routes
            .iter()
            .filter(|r| r.event.as_deref().is_some_and(|g| event.is_some_and(|e| glob_matches(g, e))))
            .collect();
        if !by_event.is_empty() {
            return by_event;
        }
        self.routes.iter().filter(|r| r.event.is_none()).collect()
    }
}

/// Headers that belong to one hop and are never relayed.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "host",
    "content-length",
];

pub fn is_hop_by_hop(name: &str) -> bool {
    HOP_BY_HOP.iter().any(|h| name.eq_ignore_ascii_case(h))
}

/// The most of the app's answer relayed back to the sender (a larger one is answered 502).
pub const ANSWER_LIMIT: usize = 10 << 20;

/// The app's answer.
pub struct Answer {
    pub status: u16,
    pub headers: Headers,
    pub body: Bytes,
    pub elapsed: Duration,
}

/// The target URL for a request: the base URL's path joined with the request's path and query.
pub fn target(base: &Url, path: &str, query: Option<&str>) -> Url {
    let mut url = base.clone();
    let joined = format!("{}/{}", base.path().trim_end_matches('/'), path.trim_start_matches('/'));
    url.set_path(&joined);
    url.set_query(query);
    url
}

pub async fn relay(client: &Client, base: &Url, arrived: &Arrived, self_id: &str) -> Result<Answer, String> {
    let url = target(base, &arrived.path, arrived.query.as_deref());
    let method = Method::from_bytes(arrived.method.as_bytes()).map_err(|e| e.to_string())?;
    let mut request = client.request(method, url.clone()).body(arrived.body.clone());
    let mut passed = Vec::new();
    for (name, value) in arrived.headers.iter().filter(|(n, _)| !is_hop_by_hop(n)) {
        if name.eq_ignore_ascii_case(LOOP_HEADER) {
            passed.push(value.as_str());
            continue;
        }
        request = request.header(name, value);
    }
    passed.push(self_id);
    request = request.header(LOOP_HEADER, passed.join(", "));
    let start = Instant::now();
    let response = request.send().await.map_err(|e| describe(&e, &url))?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .filter(|(n, _)| !is_hop_by_hop(n.as_str()))
        .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let answer = crate::http::read_limited(response, ANSWER_LIMIT).await.map_err(|e| describe(&e, &url))?;
    if answer.truncated {
        return Err(format!("{url} answered more than {ANSWER_LIMIT} bytes, which listen does not relay"));
    }
    let body = Bytes::from(answer.bytes);
    Ok(Answer { status, headers, body, elapsed: start.elapsed() })
}

/// How long the app may take to answer a forwarded request.
pub const FORWARD_TIMEOUT: Duration = Duration::from_secs(30);

/// A failed forward, in the words every sender uses ([`crate::http::failure`]).
fn describe(err: &reqwest::Error, url: &Url) -> String {
    use crate::http::failure::FailKind;
    match crate::http::failure::of_reqwest(err, url, FORWARD_TIMEOUT) {
        (FailKind::Timeout, _) => format!("{url} did not answer within {}s", FORWARD_TIMEOUT.as_secs()),
        (FailKind::Refused | FailKind::Connect, why) => {
            format!("cannot connect to {url}: {why} (is your app running?)")
        }
        (_, why) => format!("forwarding to {url} failed: {why}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_routes_take_their_events_and_plain_ones_the_rest() {
        let routes =
            ["pgyer.*=http://127.0.0.1:4000", "obniz.install.*=http://127.0.0.1:5000", "http://127.0.0.1:3000/x?a=b"];
        let routes = Routes {
            client: crate::http::builder().build().unwrap(),
            routes: routes.iter().map(|r| Route::parse(r).unwrap()).collect(),
            self_id: "me".into(),
        };
        let port =
            |event: Option<&str>| routes.for_event(event).iter().map(|r| r.url.port().unwrap()).collect::<Vec<_>>();
        assert_eq!(port(Some("pgyer.crashlog")), [4000]);
        assert_eq!(port(Some("obniz.install.create")), [5000]);
        assert_eq!(port(Some("obniz.oauth.create")), [3000]);
        assert_eq!(port(None), [3000]);
        assert!(Route::parse("pgyer.*=not a url").is_err());
    }

    #[test]
    fn paths_and_queries_are_joined_onto_the_base() {
        let base = Url::parse("http://127.0.0.1:3000/app/").unwrap();
        assert_eq!(target(&base, "/hooks/x", Some("a=1")).as_str(), "http://127.0.0.1:3000/app/hooks/x?a=1");
        let root = Url::parse("http://127.0.0.1:3000").unwrap();
        assert_eq!(target(&root, "/hooks", None).as_str(), "http://127.0.0.1:3000/hooks");
    }

    #[test]
    fn paths_that_climb_out_of_the_base_are_caught_however_written() {
        for bad in ["/../../admin", "/a/%2e%2e/%2E%2e/x", "/..%2fadmin", "/..\\..\\admin", "/a/..", "/%2e%2e%5cx"] {
            assert!(!stays_under_base(bad), "{bad}");
        }
        for good in ["/hooks", "/a..b/c", "/.well-known/x", "/%41%2", "/x/...", "/"] {
            assert!(stays_under_base(good), "{good}");
        }
    }

    #[test]
    fn a_forward_to_this_listener_is_seen() {
        let bound: std::net::SocketAddr = "127.0.0.1:8080".parse().unwrap();
        for me in ["http://localhost:8080", "http://127.0.0.1:8080/x", "http://LOCALHOST:8080"] {
            assert!(points_at(&Url::parse(me).unwrap(), bound), "{me}");
        }
        for other in ["http://localhost:8081", "http://example.com:8080", "https://127.0.0.1", "http://127.0.0.2:8080"]
        {
            assert!(!points_at(&Url::parse(other).unwrap(), bound), "{other}");
        }
        let mut headers = Headers::new();
        headers.append(LOOP_HEADER, "ab, me");
        assert!(looped(&headers, "me") && !looped(&headers, "m"));
    }
}
