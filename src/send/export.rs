//! `send --export locust`: a locustfile that reproduces a `send` run on Locust, for load beyond one machine
//! (Locust's master and workers): the fixture's body and headers as templates whose placeholders are filled
//! per request exactly as hookctl fills them, a signature made per request for the chosen scheme (the
//! secret read from an environment variable, never written into the file), `--concurrency` as users,
//! `--rate` as a constant throughput and `--repeat` as each user's share of the requests.
use anyhow::Result;
use reqwest::Url;
use serde_json::Value;

use super::settings::Settings;
use crate::catalog::placeholder::{Placeholder, TimeFormat};
use crate::catalog::Fixture;
use crate::error::UserError;

/// How the locustfile signs: the scheme, and the environment variable each worker reads the secret from.
pub struct ExportSigning {
    pub scheme: crate::signing::Scheme,
    pub secret_env: String,
}

impl ExportSigning {
    /// `--secret-env VAR` (or `--secret`, whose value never goes into the file: the workers read
    /// `HOOKCTL_SECRET`). The variable need not be set here: each worker reads it.
    pub fn new(scheme: crate::signing::Scheme, secret_env: Option<&str>, secret_given: bool) -> Result<Option<Self>> {
        let var = match (secret_env, secret_given) {
            (Some(var), _) => var,
            (None, true) => "HOOKCTL_SECRET",
            (None, false) => return Ok(None),
        };
        if !is_env_name(var) {
            return Err(UserError::with_hint(
                format!("--secret-env {}: not an environment variable name", crate::output::sanitize(var)),
                "use letters, digits and `_`, not starting with a digit (like HOOKCTL_SECRET)",
            )
            .into());
        }
        Ok(Some(ExportSigning { scheme, secret_env: var.to_string() }))
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`: a name every shell and Python's `os.environ` take as it is.
fn is_env_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Text made safe for one Python comment line: every control or line-breaking character (`\r`, `\n`,
/// `\x0b`, `\x0c`, `\x1c`–`\x1e`, `\x85`, U+2028, U+2029, …) written as a visible escape.
fn comment_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The locustfile's text.
pub fn locustfile(
    fixture: &Fixture,
    settings: &Settings,
    signing: Option<&ExportSigning>,
    command: &str,
) -> Result<String> {
    let [url] = settings.to.as_slice() else {
        return Err(UserError::with_hint(
            "--export locust takes exactly one --to URL",
            "Locust drives one host per run: export one file per receiver",
        )
        .into());
    };
    let url = super::deliver::parse_url(url)?;
    let mut body = fixture.template().clone();
    for set in &settings.sets {
        set.apply(&mut body).map_err(UserError::new)?;
    }
    let mut headers: Vec<(String, String)> = fixture.header_templates().to_vec();
    for (name, value) in settings.headers.iter() {
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        headers.push((name.clone(), value.clone()));
    }
    let (scheme, secret_env) = match signing {
        Some(signing) => (signing.scheme.name(), signing.secret_env.clone()),
        None => ("", String::new()),
    };
    let users = settings.concurrency.max(1);
    let requests = settings.repeat.unwrap_or(users);
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let host = host_of(&url);
    let mut text = String::from(HEADER);
    text = text
        .replace("{version}", env!("CARGO_PKG_VERSION"))
        .replace("{users}", &users.to_string())
        .replace("{requests}", &requests.to_string())
        .replace("{secret_env}", if secret_env.is_empty() { "(not signed)" } else { &secret_env })
        .replace("{command}", &comment_text(command));
    text.push_str(&format!("HOST = {}\n", python_string(&host)));
    text.push_str(&format!("PATH = {}\n", python_string(&path)));
    text.push_str(&format!("METHOD = {}\n", python_string(&fixture.method)));
    text.push_str(&format!("EVENT = {}\n", python_string(&fixture.name)));
    text.push_str(&format!("BODY = json.loads({})\n", python_string(&serde_json::to_string(&body)?)));
    let headers_json = Value::Object(headers.into_iter().map(|(n, v)| (n, Value::String(v))).collect());
    text.push_str(&format!("HEADERS = json.loads({})\n", python_string(&serde_json::to_string(&headers_json)?)));
    text.push_str(&format!("SCHEME = {}\n", python_string(scheme)));
    text.push_str(&format!("SECRET_ENV = {}\n", python_string(&secret_env)));
    text.push_str(&format!("USERS = {users}\n"));
    text.push_str(&format!("REQUESTS = {requests}\n"));
    text.push_str(&format!("RATE = {}\n", settings.rate.map_or("None".to_string(), |r| r.to_string())));
    text.push_str(&format!("TIMEOUT = {}\n", settings.timeout.as_secs_f64()));
    text.push_str(PRELUDE);
    text.push_str(&python_fill());
    text.push_str(BODY);
    Ok(text)
}

fn host_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or("localhost");
    match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

/// The locustfile's `fill(name, arg, now)`: one branch per kind of placeholder, made from the same table as
/// hookctl's own (a kind added there and not here does not compile).
fn python_fill() -> String {
    let mut text = String::from("def fill(name, arg, now):\n");
    text.push_str("    whole = \"{{\" + name + (\":\" + arg if arg is not None else \"\") + \"}}\"\n");
    for kind in Placeholder::kinds() {
        let Some(value) = python_value(&kind) else { continue };
        let written = kind.to_string();
        let test = match kind {
            Placeholder::Digits(_) => format!("name == {}", python_string("digits")),
            _ => format!("whole == {}", python_string(&written)),
        };
        text.push_str(&format!("    if {test}:\n        return {value}\n"));
    }
    text.push_str("    return None\n\n\n");
    text
}

/// What a placeholder renders to, as a Python expression over `now` and `arg` (`None`: not in bodies).
fn python_value(kind: &Placeholder) -> Option<&'static str> {
    Some(match kind {
        Placeholder::Guid => "str(uuid.uuid4()).upper()",
        Placeholder::Uuid => "str(uuid.uuid4())",
        Placeholder::Digits(_) => "\"\".join(random.choice(string.digits) for _ in range(int(arg)))",
        Placeholder::DashedDigits => {
            "\"\".join(random.choice(string.digits) for _ in range(4)) + \"-\" + \"\".join(random.choice(string.digits) for _ in range(4))"
        }
        Placeholder::Now(TimeFormat::Rfc3339) => "now.strftime(\"%Y-%m-%dT%H:%M:%SZ\")",
        Placeholder::Now(TimeFormat::Rfc3339Millis) => {
            "now.strftime(\"%Y-%m-%dT%H:%M:%S.\") + f\"{now.microsecond // 1000:03d}Z\""
        }
        Placeholder::Now(TimeFormat::UtcPlus8) => "now.astimezone(BEIJING).strftime(\"%Y-%m-%d %H:%M:%S\")",
        Placeholder::Now(TimeFormat::Unix) => "int(now.timestamp())",
        Placeholder::Now(TimeFormat::MonthDayYear) => "now.strftime(\"%m/%d/%Y %H:%M:%S\")",
        Placeholder::BodyRef(_) => return None,
    })
}

/// A Python string literal (JSON's escapes are Python's, for what JSON writes).
fn python_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

const HEADER: &str = r#"# A Locust load test generated by hookctl {version}, reproducing:
#   {command}
#
# One machine:   locust -f locustfile.py --headless
# Distributed:   locust -f locustfile.py --headless --master --expect-workers 2
#                locust -f locustfile.py --worker --master-host MASTER     (on each worker machine)
# Defaults below: {users} users (send's --concurrency), all started at once; {requests} requests in all, each
# user sending its share (REQUESTS / USERS); --rate as a constant throughput. Locust's own flags (-u, -r,
# -t, --host) override them. Signing secret: the environment variable {secret_env} (on every worker).
# Each request's body and headers are rendered afresh: placeholders as hookctl renders them, a new webhook id,
# timestamp and signature.
import base64
import datetime
import hashlib
import hmac
import json
import os
import random
import re
import string
import uuid

import gevent
from locust import FastHttpUser, constant, constant_throughput, events, task
from locust.exception import StopUser
from locust.runners import MasterRunner, WorkerRunner

"#;

const PRELUDE: &str = r#"

BEIJING = datetime.timezone(datetime.timedelta(hours=8))
PLACEHOLDER = re.compile(r"^\{\{\s*([a-z-]+)(?::(.*?))?\s*\}\}$")


"#;

const BODY: &str = r#"def render(value, now):
    if isinstance(value, str):
        match = PLACEHOLDER.match(value)
        if match and match.group(1) != "body":
            filled = fill(match.group(1), match.group(2), now)
            return value if filled is None else filled
        return value
    if isinstance(value, list):
        return [render(v, now) for v in value]
    if isinstance(value, dict):
        return {k: render(v, now) for k, v in value.items()}
    return value


def pointer(body, path):
    for token in path.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        body = body[int(token)] if isinstance(body, list) else body.get(token) if isinstance(body, dict) else None
    return body


def render_headers(body, now):
    headers = {}
    for name, template in HEADERS.items():
        match = PLACEHOLDER.match(template)
        if match and match.group(1) == "body":
            value = pointer(body, match.group(2))
            headers[name] = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        elif match:
            filled = fill(match.group(1), match.group(2), now)
            headers[name] = template if filled is None else str(filled)
        else:
            headers[name] = template
    return headers


def secret_key():
    text = os.environ.get(SECRET_ENV, "")
    if not text:
        raise SystemExit(f"set {SECRET_ENV} to the signing secret (on every worker)")
    if SCHEME in ("standard", "svix") and text.startswith("whsec_"):
        return base64.b64decode(text[len("whsec_"):])
    return text.encode()


KEY = None
ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase


def sign(data, now):
    stamp = str(int(now.timestamp()))
    if SCHEME in ("standard", "svix"):
        message_id = "msg_" + "".join(random.choice(ALPHABET) for _ in range(27))
        digest = hmac.new(KEY, f"{message_id}.{stamp}.".encode() + data, hashlib.sha256).digest()
        prefix = "svix" if SCHEME == "svix" else "webhook"
        return {f"{prefix}-id": message_id, f"{prefix}-timestamp": stamp, f"{prefix}-signature": "v1," + base64.b64encode(digest).decode()}
    if SCHEME == "github":
        return {"X-Hub-Signature-256": "sha256=" + hmac.new(KEY, data, hashlib.sha256).hexdigest()}
    if SCHEME == "stripe":
        return {"Stripe-Signature": f"t={stamp},v1=" + hmac.new(KEY, stamp.encode() + b"." + data, hashlib.sha256).hexdigest()}
    return {}


@events.init.add_listener
def read_secret(environment, **_):
    # The secret is read where requests are signed (each worker, or a single process), not by the master.
    global KEY
    if SCHEME and not isinstance(environment.runner, MasterRunner):
        KEY = secret_key()


@events.init_command_line_parser.add_listener
def defaults(parser):
    # send's --concurrency as users, all started at once; Locust's own flags still override these.
    parser.set_defaults(num_users=USERS, spawn_rate=USERS, host=HOST)


USERS_STARTED = 0


class Webhook(FastHttpUser):
    host = HOST
    network_timeout = TIMEOUT
    connection_timeout = TIMEOUT
    wait_time = constant_throughput(RATE / USERS) if RATE else constant(0)

    def on_start(self):
        global USERS_STARTED
        # Each user's share of REQUESTS (the first users of a process take the remainder).
        index = USERS_STARTED
        USERS_STARTED += 1
        users = self.environment.parsed_options.num_users if self.environment.parsed_options else USERS
        self.quota = REQUESTS // users + (1 if index < REQUESTS % users else 0)

    @task
    def deliver(self):
        if self.quota <= 0:
            raise StopUser()
        self.quota -= 1
        now = datetime.datetime.now(datetime.timezone.utc)
        body = render(BODY, now)
        data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        headers = render_headers(body, now)
        headers.update(sign(data, now))
        with self.client.request(METHOD, PATH, data=data, headers=headers, name=EVENT, catch_response=True) as answer:
            if not 200 <= answer.status_code < 300:
                answer.failure(f"HTTP {answer.status_code}")


@events.test_start.add_listener
def quit_when_done(environment, **_):
    # Every user stopping after its share ends the run (Locust would otherwise idle until --run-time).
    if isinstance(environment.runner, WorkerRunner):
        return

    def watch():
        started = False
        while True:
            gevent.sleep(0.5)
            count = environment.runner.user_count
            started = started or count > 0
            done = environment.runner.stats.total.num_requests >= REQUESTS
            if done or (started and count == 0):
                environment.runner.quit()
                return

    gevent.spawn(watch)
"#;
