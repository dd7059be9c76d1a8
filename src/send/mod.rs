//! `hookctl send`: fire provider-accurate webhooks at a receiver, once per `--to` or under load.
pub mod deliver;
mod export;
mod interactive;
mod load;
pub mod plan;
mod replay;
pub mod scenario;
pub mod settings;
mod wire;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use reqwest::Url;
use serde_json::{json, Value};

use crate::capture::select::Selection;
use crate::catalog::{Catalog, Fixture};
use crate::context::Context;
use crate::error::{exit, UserError, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK};
use crate::input;
use crate::output::{errln, json_line, out, outln, sanitize, sanitize_block};
use deliver::{Delivery, FailKind};
use plan::{Plan, Prepared, Source};
pub use settings::SendSettings;
use settings::Settings;

pub fn run(mut args: SendSettings, dir: Option<&Path>, ctx: &Context) -> Result<ExitCode> {
    let catalog = crate::catalog::load(dir, &ctx.printer())?;
    if let Some(spec) = &args.capture {
        let selection = Selection::require(spec, "--capture")?;
        if selection.single().is_none() && selection.items.is_some() {
            return replay::run(selection, &Settings::from_args(&args)?, ctx);
        }
    }
    if args.export.is_some() {
        return export_locust(&args, &catalog);
    }
    let Some(source) = source(&mut args, &catalog, ctx)? else {
        return Ok(exit(EXIT_INTERRUPTED));
    };
    let picked = args.name.is_none() && args.body.is_none() && args.capture.is_none();
    let mut prompted = picked;
    if args.to.is_empty() && !args.dry_run {
        if !ctx.can_prompt() {
            return Err(UserError::with_hint("no receiver given", "pass --to URL (repeat it to fan out)").into());
        }
        args.to.push(interactive::ask_url(ctx.stderr_color)?);
        prompted = true;
    }
    if prompted {
        if let Source::Fixture(fixture) = &source {
            let mut words = vec!["hookctl".to_string(), "send".into(), fixture.name.clone()];
            for url in &args.to {
                words.extend(["--to".to_string(), url.clone()]);
            }
            let style = ctx.printer().err;
            errln(&format!(
                "{} {}",
                style.dim("to run it again without prompts:"),
                sanitize(&crate::shell::join(&words))
            ));
        }
    }
    let urls: Vec<Url> = args.to.iter().map(|u| deliver::parse_url(u)).collect::<Result<_>>()?;
    let settings = Settings::from_args(&args)?;
    refuse_new_fields(&source, &settings.sets)?;
    let mut plan = plan_for(source, &settings);
    if let (true, Some(spec)) = (args.keep_id, &args.capture) {
        let captured = crate::capture::collect::one(Selection::require(spec, "--capture")?, "--capture", false)?;
        plan.message_id = replay::original_id(&captured);
    }
    // Build once up front: a --set that cannot apply, or a header HTTP cannot carry, is a usage error
    // and nothing is sent.
    let first = plan.build()?;
    deliver::method(&first.method)?;
    deliver::header_map(&first.headers)?;

    if let Some((provider, max)) = plan.provider().and_then(|p| Some((p, p.max_webhooks?))) {
        if urls.len() > max {
            ctx.printer().warn(&format!(
                "{} allows at most {max} webhooks per app; sending to all {} URLs anyway",
                provider.title(),
                urls.len()
            ));
        }
    }
    if args.dry_run {
        dry_run(&plan, first, &urls, &settings, ctx)?;
        return Ok(exit(EXIT_OK));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match args.repeat {
        Some(repeat) => runtime.block_on(load_mode(plan, urls, repeat, &settings, ctx)),
        None => runtime.block_on(send_each(plan, first, urls, &settings, ctx)),
    }
}

/// `send NAME --to URL … --export locust`: the locustfile on stdout.
fn export_locust(args: &SendSettings, catalog: &Catalog) -> Result<ExitCode> {
    let Some(name) = &args.name else {
        return Err(UserError::with_hint(
            "--export locust needs a fixture NAME",
            "hookctl send NAME --to URL --export locust > locustfile.py",
        )
        .into());
    };
    if args.body.is_some() {
        return Err(UserError::new(
            "--export locust sends a fixture's body (its placeholders filled per request), not --body",
        )
        .into());
    }
    if args.to.is_empty() {
        return Err(UserError::with_hint("no receiver given", "pass --to URL").into());
    }
    let fixture = catalog.require(name)?;
    let signing = export::ExportSigning::new(
        args.signing.scheme(),
        args.signing.secret_env.as_deref(),
        args.signing.secret.is_some(),
    )?;
    let settings = Settings::for_export(args)?;
    let text = export::locustfile(fixture, &settings, signing.as_ref(), &redacted_command())?;
    out(&text)?;
    Ok(exit(EXIT_OK))
}

/// This command line as typed, any `--secret` value replaced by `***` (it goes into a file).
fn redacted_command() -> String {
    let mut words: Vec<String> = Vec::new();
    let mut hide_next = false;
    for (i, arg) in std::env::args_os().map(|a| a.to_string_lossy().into_owned()).enumerate() {
        let word = if i == 0 {
            "hookctl".to_string()
        } else if hide_next {
            hide_next = false;
            "***".to_string()
        } else if arg == "--secret" {
            hide_next = true;
            arg
        } else if arg.starts_with("--secret=") {
            "--secret=***".to_string()
        } else {
            arg
        };
        words.push(word);
    }
    crate::shell::join(&words)
}

/// What to send from `source`, with the command line's `--set`, `-H` and signing applied.
pub(crate) fn plan_for(source: Source, settings: &Settings) -> Plan {
    Plan {
        source,
        sets: settings.sets.clone(),
        headers: settings.headers.clone(),
        signing: settings.signing.clone(),
        message_id: None,
    }
}

/// The fixture, file or capture to send; `None` when the user left the picker.
fn source(args: &mut SendSettings, catalog: &Catalog, ctx: &Context) -> Result<Option<Source>> {
    if let Some(spec) = &args.capture {
        let selection = Selection::require(spec, "--capture")?;
        let captured = crate::capture::collect::one(selection, "--capture", ctx.stderr_color)?;
        return Ok(Some(plan::from_capture(captured)));
    }
    if let Some(spec) = &args.body {
        let payload = input::read(spec, args.max_body)?;
        let body = input::parse_json(&payload.bytes, &payload.label)?;
        let headers_from = args.name.as_deref().map(|n| catalog.require(n).cloned()).transpose()?;
        return Ok(Some(Source::Json { body, headers_from }));
    }
    let name = match &args.name {
        Some(name) => name.clone(),
        None if ctx.can_prompt() => match interactive::pick_fixture(catalog, ctx.stderr_color)? {
            Some(name) => name,
            None => return Ok(None),
        },
        None => {
            return Err(UserError::with_hint(
                "no webhook given",
                "pass a fixture NAME (`hookctl fixtures` lists them), --body FILE or --capture FILE[:ID]",
            )
            .into())
        }
    };
    let fixture = catalog.require(&name)?.clone();
    if args.interactive {
        return interactive_source(fixture, catalog, ctx).map(Some);
    }
    Ok(Some(Source::Fixture(fixture)))
}

fn interactive_source(fixture: Fixture, catalog: &Catalog, ctx: &Context) -> Result<Source> {
    let Some(prompts) = fixture.provider_data.as_ref().and_then(|p| p.interactive.clone()) else {
        let with: Vec<String> =
            catalog.providers().filter(|p| p.interactive.is_some()).map(|p| format!("{}.*", p.name)).collect();
        return Err(UserError::with_hint(
            format!("--interactive fills in a provider's configuration; `{}`'s provider describes none", fixture.name),
            format!("fixtures that have one: {}", if with.is_empty() { "none".into() } else { with.join(", ") }),
        )
        .into());
    };
    if !ctx.can_prompt() {
        return Err(
            UserError::with_hint("--interactive needs a terminal", "use --set FIELD=VALUE in scripts and CI").into()
        );
    }
    let mut body = fixture.render().body;
    // The first of the provider's pointers that names an object in this fixture's body is filled in.
    let Some(at) = prompts.fill.iter().find(|p| body.pointer(p).is_some_and(Value::is_object)).cloned() else {
        return Err(UserError::new(format!("`{}` has no configuration object to fill in", fixture.name)).into());
    };
    let config = body.pointer(&at).and_then(Value::as_object).cloned().unwrap_or_default();
    let answers = interactive::ask_configuration(&config, &prompts, ctx.stderr_color)?;
    if let Some(slot) = body.pointer_mut(&at) {
        *slot = Value::Object(answers);
    }
    Ok(Source::Json { body, headers_from: Some(fixture) })
}

/// `--dry-run`: the request exactly as it would go on the wire. The body is its exact bytes (what a
/// signature covers), unless `--pretty` asks for it indented; on a terminal, control characters are escaped.
pub(crate) fn dry_run(plan: &Plan, first: Prepared, urls: &[Url], settings: &Settings, ctx: &Context) -> Result<()> {
    let targets: Vec<Option<&Url>> = if urls.is_empty() { vec![None] } else { urls.iter().map(Some).collect() };
    for (i, url) in targets.into_iter().enumerate() {
        let mut prepared = if i == 0 { first.clone() } else { plan.build()? };
        prepared.headers = deliver::wire_headers(&prepared.headers, prepared.body.len(), url);
        if settings.json {
            json_line(&request_json(&prepared, url))?;
        } else if settings.pretty {
            out(&request_text(&prepared, url, ctx.stdout_color))?;
        } else {
            let body = format!("{}\n", sanitize_block(&String::from_utf8_lossy(&prepared.body)));
            out(&crate::render::request_text(
                &prepared.method,
                url.map(Url::as_str),
                &prepared.headers,
                &body,
                ctx.stdout_color,
            ))?;
        }
    }
    Ok(())
}

fn headers_json(headers: &[(String, String)]) -> Value {
    Value::Object(headers.iter().map(|(n, v)| (n.clone(), Value::String(v.clone()))).collect())
}

/// `{"method", "url", "headers", "body", "body_text", "body_bytes"}`: `body` as JSON for `jq`, `body_text` the
/// exact bytes sent (when they are UTF-8).
fn request_json(prepared: &Prepared, url: Option<&Url>) -> Value {
    let text = std::str::from_utf8(&prepared.body).ok();
    let body = serde_json::from_slice(&prepared.body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&prepared.body).into()));
    json!({
        "method": prepared.method, "url": url.map(Url::as_str), "headers": headers_json(&prepared.headers),
        "body": body, "body_text": text, "body_bytes": prepared.body.len(),
    })
}

