//! `send --capture FILE:3..9`: replay several captured requests in capture order, each with its exact
//! original bytes (or `--set` applied, said once), re-signed with a fresh id and timestamp under `--secret`
//! (`--keep-id` keeps the original id: a duplicate delivery), paced as captured (`--pace original`), at
//! `--rate`, or as fast as one connection goes.
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Result;
use reqwest::Url;

use super::plan;
use super::settings::Settings;
use super::{deliver, dry_run, plan_for};
use crate::capture::select::{Filter, Selection};
use crate::capture::Captured;
use crate::context::Context;
use crate::error::{exit, UserError, EXIT_FAILED, EXIT_OK};
use crate::output::errln;

/// The webhook id a capture was signed with, for `--keep-id`.
pub fn original_id(captured: &Captured) -> Option<String> {
    let headers = &captured.record.headers;
    headers.get("webhook-id").or_else(|| headers.get("svix-id")).map(String::from)
}

fn received_at(captured: &Captured) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    chrono::DateTime::parse_from_rfc3339(&captured.record.received_at).ok()
}

/// Nothing selected, no receiver, or `--repeat` (each capture is sent once): usage errors before anything is sent.
fn refuse_unusable(captures: &[Captured], selection: &Selection, settings: &Settings) -> Result<()> {
    if captures.is_empty() {
        return Err(UserError::new(format!("{}: no capture records selected", selection.path.display())).into());
    }
    if settings.to.is_empty() && !settings.dry_run {
        return Err(UserError::with_hint("no receiver given", "pass --to URL to replay the captures to").into());
    }
    if settings.repeat.is_some() {
        return Err(UserError::new("--repeat does not go with a --capture range: each capture is sent once").into());
    }
    Ok(())
}

pub fn run(selection: Selection, settings: &Settings, ctx: &Context) -> Result<ExitCode> {
    let mut captures = crate::capture::collect::collect(&selection, &Filter::default(), None, ctx.stderr_color)?;
    if settings.shuffle {
        let seed = settings.seed.unwrap_or_else(|| fastrand::u64(..));
        errln(&format!("shuffled with --seed {seed} (pass it again for the same order)"));
        fastrand::Rng::with_seed(seed).shuffle(&mut captures);
    }
    refuse_unusable(&captures, &selection, settings)?;
    let urls: Vec<Url> = settings.to.iter().map(|u| deliver::parse_url(u)).collect::<Result<_>>()?;
    let mut plan = plan_for(plan::from_capture(captures[0].clone()), settings);
    let printer = ctx.printer();
    if !plan.sets.is_empty() {
        printer.note("--set re-serialises each body: the bytes sent are not the captured ones");
    }
    // Every capture must build (a --set that cannot apply is a usage error before anything is sent).
    let mut prepared = Vec::new();
    for captured in &captures {
        plan.source = plan::from_capture(captured.clone());
        plan.message_id = if settings.keep_id { original_id(captured) } else { None };
        prepared.push(plan.build()?);
    }
    if settings.dry_run {
        for (captured, request) in captures.iter().zip(prepared) {
            plan.source = plan::from_capture(captured.clone());
            dry_run(&plan, request, &urls, settings, ctx)?;
        }
        return Ok(exit(EXIT_OK));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let client = deliver::client_following(settings.timeout, 1, settings.follow, &settings.client_tls)?;
    let started = Instant::now();
    let first_time = received_at(&captures[0]);
    let mut all_ok = true;
    let mut cases = Vec::new();
    for (i, (captured, request)) in captures.iter().zip(prepared).enumerate() {
        let due = match (&settings.pace, settings.rate, first_time, received_at(captured)) {
            (Some(_), _, Some(first), Some(this)) => (this - first).to_std().unwrap_or_default(),
            (None, Some(rate), _, _) => Duration::from_secs_f64(i as f64 / rate as f64),
            _ => Duration::ZERO,
        };
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            std::thread::sleep(wait);
        }
        plan.source = plan::from_capture(captured.clone());
        for url in &urls {
            for copy in 1..=settings.duplicate {
                let method = deliver::method(&request.method)?;
                let headers = deliver::header_map(&request.headers)?;
                let delivery = runtime.block_on(deliver::deliver(
                    &client,
                    url,
                    method,
                    headers,
                    request.clone(),
                    settings.timeout,
                    settings.verbose,
                ));
                all_ok &= delivery.ok();
                let extra = super::Attempt {
                    copy: (settings.duplicate > 1).then_some(copy),
                    capture: Some(captured.record.id),
                    ..Default::default()
                };
                super::report_attempt(&delivery, &plan, settings, ctx, &extra)?;
                cases.push(crate::report::Case::new(
                    format!("#{} {} → {url}", captured.record.id, plan.label().unwrap_or("request")),
                    delivery.ok(),
                    delivery.failure.as_ref().map(|(_, m)| vec![m.clone()]).unwrap_or_default(),
                ));
            }
        }
    }
    let code = if all_ok { EXIT_OK } else { EXIT_FAILED };
    crate::report::Suite { command: "send".into(), cases, exit_code: code, seconds: started.elapsed().as_secs_f64() }
        .write(&crate::report::Target::parse_all(&settings.report)?);
    Ok(exit(code))
}
