//! Webhook signatures over exact body bytes: Standard Webhooks v1, Svix, GitHub and Stripe schemes, with the
//! RustCrypto `hmac`/`sha2` crates. Secrets live in a redacting newtype and never reach any output.
//!
//! This module is the crypto and the header formats; the `sign` and `verify` commands are in [`command`].

use std::fmt;
use std::time::Duration;

use anyhow::Result;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::error::UserError;
use crate::headers::Headers;
use crate::output::sanitize;

type HmacSha256 = Hmac<Sha256>;

/// How a webhook is signed: which headers, over which bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Standard Webhooks v1 (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
    Standard,
    /// Svix (the same signature under `svix-*` headers).
    Svix,
    /// GitHub (`X-Hub-Signature-256: sha256=HEX` over the body alone).
    Github,
    /// Stripe (`Stripe-Signature: t=…,v1=HEX`).
    Stripe,
}

impl Scheme {
    pub const ALL: [Scheme; 4] = [Scheme::Standard, Scheme::Svix, Scheme::Github, Scheme::Stripe];

    pub fn name(self) -> &'static str {
        scheme_name(self)
    }
}

/// Every header a scheme signs with (lower case): what a saved request drops when it is to be signed afresh.
pub const SIGNATURE_HEADERS: [&str; 8] = [
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "svix-id",
    "svix-timestamp",
    "svix-signature",
    "x-hub-signature-256",
    "stripe-signature",
];

/// The Standard Webhooks / Stripe default: ±5 minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// A signing secret: the HMAC key bytes. Debug and Display never show it.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Secret {
    /// The HMAC key for a scheme: `standard`/`svix` base64-decode after `whsec_` (a secret without the prefix
    /// is raw bytes); `github`/`stripe` use the string exactly as given, as those providers' libraries do.
    pub fn for_scheme(text: &str, scheme: Scheme) -> Result<Secret> {
        // An empty key signs with nothing anyone could not forge: refuse it, whatever form it takes.
        if text.trim().is_empty() || text.strip_prefix("whsec_").is_some_and(|k| k.trim().is_empty()) {
            return Err(UserError::with_hint(
                "the signing secret is empty",
                "pass the real secret (whsec_… for Standard Webhooks and Svix, the shared string for GitHub and Stripe)",
            )
            .into());
        }
        match (scheme, text.strip_prefix("whsec_")) {
            (Scheme::Standard | Scheme::Svix, Some(encoded)) => B64
                .decode(encoded)
                .map(Secret)
                .map_err(|_| UserError::with_hint(
                    "the secret's part after whsec_ is not valid base64",
                    "Standard Webhooks secrets are whsec_ followed by base64 of the key bytes; without the prefix the secret is used as raw bytes",
                ).into()),
            _ => Ok(Secret(text.as_bytes().to_vec())),
        }
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.0).expect("HMAC accepts keys of any length")
    }
}

/// `--secret`, `--secret-env` and `--scheme` as the command line gave them.
#[derive(Debug, Clone, Default)]
pub struct SigningSettings {
    pub secret: Option<String>,
    pub secret_env: Option<String>,
    pub scheme: Option<Scheme>,
}

impl SigningSettings {
    /// The scheme `--scheme` names, else Standard Webhooks.
    pub fn scheme(&self) -> Scheme {
        self.scheme.unwrap_or(Scheme::Standard)
    }

    /// The secret under the scheme `--scheme` names; `None` when no secret was given.
    pub fn resolve(&self) -> Result<Option<Secret>> {
        resolve(self.secret.as_deref(), self.secret_env.as_deref(), self.scheme())
    }
}

/// `--secret` or `--secret-env VAR`; `None` when neither was given.
pub fn resolve(secret: Option<&str>, secret_env: Option<&str>, scheme: Scheme) -> Result<Option<Secret>> {
    match (secret, secret_env) {
        (Some(text), _) => Secret::for_scheme(text, scheme).map(Some),
        (None, Some(var)) => match std::env::var(var) {
            Ok(text) if !text.is_empty() => Secret::for_scheme(&text, scheme).map(Some),
            _ => Err(UserError::with_hint(
                format!("environment variable {} is not set or empty", sanitize(var)),
                format!("export {} with the signing secret, or pass --secret", sanitize(var)),
            )
            .into()),
        },
        (None, None) => Ok(None),
    }
}