fn request_text(prepared: &Prepared, url: Option<&Url>, color: bool) -> String {
    let body = crate::render::body_text(&prepared.body, color);
    crate::render::request_text(&prepared.method, url.map(Url::as_str), &prepared.headers, &body, color)
}

async fn send_each(
    plan: Plan,
    first: Prepared,
    urls: Vec<Url>,
    settings: &Settings,
    ctx: &Context,
) -> Result<ExitCode> {
    let client = deliver::client_following(settings.timeout, 1, settings.follow, &settings.client_tls)?;
    let retry = settings.retry.as_deref().map(scenario::RetryPolicy::parse).transpose()?;
    let mut tasks = Vec::new();
    for (i, url) in urls.iter().enumerate() {
        let prepared = if i == 0 { first.clone() } else { plan.build()? };
        tasks.push((url.clone(), prepared));
    }
    let run = OneByOne { client: &client, plan: &plan, retry: retry.as_ref(), settings, ctx };
    let mut cases = Vec::new();
    let mut all_ok = true;
    for (url, prepared) in tasks {
        for copy in 1..=settings.duplicate {
            // `-v` shows every request that goes out, each copy of a --duplicate included.
            if settings.verbose {
                if settings.duplicate > 1 {
                    errln(&format!("> (copy {copy}/{}: the same bytes)", settings.duplicate));
                }
                errln(&prefixed('>', &request_text(&prepared, Some(&url), ctx.stderr_color)));
            }
            let outcome = run.deliver_with_retries(&url, &prepared, copy).await?;
            all_ok &= outcome.ok();
            let name = format!(
                "{} → {}{}",
                plan.label().unwrap_or("request"),
                outcome.url,
                if settings.duplicate > 1 { format!(" (copy {copy}/{})", settings.duplicate) } else { String::new() }
            );
            let message = match (&outcome.failure, outcome.status) {
                (Some((_, message)), _) => vec![message.clone()],
                (None, Some(status)) if !outcome.ok() => vec![format!("answered {status}")],
                _ => vec![],
            };
            cases.push(crate::report::Case::new(name, outcome.ok(), message));
        }
    }
    let code = if all_ok { EXIT_OK } else { EXIT_FAILED };
    crate::report::Suite { command: "send".into(), cases, exit_code: code, seconds: 0.0 }
        .write(&crate::report::Target::parse_all(&settings.report)?);
    Ok(exit(code))
}

