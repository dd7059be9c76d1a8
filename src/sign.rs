//! `hookctl sign` and `hookctl verify`: the command layer over [`super`]'s crypto.
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use serde_json::{Map, Value};

use crate::context::Context;
use crate::error::{exit, UserError, EXIT_FAILED, EXIT_OK};
use crate::headers::Headers;
use crate::input;
use crate::output::{errln, json_line, outln};
use crate::signing::{
    new_message_id, parse_header, resolve, scheme_in, scheme_name, sign, verify, Scheme, Secret, SigningSettings,
};

fn secret_from(args: &SigningSettings) -> Result<Secret> {
    resolve(args.secret.as_deref(), args.secret_env.as_deref(), args.scheme())?
        .ok_or_else(|| UserError::new("a secret is required: pass --secret-env VAR or --secret SECRET").into())
}

pub fn sign_command(args: &SignSettings) -> Result<ExitCode> {
    let secret = secret_from(&args.secret)?;
    let payload = input::read(&args.file, args.max_body)?;
    let id = args.id.clone().unwrap_or_else(new_message_id);
    let timestamp = args.timestamp.unwrap_or_else(|| chrono::Utc::now().timestamp());
    let headers = sign(args.secret.scheme(), &secret, &payload.bytes, &id, timestamp);
    if args.json {
        let map: Map<String, Value> = headers.into_iter().map(|(n, v)| (n, Value::String(v))).collect();
        json_line(&Value::Object(map))?;
        return Ok(exit(EXIT_OK));
    }
    let as_args = || headers.iter().flat_map(|(n, v)| ["-H".to_string(), format!("{n}: {v}")]);
    match args.format {
        SignFormat::Headers => {
            for (name, value) in &headers {
                outln(&format!("{name}: {value}"))?;
            }
        }
        SignFormat::Args => outln(&crate::shell::join(&as_args().collect::<Vec<_>>()))?,
        SignFormat::Curl => {
            let data = if args.file == "-" { "@-".to_string() } else { format!("@{}", args.file) };
            let mut words = vec!["curl".to_string(), "-sS".into(), "-X".into(), "POST".into(), args.url.clone()];
            words.extend(["-H".to_string(), "Content-Type: application/json".to_string()]);
            words.extend(as_args());
            words.extend(["--data-binary".to_string(), data]);
            outln(&crate::shell::join(&words))?;
        }
    }
    Ok(exit(EXIT_OK))
}

/// `verify --headers FILE`: `Name: value` lines (blank lines and `#` comments skipped), or one JSON object.
fn headers_file(path: &std::path::Path) -> Result<Headers> {
    let bytes = input::read_file(path, input::DEFAULT_MAX_INPUT)?;
    let text = String::from_utf8_lossy(&bytes);
    if text.trim_start().starts_with('{') {
        let object: Map<String, Value> = serde_json::from_str(&text)
            .map_err(|e| UserError::new(format!("--headers {}: not a JSON object of headers ({e})", path.display())))?;
        return Ok(object
            .into_iter()
            .map(|(n, v)| (n, v.as_str().map_or_else(|| v.to_string(), String::from)))
            .collect());
    }
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| parse_header(line).map_err(|e| UserError::new(format!("--headers {}: {e}", path.display())).into()))
        .collect()
}

pub fn verify_command(args: &VerifySettings, ctx: &Context) -> Result<ExitCode> {
    let payload = input::read(&args.file, args.max_body)?;
    let mut headers = payload.record.as_ref().map(|r| r.headers.clone()).unwrap_or_default();
    let from_file = match &args.headers {
        Some(path) => headers_file(path)?,
        None => Headers::new(),
    };
    let from_flags = args.header.iter().map(|text| parse_header(text)).collect::<Result<Vec<_>>>()?;
    headers.set_all(from_file.into_iter().chain(from_flags));
    // Without --scheme, the scheme whose signature header is there (the header sets are disjoint).
    let detected = args.secret.scheme.is_none().then(|| scheme_in(&headers)).flatten();
    let scheme = detected.unwrap_or(args.secret.scheme());
    // Read for the scheme it is used with: a `whsec_` secret is base64 for Standard Webhooks and Svix only.
    let secret = resolve(args.secret.secret.as_deref(), args.secret.secret_env.as_deref(), scheme)?
        .ok_or_else(|| UserError::new("a secret is required: pass --secret-env VAR or --secret SECRET"))?;
    // A capture's timestamp is judged against when it arrived (listen judged it then); --tolerance still
    // bounds how far apart the two may be.
    let arrived = payload.record.as_ref().and_then(|r| chrono::DateTime::parse_from_rfc3339(&r.received_at).ok());
    let now = arrived.map_or_else(|| chrono::Utc::now().timestamp(), |at| at.timestamp());
    let check = verify(scheme, &secret, &headers, &payload.bytes, now, args.tolerance);
    if args.json {
        let mut verdict = check.to_json(scheme);
        verdict["valid"] = Value::Bool(check.is_valid());
        verdict["scheme_detected"] = Value::Bool(detected.is_some());
        verdict["judged_at"] = Value::String(if arrived.is_some() { "received_at" } else { "now" }.into());
        json_line(&verdict)?;
    } else {
        let printer = ctx.printer();
        if detected.is_some_and(|d| d != Scheme::Standard) {
            printer.note(&format!(
                "scheme {}: its signature header is there (--scheme picks another)",
                scheme_name(scheme)
            ));
        }
        if let Some(at) = arrived {
            printer.note(&format!("the timestamp is judged against the capture's received_at ({})", at.to_rfc3339()));
        }
        let style = printer.err;
        match check.reason() {
            None => errln(&format!("{} signature valid ({})", style.ok("✓"), scheme_name(scheme))),
            Some(reason) => errln(&format!("{} signature {}: {reason}", style.bad("✗"), check.status())),
        }
    }
    Ok(exit(if check.is_valid() { EXIT_OK } else { EXIT_FAILED }))
}

/// What the command line asked `sign` for, as plain data (the flags, their help and defaults: `cli`).
#[derive(Debug)]
pub struct SignSettings {
    pub file: String,
    pub max_body: u64,
    pub secret: SigningSettings,
    pub id: Option<String>,
    pub timestamp: Option<i64>,
    pub json: bool,
    pub format: SignFormat,
    pub url: String,
}

/// How `sign` prints the headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignFormat {
    Headers,
    Args,
    Curl,
}

/// What the command line asked `verify` for, as plain data (the flags, their help and defaults: `cli`).
#[derive(Debug)]
pub struct VerifySettings {
    pub file: String,
    pub max_body: u64,
    pub secret: SigningSettings,
    pub header: Vec<String>,
    pub headers: Option<PathBuf>,
    pub tolerance: Duration,
    pub json: bool,
}