fn scheme_headers(scheme: Scheme) -> (&'static str, &'static str, &'static str) {
    match scheme {
        Scheme::Svix => ("svix-id", "svix-timestamp", "svix-signature"),
        _ => ("webhook-id", "webhook-timestamp", "webhook-signature"),
    }
}

/// A fresh message id, `msg_` + 27 random alphanumerics (the Standard Webhooks style).
pub fn new_message_id() -> String {
    let alphabet: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let tail: String = (0..27).map(|_| char::from(alphabet[fastrand::usize(..alphabet.len())])).collect();
    format!("msg_{tail}")
}

fn hmac_of(secret: &Secret, parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = secret.mac();
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// The headers that sign `body` under `scheme`.
pub fn sign(scheme: Scheme, secret: &Secret, body: &[u8], id: &str, timestamp: i64) -> Headers {
    let ts = timestamp.to_string();
    match scheme {
        Scheme::Standard | Scheme::Svix => {
            let sig = hmac_of(secret, &[id.as_bytes(), b".", ts.as_bytes(), b".", body]);
            let (id_h, ts_h, sig_h) = scheme_headers(scheme);
            vec![(id_h.into(), id.into()), (ts_h.into(), ts), (sig_h.into(), format!("v1,{}", B64.encode(sig)))].into()
        }
        Scheme::Github => {
            vec![("X-Hub-Signature-256".into(), format!("sha256={}", hex::encode(hmac_of(secret, &[body]))))].into()
        }
        Scheme::Stripe => {
            let sig = hmac_of(secret, &[ts.as_bytes(), b".", body]);
            vec![("Stripe-Signature".into(), format!("t={ts},v1={}", hex::encode(sig)))].into()
        }
    }
}

/// The outcome of verifying one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Valid,
    Invalid(String),
    Missing(String),
}

impl Check {
    pub fn is_valid(&self) -> bool {
        matches!(self, Check::Valid)
    }

    pub fn status(&self) -> &'static str {
        match self {
            Check::Valid => "valid",
            Check::Invalid(_) => "invalid",
            Check::Missing(_) => "missing",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Check::Valid => None,
            Check::Invalid(r) | Check::Missing(r) => Some(r),
        }
    }

    /// The `signature` object of a capture record.
    pub fn to_json(&self, scheme: Scheme) -> Value {
        json!({"status": self.status(), "reason": self.reason(), "scheme": scheme_name(scheme)})
    }
}

pub fn scheme_name(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::Standard => "standard",
        Scheme::Svix => "svix",
        Scheme::Github => "github",
        Scheme::Stripe => "stripe",
    }
}

/// The scheme whose signature header `headers` carry (the header sets are disjoint), if one does.
pub fn scheme_in(headers: &Headers) -> Option<Scheme> {
    Scheme::ALL.into_iter().find(|scheme| {
        let signature_header = match scheme {
            Scheme::Standard | Scheme::Svix => scheme_headers(*scheme).2,
            Scheme::Github => "x-hub-signature-256",
            Scheme::Stripe => "stripe-signature",
        };
        find(headers, signature_header).is_some()
    })
}

fn find<'a>(headers: &'a Headers, name: &str) -> Option<&'a str> {
    headers.get(name).map(str::trim)
}

fn check_time(timestamp: &str, now: i64, tolerance: Duration) -> Result<i64, Check> {
    let ts: i64 = timestamp
        .parse()
        .map_err(|_| Check::Invalid(format!("bad format: timestamp {:?} is not Unix seconds", sanitize(timestamp))))?;
    let tol = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
    let shown = humantime::format_duration(tolerance);
    if tol > 0 && now.saturating_sub(ts) > tol {
        let age = age(now.saturating_sub(ts));
        return Err(Check::Invalid(format!("too old: signed {age} ago (timestamp {ts}, tolerance {shown})")));
    }
    if tol > 0 && ts.saturating_sub(now) > tol {
        let age = age(ts.saturating_sub(now));
        return Err(Check::Invalid(format!("too new: signed {age} in the future (timestamp {ts}, tolerance {shown})")));
    }
    Ok(ts)
}