/// What every delivery of a one-by-one send shares: the client, the plan, `--retry`'s policy, the settings.
struct OneByOne<'a> {
    client: &'a reqwest::Client,
    plan: &'a Plan,
    retry: Option<&'a scenario::RetryPolicy>,
    settings: &'a Settings,
    ctx: &'a Context,
}

impl OneByOne<'_> {
    /// One delivery, with `--retry`'s attempts when it fails; each attempt is reported. Returns the last.
    async fn deliver_with_retries(&self, url: &Url, prepared: &Prepared, copy: u64) -> Result<Delivery> {
        let OneByOne { client, plan, retry, settings, ctx } = *self;
        let style = ctx.printer().err;
        let mut request = prepared.clone();
        let mut attempt = 1;
        let mut waited = None;
        loop {
            let method = deliver::method(&request.method)?;
            let headers = deliver::header_map(&request.headers)?;
            let delivery =
                deliver::deliver(client, url, method, headers, request.clone(), settings.timeout, settings.verbose)
                    .await;
            let retrying = retry.is_some();
            let extra = Attempt {
                copy: (settings.duplicate > 1).then_some(copy),
                attempt: retrying.then_some(attempt),
                delay: waited.filter(|_| retrying),
                capture: plan.capture_id(),
            };
            report_attempt(&delivery, plan, settings, ctx, &extra)?;
            let Some(policy) = retry.filter(|_| !delivery.ok()) else { return Ok(delivery) };
            let Some((delay, scaled)) = scenario::wait_before(policy, attempt + 1, settings.time_scale) else {
                if !settings.json {
                    errln(&format!(
                        "{} gave up after {attempt} attempts (--retry {})",
                        style.bad("retry:"),
                        policy.name
                    ));
                }
                return Ok(delivery);
            };
            attempt += 1;
            if !settings.json {
                let scaled_note = if scaled != delay {
                    format!(", {} with --time-scale", humantime::format_duration(scaled))
                } else {
                    String::new()
                };
                errln(&format!(
                    "{} attempt {attempt} in {}{scaled_note}",
                    style.dim("retry:"),
                    humantime::format_duration(delay)
                ));
            }
            tokio::time::sleep(scaled).await;
            // A provider's retry: the same body and webhook id, a fresh timestamp and signature.
            request = plan.resign(&request);
            waited = Some(delay);
        }
    }
}

/// Which copy and which attempt a delivery was, for its report line.
#[derive(Default)]
pub(crate) struct Attempt {
    pub copy: Option<u64>,
    pub attempt: Option<usize>,
    /// The wait before this attempt (as scheduled, before --time-scale).
    pub delay: Option<std::time::Duration>,
    /// A replayed capture's id (`send --capture FILE:7..11`).
    pub capture: Option<u64>,
}

fn prefixed(mark: char, text: &str) -> String {
    text.trim_end().lines().map(|l| format!("{mark} {l}")).collect::<Vec<_>>().join("\n")
}

/// One delivery as `send --json` prints it (and the inspector's replay answers).
pub fn delivery_json(delivery: &Delivery, plan: &Plan) -> Value {
    let elapsed_ms = (delivery.elapsed.as_secs_f64() * 1000.0 * 10.0).round() / 10.0;
    json!({
        "event": plan.label(),
        "url": delivery.url,
        "status": delivery.status,
        "ok": delivery.ok(),
        "elapsed_ms": elapsed_ms,
        "response_bytes": delivery.response_bytes,
        "response_truncated": delivery.response_truncated,
        "error": delivery.failure.as_ref().map(|(_, message)| message),
        "error_kind": delivery.failure.as_ref().map(|(kind, _)| kind),
    })
}