/// A span of seconds as a person says it: `40 seconds`, `7 minutes`, `3 hours`, `12 days`, `6 years`.
fn age(seconds: i64) -> String {
    let (n, unit) = match seconds {
        s if s < 120 => (s, "second"),
        s if s < 2 * 3_600 => (s / 60, "minute"),
        s if s < 2 * 86_400 => (s / 3_600, "hour"),
        s if s < 2 * 365 * 86_400 => (s / 86_400, "day"),
        s => (s / (365 * 86_400), "year"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

fn verify_mac(secret: &Secret, parts: &[&[u8]], candidate: &[u8]) -> bool {
    let mut mac = secret.mac();
    for part in parts {
        mac.update(part);
    }
    mac.verify_slice(candidate).is_ok()
}

/// Verifies the signature headers of a request over its exact body bytes (constant-time comparison).
pub fn verify(scheme: Scheme, secret: &Secret, headers: &Headers, body: &[u8], now: i64, tolerance: Duration) -> Check {
    match scheme {
        Scheme::Standard | Scheme::Svix => {
            let (id_h, ts_h, sig_h) = scheme_headers(scheme);
            let (Some(id), Some(ts), Some(sigs)) = (find(headers, id_h), find(headers, ts_h), find(headers, sig_h))
            else {
                let missing: Vec<&str> =
                    [id_h, ts_h, sig_h].into_iter().filter(|h| find(headers, h).is_none()).collect();
                return Check::Missing(format!("missing header {}", missing.join(", ")));
            };
            if let Err(check) = check_time(ts, now, tolerance) {
                return check;
            }
            let candidates: Vec<Vec<u8>> = sigs
                .split_whitespace()
                .filter_map(|entry| entry.strip_prefix("v1,"))
                .filter_map(|b64| B64.decode(b64).ok())
                .collect();
            if candidates.is_empty() {
                return Check::Invalid(format!("bad format: no v1,<base64> entry in {sig_h}"));
            }
            let parts: [&[u8]; 5] = [id.as_bytes(), b".", ts.as_bytes(), b".", body];
            if candidates.iter().any(|c| verify_mac(secret, &parts, c)) {
                Check::Valid
            } else {
                Check::Invalid("mismatch: no signature matches the body and secret".into())
            }
        }
        Scheme::Github => {
            let Some(header) = find(headers, "X-Hub-Signature-256") else {
                return Check::Missing("missing header X-Hub-Signature-256".into());
            };
            match header.strip_prefix("sha256=").and_then(|h| hex::decode(h).ok()) {
                None => Check::Invalid("bad format: expected sha256=<hex>".into()),
                Some(sig) if verify_mac(secret, &[body], &sig) => Check::Valid,
                Some(_) => Check::Invalid("mismatch: the signature does not match the body and secret".into()),
            }
        }
        Scheme::Stripe => {
            let Some(header) = find(headers, "Stripe-Signature") else {
                return Check::Missing("missing header Stripe-Signature".into());
            };
            let mut ts = None;
            let mut sigs = Vec::new();
            for item in header.split(',') {
                match item.trim().split_once('=') {
                    Some(("t", v)) => ts = Some(v.to_string()),
                    Some(("v1", v)) => sigs.extend(hex::decode(v).ok()),
                    _ => {}
                }
            }
            let (Some(ts), false) = (ts, sigs.is_empty()) else {
                return Check::Invalid("bad format: expected t=<timestamp>,v1=<hex>".into());
            };
            if let Err(check) = check_time(&ts, now, tolerance) {
                return check;
            }
            let parts: [&[u8]; 3] = [ts.as_bytes(), b".", body];
            if sigs.iter().any(|s| verify_mac(secret, &parts, s)) {
                Check::Valid
            } else {
                Check::Invalid("mismatch: no v1 signature matches the body and secret".into())
            }
        }
    }
}

/// Parses `Name: value` (as given to `-H`).
pub fn parse_header(text: &str) -> Result<(String, String)> {
    match text.split_once(':') {
        Some((name, value)) if !name.trim().is_empty() && !name.contains(char::is_whitespace) => {
            let (name, value) = (name.trim(), value.trim());
            crate::http::check_header(name, value).map_err(|why| UserError::new(format!("-H: {}", sanitize(&why))))?;
            Ok((name.to_string(), value.to_string()))
        }
        _ => Err(UserError::with_hint(
            format!("header {:?} is not `Name: value`", sanitize(text)),
            "write it like -H 'X-Event: order.created'",
        )
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    const TS: i64 = 1_649_367_553;
    const BODY: &[u8] = br#"{"email":"test@example.com","username":"test_user"}"#;
    const EXPECTED: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

    fn secret(scheme: Scheme) -> Secret {
        Secret::for_scheme(SECRET, scheme).unwrap()
    }

    #[test]
    fn standard_webhooks_test_vector_signs_and_verifies() {
        let headers = sign(Scheme::Standard, &secret(Scheme::Standard), BODY, ID, TS);
        assert_eq!(find(&headers, "webhook-signature"), Some(EXPECTED));
        let check = verify(Scheme::Standard, &secret(Scheme::Standard), &headers, BODY, TS, DEFAULT_TOLERANCE);
        assert_eq!(check, Check::Valid);
    }

    #[test]
    fn one_good_entry_among_several_verifies() {
        let headers: Headers = vec![
            ("webhook-id".to_string(), ID.to_string()),
            ("webhook-timestamp".to_string(), TS.to_string()),
            ("webhook-signature".to_string(), format!("v1,Zm9v v2,abc {EXPECTED}")),
        ]
        .into();
        assert!(verify(Scheme::Standard, &secret(Scheme::Standard), &headers, BODY, TS, DEFAULT_TOLERANCE).is_valid());
    }

    #[test]
    fn failures_say_why() {
        let s = secret(Scheme::Standard);
        let headers = sign(Scheme::Standard, &s, BODY, ID, TS);
        let mut changed = BODY.to_vec();
        changed[2] ^= 1;
        assert!(verify(Scheme::Standard, &s, &headers, &changed, TS, DEFAULT_TOLERANCE)
            .reason()
            .unwrap()
            .starts_with("mismatch"));
        assert!(verify(Scheme::Standard, &s, &headers, BODY, TS + 301, DEFAULT_TOLERANCE)
            .reason()
            .unwrap()
            .starts_with("too old"));
        assert_eq!(
            (age(1), age(90), age(7 * 60), age(5 * 3_600), age(12 * 86_400)),
            ("1 second".into(), "90 seconds".into(), "7 minutes".into(), "5 hours".into(), "12 days".into())
        );
        assert_eq!(age(6 * 365 * 86_400 + 1000), "6 years");
        assert!(verify(Scheme::Standard, &s, &headers, BODY, TS - 301, DEFAULT_TOLERANCE)
            .reason()
            .unwrap()
            .starts_with("too new"));
        assert_eq!(verify(Scheme::Standard, &s, &Headers::new(), BODY, TS, DEFAULT_TOLERANCE).status(), "missing");
        let other = Secret::for_scheme("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAA", Scheme::Standard).unwrap();
        assert_eq!(verify(Scheme::Standard, &other, &headers, BODY, TS, DEFAULT_TOLERANCE).status(), "invalid");
    }

    #[test]
    fn github_and_stripe_use_the_secret_string_as_given() {
        for scheme in [Scheme::Github, Scheme::Stripe, Scheme::Svix] {
            let s = secret(scheme);
            let headers = sign(scheme, &s, BODY, ID, TS);
            assert!(verify(scheme, &s, &headers, BODY, TS, DEFAULT_TOLERANCE).is_valid(), "{scheme:?}");
        }
        // GitHub: HMAC-SHA256("It's a Secret to Everybody", "Hello, World!") from GitHub's docs.
        let gh = Secret::for_scheme("It's a Secret to Everybody", Scheme::Github).unwrap();
        let headers = sign(Scheme::Github, &gh, b"Hello, World!", "", 0);
        assert_eq!(headers[0].1, "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
        assert_eq!(Secret::for_scheme("whsec_abc", Scheme::Stripe).unwrap().0, b"whsec_abc");
    }

    #[test]
    fn secrets_never_print() {
        let s = secret(Scheme::Standard);
        assert_eq!(format!("{s} {s:?}"), "*** Secret(***)");
        let err = Secret::for_scheme("whsec_!!!notbase64", Scheme::Standard).unwrap_err().to_string();
        assert!(!err.contains("notbase64"), "{err}");
    }
}