/// `--set` on a field the fixture's body does not have is refused (exit 2: nothing is sent), with the nearest
/// existing name, since it is usually a typo (`devicetype` for `device_type`); `--set-new` adds one on purpose.
fn refuse_new_fields(source: &Source, sets: &[crate::catalog::set_path::Assignment]) -> Result<()> {
    let body = match source {
        Source::Fixture(fixture) => fixture.render().body,
        Source::Json { body, .. } => body.clone(),
        Source::Capture { body, .. } => match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(_) => return Ok(()),
        },
    };
    for set in sets.iter().filter(|s| !s.adds) {
        let Some((key, siblings)) = set.new_key(&body) else { continue };
        let nearest = siblings
            .iter()
            .map(|s| (strsim::jaro_winkler(&key.to_lowercase(), &s.to_lowercase()), s))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, s)| format!("did you mean {}? ", sanitize(s)))
            .unwrap_or_default();
        return Err(UserError::with_hint(
            format!("--set {}: the body has no field {}", sanitize(set.path_text()), sanitize(&key)),
            format!("{nearest}(--set-new {}=… adds it on purpose)", sanitize(set.path_text())),
        )
        .into());
    }
    Ok(())
}

/// Checks a receiver URL as `--to` does.
pub fn deliver_url(text: &str) -> Result<Url> {
    deliver::parse_url(text)
}

/// One request built from `plan` (never following a redirect), as `send --json` says it, with what the
/// receiver answered: `response: {headers, body, truncated}` (64 KiB of body at most): the inspector's replay.
pub async fn replay_once(plan: &Plan, url: &Url, tls: &crate::tls::ClientTls) -> Result<Value> {
    const SHOWN: usize = 64 << 10;
    let prepared = plan.build()?;
    let method = deliver::method(&prepared.method)?;
    let headers = deliver::header_map(&prepared.headers)?;
    let timeout = std::time::Duration::from_secs(10);
    let client = deliver::client(timeout, 1, tls)?;
    let delivery = deliver::deliver(&client, url, method, headers, prepared, timeout, true).await;
    let mut value = delivery_json(&delivery, plan);
    if delivery.status.is_some() {
        let body = &delivery.response_body[..delivery.response_body.len().min(SHOWN)];
        value["response"] = json!({
            "headers": delivery.response_headers.to_json(),
            "body": String::from_utf8_lossy(body),
            "truncated": delivery.response_body.len() > SHOWN || delivery.response_truncated,
        });
    }
    Ok(value)
}

pub(crate) fn report_attempt(
    delivery: &Delivery,
    plan: &Plan,
    settings: &Settings,
    ctx: &Context,
    extra: &Attempt,
) -> Result<()> {
    let provider = plan.provider();
    let elapsed_ms = (delivery.elapsed.as_secs_f64() * 1000.0 * 10.0).round() / 10.0;
    if settings.json {
        let mut line = delivery_json(delivery, plan);
        if let Some(copy) = extra.copy {
            line["copy"] = json!(copy);
        }
        if let Some(attempt) = extra.attempt {
            line["attempt"] = json!(attempt);
            line["delay_ms"] = json!(extra.delay.map_or(0, |d| d.as_millis() as u64));
        }
        if let Some(id) = extra.capture {
            line["capture"] = json!(id);
        }
        json_line(&line)?;
    } else {
        let out_style = ctx.printer().out;
        let url = match plan.label() {
            Some(label) => format!("{} → {}", sanitize(label), sanitize(&delivery.url)),
            None => sanitize(&delivery.url).into_owned(),
        };
        let url = match extra.capture {
            Some(id) => format!("#{id} {url}"),
            None => url,
        };
        let line = match (&delivery.failure, delivery.status) {
            (Some((_, message)), _) => {
                format!("{}  {elapsed_ms} ms  {url}  {}", out_style.bad("ERR"), sanitize(message))
            }
            (None, Some(status)) => {
                let reason =
                    reqwest::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("");
                let label = format!("{status} {reason}");
                let label = if delivery.ok() { out_style.ok(&label) } else { out_style.bad(&label) };
                let more = if delivery.response_truncated { "+" } else { "" };
                format!("{label}  {elapsed_ms} ms  {}{more} B  {url}", delivery.response_bytes)
            }
            (None, None) => format!("ERR  {elapsed_ms} ms  {url}"),
        };
        let mut tags = Vec::new();
        if let Some(copy) = extra.copy {
            tags.push(format!("copy {copy}/{}", settings.duplicate));
        }
        if let Some(attempt) = extra.attempt {
            tags.push(format!("attempt {attempt}"));
        }
        let line = if tags.is_empty() { line } else { format!("{line}  ({})", tags.join(", ")) };
        outln(&line)?;
    }
    if settings.verbose && delivery.status.is_some() {
        errln(&prefixed('<', &answer_text(delivery, ctx.stderr_color)));
    }
    // What the provider would do after a failure: not said between the attempts of a --retry the user
    // asked for (they are what a retrying provider does).
    if let Some(note) = deliver::provider_note(provider, delivery).filter(|_| extra.attempt.is_none()) {
        ctx.printer().note(&note);
    }
    if matches!(delivery.failure, Some((FailKind::Refused, _))) && !settings.json {
        ctx.printer().hint("is the receiver running? `hookctl listen PORT` gives you one");
    }
    Ok(())
}

/// `-v`: the receiver's answer as it came (status, headers, body), its untrusted parts cleaned.
fn answer_text(delivery: &Delivery, color: bool) -> String {
    let mut text = format!("HTTP {}\n", delivery.status.unwrap_or(0));
    for (name, value) in &delivery.response_headers {
        text.push_str(&format!("{}: {}\n", sanitize(name), sanitize(value)));
    }
    text.push('\n');
    text.push_str(&crate::render::body_text(&delivery.response_body, color));
    if delivery.response_truncated {
        text.push_str(&format!(
            "\n… truncated: hookctl reads at most {} bytes of an answer\n",
            crate::http::ANSWER_LIMIT
        ));
    }
    text
}

async fn load_mode(plan: Plan, urls: Vec<Url>, repeat: u64, settings: &Settings, ctx: &Context) -> Result<ExitCode> {
    let plan_label = plan.label().unwrap_or("request").to_string();
    let options = load::LoadOptions {
        repeat,
        concurrency: settings.concurrency,
        rate: settings.rate,
        progress: ctx.stderr_tty && !settings.verbose,
        timeout: settings.timeout,
    };
    let transport =
        load::Transport::for_urls(&urls, settings.timeout, settings.concurrency as usize, &settings.client_tls).await?;
    let urls = Arc::new(urls);
    let summary = load::run(Arc::new(plan), urls.clone(), transport, &options)
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the event loops that send the load: {e}"))?;
    if settings.json {
        json_line(&summary.to_json(settings.concurrency, &urls))?;
    } else {
        out(&summary.to_text())?;
    }
    let code = if summary.failed() == 0 { EXIT_OK } else { EXIT_FAILED };
    // Under load the report is one case: every delivery got a 2xx, or how many did not and why.
    let failures: Vec<String> = summary.failures.iter().map(|(why, n)| format!("{n} × {why}")).collect();
    let name =
        format!("{} × {} → {}", summary.sent, plan_label, urls.iter().map(Url::as_str).collect::<Vec<_>>().join(", "));
    crate::report::Suite {
        command: "send".into(),
        cases: vec![crate::report::Case::new(name, code == EXIT_OK, failures)],
        exit_code: code,
        seconds: summary.elapsed.as_secs_f64(),
    }
    .write(&crate::report::Target::parse_all(&settings.report)?);
    Ok(exit(code))
}
