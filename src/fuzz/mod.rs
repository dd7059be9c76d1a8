//! `hookctl fuzz`: sends a receiver every event's fixture, the edge cases and random bodies its schema
//! allows, invalid bodies, duplicate deliveries and broken signatures; reports what it fails on, each
//! finding shrunk to its smallest body and saved as a fixture with the command that sends it again.
pub mod cases;
pub mod finding;
pub mod judge;
mod settings;
mod shrinking;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};
use reqwest::{Client, Url};
use serde_json::{json, Value};

use crate::catalog::placeholder::RenderClock;
use crate::catalog::{self, Catalog, Fixture};
use crate::context::Context;
use crate::error::{self, UserError};
use crate::generate::Generator;
use crate::output::{self, sanitize};
use crate::report::{self, Suite};
use crate::signing::{self, Scheme, Secret};
use cases::{Body, Case, Dress, Origin};
use finding::Finding;
use judge::{Expect, Kind, Outcome, Request};
pub use settings::{check_name, FuzzCheck, FuzzSettings};

/// The delivery timeout when neither `--timeout` nor the provider's file gives one.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Where findings are saved when `--save-failures` is not given.
const DEFAULT_SAVE_DIR: &str = "hookctl-fuzz";

pub fn run(args: FuzzSettings, dir: Option<&Path>, ctx: &Context) -> Result<ExitCode> {
    let printer = ctx.printer();
    let catalog = catalog::load(dir, &printer)?;
    let fixtures = select(&catalog, &args.events)?;
    let url = crate::send::deliver_url(&args.to)?;
    let scheme = args.signing.scheme();
    let signing = signing::resolve(args.signing.secret.as_deref(), args.signing.secret_env.as_deref(), scheme)?;
    let checks = checks(&args.checks, signing.is_some())?;
    let user_headers = args.header.iter().map(|h| signing::parse_header(h)).collect::<Result<_>>()?;
    let report_targets = report::Target::parse_all(&args.report)?;
    let seed = args.seed.unwrap_or_else(|| fastrand::u64(..));
    let save_dir = args.save_failures.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_SAVE_DIR));
    let signing_flags = signing.as_ref().map(|_| match &args.signing.secret_env {
        Some(var) => format!("--secret-env {} --scheme {}", crate::shell::quote(var), scheme.name()),
        None => format!("--secret \"$HOOKCTL_SECRET\" --scheme {}", scheme.name()),
    });
    let tls = args.client_tls.clone();

    output::errln(&format!(
        "fuzz: seed {seed} (--seed {seed} sends the same bodies) · {} event{} · {} · {}",
        fixtures.len(),
        if fixtures.len() == 1 { "" } else { "s" },
        checks.iter().map(|c| check_name(*c)).collect::<Vec<_>>().join(", "),
        sanitize(url.as_str())
    ));
    if args.checks.is_empty() && signing.is_none() {
        printer.note("signatures not checked: pass --secret-env VAR (and --scheme) to check them");
    }

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let client = crate::send::deliver::client(Duration::from_secs(3600), args.concurrency as usize, &tls)?;
    runtime.block_on(reachable(&url))?;
    let stop = Stop::new(&runtime);

    let progress = (ctx.stderr_tty && !args.json).then(|| {
        MultiProgress::with_draw_target(ProgressDrawTarget::term_like_with_hz(Box::new(console::Term::stderr()), 10))
    });
    let started = Instant::now();
    let mut runner = Runner {
        runtime,
        client,
        url,
        dress: Arc::new(Dress { user_headers, signing: signing.map(|secret| (scheme, secret)) }),
        concurrency: args.concurrency as usize,
        budget: args.budget as usize,
        seed,
        checks,
        save_dir: save_dir.clone(),
        signing_flags,
        requests: 0,
        progress,
        down: false,
        stop,
    };
    let (findings, suite_cases) = runner.every_event(&fixtures, args.timeout, &printer);
    let elapsed = started.elapsed();
    if let Some(progress) = &runner.progress {
        let _ = progress.clear();
    }

    let interrupted = runner.stop.interrupted();
    if interrupted {
        output::errln("fuzz: interrupted: what was found so far is reported and saved");
    }
    let saved = if findings.is_empty() { Vec::new() } else { finding::save(&save_dir, &findings)? };
    let code = match (interrupted, findings.is_empty()) {
        (true, _) => error::EXIT_INTERRUPTED,
        (false, true) => error::EXIT_OK,
        (false, false) => error::EXIT_FAILED,
    };
    let run =
        Ran { fixtures: &fixtures, findings: &findings, elapsed, interrupted, saved: &saved, save_dir: &save_dir };
    run.print(&runner, args.json, &printer)?;
    Suite { command: "fuzz".into(), cases: suite_cases, exit_code: code, seconds: elapsed.as_secs_f64() }
        .write(&report_targets);
    Ok(error::exit(code))
}

/// What one fuzz run found, for its report.
struct Ran<'a> {
    fixtures: &'a [&'a Fixture],
    findings: &'a [Finding],
    elapsed: Duration,
    interrupted: bool,
    saved: &'a [PathBuf],
    save_dir: &'a Path,
}

impl Ran<'_> {
    /// The findings on stdout (text, or one JSON document with `--json`) and the one-line summary on stderr.
    fn print(&self, runner: &Runner, json: bool, printer: &output::Printer) -> Result<()> {
        if json {
            output::json_line(&json!({
                "seed": runner.seed,
                "requests": runner.requests,
                "events": self.fixtures.len(),
                "checks": runner.checks.iter().map(|c| check_name(*c)).collect::<Vec<_>>(),
                "seconds": (self.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
                "interrupted": self.interrupted,
                "findings": self.findings.iter().map(Finding::to_json).collect::<Vec<_>>(),
            }))?;
        } else {
            print_text(self.fixtures, self.findings, printer)?;
        }
        output::errln(&format!(
            "fuzz: {} request{} in {:.1}s · {} finding{}{}",
            output::thousands(runner.requests),
            if runner.requests == 1 { "" } else { "s" },
            self.elapsed.as_secs_f64(),
            self.findings.len(),
            if self.findings.len() == 1 { "" } else { "s" },
            if self.saved.is_empty() {
                String::new()
            } else {
                format!(" · saved as fixtures in {}", self.save_dir.display())
            }
        ));
        Ok(())
    }
}

impl Runner {
    /// Every event's checks in turn, until the last, an interrupt or a receiver that went down: the findings,
    /// and one report case per event and check.
    fn every_event(
        &mut self,
        fixtures: &[&Fixture],
        timeout: Option<Duration>,
        printer: &output::Printer,
    ) -> (Vec<Finding>, Vec<report::Case>) {
        let mut findings = Vec::new();
        let mut suite_cases = Vec::new();
        for fixture in fixtures {
            fastrand::seed(self.seed ^ hash(&fixture.name));
            let timeout = timeout
                .or_else(|| fixture.provider_data.as_ref().and_then(|p| p.delivery_timeout()))
                .unwrap_or(DEFAULT_TIMEOUT);
            self.stop.timeouts.store(0, std::sync::atomic::Ordering::SeqCst);
            let (found, ran) = self.event(fixture, timeout);
            for check in ran {
                let mine: Vec<&Finding> = found.iter().filter(|f| f.check == check).collect();
                let messages = mine.iter().map(|f| format!("{}: {} ({})", f.kind.name(), f.answer, f.case)).collect();
                suite_cases.push(report::Case::new(
                    format!("{} {}", fixture.name, check_name(check)),
                    mine.is_empty(),
                    messages,
                ));
            }
            findings.extend(found);
            if self.stop.interrupted() {
                break;
            }
            if self.stop.gave_up() {
                printer.failure(
                    "fuzz:",
                    &format!(
                        "{}: {TIMEOUTS_IN_A_ROW} requests in a row got no answer within {}: its other cases were not sent (is the receiver stuck?)",
                        sanitize(&fixture.name),
                        humantime::format_duration(timeout)
                    ),
                );
            }
            if self.down {
                printer.failure(
                    "fuzz:",
                    &format!(
                        "the receiver stopped answering during {} (see its finding); restart it and run again with --seed {}",
                        fixture.name, self.seed
                    ),
                );
                break;
            }
        }
        (findings, suite_cases)
    }
}

fn hash(text: &str) -> u64 {
    // FNV-1a: a stable per-event seed (std's hasher may change between releases).
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// The fixtures named (exact names or globs), or every one.
fn select<'c>(catalog: &'c Catalog, patterns: &[String]) -> Result<Vec<&'c Fixture>> {
    if patterns.is_empty() {
        return Ok(catalog.iter().collect());
    }
    let mut chosen: Vec<&Fixture> = Vec::new();
    for pattern in patterns {
        if pattern.contains(['*', '?']) {
            let matched: Vec<&Fixture> =
                catalog.iter().filter(|f| crate::glob::glob_matches(pattern, &f.name)).collect();
            if matched.is_empty() {
                return Err(UserError::with_hint(
                    format!("no fixture matches {}", sanitize(pattern)),
                    "run `hookctl fixtures` to list every name",
                )
                .into());
            }
            chosen.extend(matched);
        } else {
            chosen.push(catalog.require(pattern)?);
        }
    }
    chosen.sort_by(|a, b| a.name.cmp(&b.name));
    chosen.dedup_by(|a, b| a.name == b.name);
    Ok(chosen)
}

fn checks(asked: &[FuzzCheck], signing: bool) -> Result<Vec<FuzzCheck>> {
    if asked.contains(&FuzzCheck::Signatures) && !signing {
        return Err(UserError::with_hint(
            "--checks signatures needs the receiver's signing secret",
            "pass --secret-env VAR (or --secret) and --scheme standard|svix|github|stripe",
        )
        .into());
    }
    let mut list: Vec<FuzzCheck> = if asked.is_empty() {
        let mut all = vec![FuzzCheck::Examples, FuzzCheck::Generated, FuzzCheck::Negative, FuzzCheck::Delivery];
        if signing {
            all.push(FuzzCheck::Signatures);
        }
        all
    } else {
        asked.to_vec()
    };
    list.sort();
    list.dedup();
    Ok(list)
}

/// Nothing to fuzz when nothing listens: one clear error before any case is made.
async fn reachable(url: &Url) -> Result<()> {
    let host = url.host_str().unwrap_or("localhost").trim_start_matches('[').trim_end_matches(']').to_string();
    let port = url.port_or_known_default().unwrap_or(80);
    let connect = tokio::net::TcpStream::connect((host.as_str(), port));
    match tokio::time::timeout(Duration::from_secs(5), connect).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(err)) => Err(anyhow::anyhow!(
            "nothing answers at {}:{port} ({err}): start the receiver first, then run fuzz against it",
            sanitize(&host)
        )),
        Err(_) => Err(anyhow::anyhow!("{}:{port} did not accept a connection within 5s", sanitize(&host))),
    }
}

struct Runner {
    runtime: tokio::runtime::Runtime,
    client: Client,
    url: Url,
    dress: Arc<Dress>,
    concurrency: usize,
    budget: usize,
    seed: u64,
    checks: Vec<FuzzCheck>,
    save_dir: PathBuf,
    signing_flags: Option<String>,
    requests: u64,
    progress: Option<MultiProgress>,
    /// The receiver stopped answering: the run ends after the event that found it.
    down: bool,
    /// How the run stops early: Ctrl-C, or too many timeouts in a row on one event.
    stop: Stop,
}

/// Requests in a row that got no answer within the timeout, after which an event's other cases are not sent.
const TIMEOUTS_IN_A_ROW: usize = 8;

/// What ends sending early, shared with every sending task.
#[derive(Clone)]
struct Stop {
    /// Set on SIGINT (Ctrl-C): nothing more is sent, what was found is reported and saved, exit 130.
    interrupted: tokio::sync::watch::Receiver<bool>,
    /// Timeouts in a row on the current event.
    timeouts: Arc<std::sync::atomic::AtomicUsize>,
}

impl Stop {
    fn new(runtime: &tokio::runtime::Runtime) -> Stop {
        let (tell, interrupted) = tokio::sync::watch::channel(false);
        runtime.spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = tell.send(true);
                // Kept alive: the receivers wait on a value, not on the sender's end.
                std::future::pending::<()>().await;
            }
        });
        Stop { interrupted, timeouts: Arc::new(std::sync::atomic::AtomicUsize::new(0)) }
    }

    fn interrupted(&self) -> bool {
        *self.interrupted.borrow()
    }

    fn gave_up(&self) -> bool {
        self.timeouts.load(std::sync::atomic::Ordering::SeqCst) >= TIMEOUTS_IN_A_ROW
    }

    /// Whether nothing more is to be sent (for this event, or at all).
    fn halted(&self) -> bool {
        self.interrupted() || self.gave_up()
    }

    /// Counts timeouts in a row: an answer of any kind breaks the row.
    fn count(&self, outcome: &Outcome) {
        use std::sync::atomic::Ordering::SeqCst;
        if outcome.timed_out() {
            self.timeouts.fetch_add(1, SeqCst);
        } else if !outcome.unsent() {
            self.timeouts.store(0, SeqCst);
        }
    }

    /// One request, unless sending has stopped; a Ctrl-C ends it at once.
    async fn send(&self, client: &Client, url: &Url, request: &Request, timeout: Duration) -> Outcome {
        if self.halted() {
            return Outcome::failed(crate::http::failure::other("not sent: fuzz stopped sending"));
        }
        let mut interrupted = self.interrupted.clone();
        let outcome = tokio::select! {
            outcome = judge::send(client, url, request, timeout) => outcome,
            _ = interrupted.wait_for(|stop| *stop) => {
                Outcome::failed(crate::http::failure::other("not sent: interrupted"))
            }
        };
        self.count(&outcome);
        outcome
    }
}

/// A random body's proptest value tree, kept for shrinking while its case is the smallest of its failure.
type Tree = Box<dyn ValueTree<Value = Value>>;

/// What fails one way (check, kind, status and the answer's gist): how many cases did, and the smallest.
struct Group {
    count: usize,
    case: Case,
    outcome: Outcome,
    tree: Option<Tree>,
}

/// Failing cases, by check, kind and answer: one finding each.
type Groups = BTreeMap<(FuzzCheck, Kind, Option<u16>, String), Group>;

/// Findings kept per event and check: past this, cases still count toward the last one's tally.
const FINDINGS_PER_CHECK: usize = 8;

/// What a finding is made of.
struct Failed<'a> {
    check: FuzzCheck,
    kind: Kind,
    outcome: &'a Outcome,
    /// What the case varied.
    label: &'a str,
    /// How many cases failed this way.
    count: usize,
    body: Body,
    request: &'a Request,
    /// The body's size before shrinking, and the requests shrinking took.
    original_bytes: usize,
    shrink_requests: usize,
    /// The finding needs the request sent twice (a duplicate delivery, a replay).
    twice: bool,
    /// Signature headers are part of the finding (forged, stale, replayed).
    keeps_signature: bool,
}

impl<'a> Failed<'a> {
    fn new(
        check: FuzzCheck,
        kind: Kind,
        outcome: &'a Outcome,
        label: &'a str,
        body: Body,
        request: &'a Request,
    ) -> Self {
        Failed {
            check,
            kind,
            outcome,
            label,
            count: 1,
            body,
            request,
            original_bytes: 0,
            shrink_requests: 0,
            twice: false,
            keeps_signature: false,
        }
    }
}

/// An event's cases before sending.
struct Plan {
    fixed: Vec<Case>,
    /// Random bodies still to generate.
    random: usize,
    ran: Vec<FuzzCheck>,
}

/// What sending an event's cases found.
struct Sent {
    groups: Groups,
    /// The receiver went down: the case that took it down, and its outcome.
    down: Option<(Case, Outcome)>,
}

/// Counts a failing case into its group, keeping the smallest body (where shrinking starts).
fn add_failure(groups: &mut Groups, case: Case, kind: Kind, outcome: Outcome, tree: Option<Tree>) {
    let check = case.check;
    let key = (check, kind, outcome.status, gist(&outcome.answer));
    let in_check = groups.keys().filter(|k| k.0 == check).count();
    let key = if groups.contains_key(&key) || in_check < FINDINGS_PER_CHECK {
        key
    } else {
        groups.keys().rfind(|k| k.0 == check).cloned().unwrap_or(key)
    };
    let size = case.body.bytes().len();
    match groups.get_mut(&key) {
        Some(group) => {
            group.count += 1;
            if size < group.case.body.bytes().len() {
                (group.case, group.outcome, group.tree) = (case, outcome, tree);
            }
        }
        None => {
            groups.insert(key, Group { count: 1, case, outcome, tree });
        }
    }
}

/// Random bodies of an event's schema, one at a time, each checked by the validator (a few tries each).
struct Randoms {
    strategy: Option<BoxedStrategy<Value>>,
    validator: Option<Generator>,
    runner: TestRunner,
    wanted: usize,
    made: usize,
    attempts: usize,
}

impl Randoms {
    fn new(generator: Option<&Generator>, seed: u64, event: &str, wanted: usize) -> Randoms {
        let mut rng_seed = [0u8; 32];
        rng_seed[..8].copy_from_slice(&seed.to_le_bytes());
        rng_seed[8..16].copy_from_slice(&hash(event).to_le_bytes());
        let config = crate::generate::budget::runner_config();
        let runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &rng_seed));
        Randoms {
            strategy: generator.filter(|_| wanted > 0).map(Generator::strategy),
            validator: generator.filter(|_| wanted > 0).map(|g| Generator::new(g.schema())),
            runner,
            wanted,
            made: 0,
            attempts: 0,
        }
    }

    fn next(&mut self) -> Option<(Case, Tree)> {
        let (strategy, validator) = (self.strategy.as_ref()?, self.validator.as_ref()?);
        while self.made < self.wanted && self.attempts < self.wanted * 4 {
            self.attempts += 1;
            let Ok(tree) = strategy.new_tree(&mut self.runner) else { continue };
            let value = tree.current();
            if validator.is_valid(&value) {
                self.made += 1;
                let case = cases::generated(Vec::new(), &[value]).pop()?;
                let case = Case { label: format!("random body {}", self.made), origin: Origin::Random(0), ..case };
                return Some((case, tree));
            }
        }
        None
    }
}

/// What tells two failures apart: the answer's first line, numbers blanked (`id 123 not found` and `id 456
/// not found` are one bug).
fn gist(answer: &str) -> String {
    let line = answer.lines().next().unwrap_or("").trim();
    let mut out = String::new();
    let mut last_digit = false;
    for c in line.chars().take(120) {
        if c.is_ascii_digit() {
            if !last_digit {
                out.push('#');
            }
            last_digit = true;
        } else {
            out.push(c);
            last_digit = false;
        }
    }
    out
}

impl Runner {
    fn wants(&self, check: FuzzCheck) -> bool {
        self.checks.contains(&check)
    }

    /// Every selected check on one event: its findings, and the checks that ran.
    fn event(&mut self, fixture: &Fixture, timeout: Duration) -> (Vec<Finding>, Vec<FuzzCheck>) {
        let generator = fixture.schema.as_ref().map(Generator::new);
        if let Some(problem) = generator.as_ref().and_then(Generator::problem) {
            output::errln(&format!(
                "fuzz: {}: {}: no body is generated from its schema (the fixture's own body is still sent)",
                sanitize(&fixture.name),
                sanitize(problem)
            ));
        }
        let generator = generator.filter(|g| g.problem().is_none());
        let example = match &fixture.raw_body {
            Some(raw) => Body::Raw(raw.as_bytes().to_vec()),
            None => Body::Json(fixture.render().body),
        };
        // The base of the edge cases: the fixture when its schema takes it, else the schema's typical body.
        let base = match (&example, &generator) {
            (Body::Json(v), Some(g)) if g.is_valid(v) => Some(v.clone()),
            (_, Some(g)) => Some(g.typical()),
            (Body::Json(v), None) => Some(v.clone()),
            (Body::Raw(_), None) => None,
        };
        let plan = self.plan(generator.as_ref(), &example, base.as_ref());
        let bar = self.bar(&fixture.name, plan.fixed.len() as u64 + plan.random as u64 + 8);
        let sent = self.send_windows(fixture, plan.fixed, plan.random, generator.as_ref(), timeout, bar.as_ref());
        let mut ran = plan.ran;
        if let Some((case, outcome)) = sent.down {
            // The receiver died: the case that took it down is the first left without an answer.
            self.down = true;
            let request = self.dress.request(fixture, &case.body);
            let label = format!("{} (the receiver went down here: every request after it was refused)", case.label);
            let failed = Failed::new(case.check, Kind::ServerError, &outcome, &label, case.body.clone(), &request);
            let finding = self.finding(fixture, failed);
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            return (vec![finding], ran);
        }
        let (mut findings, retried) = self.findings_of(fixture, sent.groups, generator.as_ref(), timeout);
        if let (true, Body::Json(_)) = (self.wants(FuzzCheck::Delivery), &example) {
            ran.push(FuzzCheck::Delivery);
            findings.extend(self.delivery(fixture, retried, timeout));
        }
        if let (true, Body::Json(body)) = (self.wants(FuzzCheck::Signatures), &example) {
            ran.push(FuzzCheck::Signatures);
            findings.extend(self.signatures(fixture, body, timeout));
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        (findings, ran)
    }

    /// The cases an event gets: the fixed ones (the example, the edge cases, the invalid bodies) made now, and
    /// how many random bodies to generate as they are sent.
    fn plan(&self, generator: Option<&Generator>, example: &Body, base: Option<&Value>) -> Plan {
        let mut plan = Plan { fixed: Vec::new(), random: 0, ran: Vec::new() };
        if self.wants(FuzzCheck::Examples) {
            plan.ran.push(FuzzCheck::Examples);
            let mut example_cases = cases::examples(&Value::Null);
            example_cases[0].body = example.clone();
            plan.fixed.extend(example_cases);
        }
        if let (true, Some(generator), Some(base)) = (self.wants(FuzzCheck::Generated), generator, base) {
            plan.ran.push(FuzzCheck::Generated);
            // Each edge case is a whole body: a large base gets fewer of them (at most ~64 MiB in all).
            let base_bytes = serde_json::to_vec(base).map_or(1, |b| b.len().max(1));
            let limit = self.budget.min((64 << 20) / base_bytes).max(8.min(self.budget));
            let edges = crate::generate::edges::around(generator, base, limit);
            plan.random = self.budget.saturating_sub(edges.len());
            plan.fixed.extend(cases::generated(edges, &[]));
        }
        if let (true, Some(base)) = (self.wants(FuzzCheck::Negative), base) {
            plan.ran.push(FuzzCheck::Negative);
            plan.fixed.extend(cases::negative(generator, base));
        }
        plan
    }

    /// Sends the fixed cases, then the random bodies, a window at a time: only a window's bodies are held,
    /// and of the failing cases only the smallest of each kind of failure (with its value tree, for
    /// shrinking). Stops early when the receiver goes down, on Ctrl-C, or after too many timeouts in a row.
    fn send_windows(
        &mut self,
        fixture: &Fixture,
        fixed: Vec<Case>,
        random: usize,
        generator: Option<&Generator>,
        timeout: Duration,
        bar: Option<&ProgressBar>,
    ) -> Sent {
        let window = (self.concurrency * 8).max(32);
        let mut sent = Sent { groups: BTreeMap::new(), down: None };
        let mut fixed = fixed.into_iter().peekable();
        let mut randoms = Randoms::new(generator, self.seed, &fixture.name, random);
        while !self.stop.halted() {
            let mut cases: Vec<Case> = fixed.by_ref().take(window).collect();
            let mut trees: Vec<Option<Tree>> = cases.iter().map(|_| None).collect();
            while cases.len() < window {
                let Some((case, tree)) = randoms.next() else { break };
                cases.push(case);
                trees.push(Some(tree));
            }
            if cases.is_empty() {
                break;
            }
            let outcomes = self.send_all(fixture, &cases, timeout, bar);
            if outcomes.iter().any(Outcome::refused) && self.runtime.block_on(reachable(&self.url)).is_err() {
                let culprit = outcomes.iter().position(|o| o.status.is_none() && !o.refused() && !o.timed_out());
                let index = culprit.or_else(|| outcomes.iter().position(Outcome::refused)).unwrap_or(0);
                sent.down = Some((cases.swap_remove(index), outcomes[index].clone()));
                return sent;
            }
            for ((case, outcome), tree) in cases.into_iter().zip(outcomes).zip(trees) {
                if let Some(kind) = judge::judge(case.expect, &outcome) {
                    add_failure(&mut sent.groups, case, kind, outcome, tree);
                }
            }
        }
        sent
    }

    /// One finding per kind of failure (shrunk from its smallest case), and the first 5xx to a valid webhook
    /// (for the delivery check's retry).
    fn findings_of(
        &mut self,
        fixture: &Fixture,
        groups: Groups,
        generator: Option<&Generator>,
        timeout: Duration,
    ) -> (Vec<Finding>, Option<(Body, Outcome)>) {
        let mut findings = Vec::new();
        let mut retried = None;
        let mut numbering: BTreeMap<(FuzzCheck, Kind), usize> = BTreeMap::new();
        for ((check, kind, _, _), group) in groups {
            let nth = numbering.entry((check, kind)).or_default();
            *nth += 1;
            let nth = *nth;
            if kind == Kind::ServerError && group.case.expect == Expect::Accept && retried.is_none() {
                retried = Some((group.case.body.clone(), group.outcome.clone()));
            }
            let mut finding = self.found(fixture, group, kind, generator, timeout);
            if nth > 1 {
                let renamed = format!("{}-{nth}", finding.fixture_name);
                finding.reproduce = finding
                    .reproduce
                    .replace(&crate::shell::quote(&finding.fixture_name), &crate::shell::quote(&renamed));
                finding.fixture_name = renamed;
            }
            findings.push(finding);
        }
        (findings, retried)
    }

    fn bar(&self, name: &str, len: u64) -> Option<ProgressBar> {
        let progress = self.progress.as_ref()?;
        let bar = progress.add(ProgressBar::new(len));
        if let Ok(style) = ProgressStyle::with_template("{prefix:40} {bar:30} {pos}/{len}") {
            bar.set_style(style);
        }
        bar.set_prefix(sanitize(name).into_owned());
        Some(bar)
    }

    /// Sends every case, `--concurrency` at a time; outcomes in the cases' order.
    fn send_all(
        &mut self,
        fixture: &Fixture,
        cases: &[Case],
        timeout: Duration,
        bar: Option<&ProgressBar>,
    ) -> Vec<Outcome> {
        let requests: Vec<Request> = cases.iter().map(|c| self.dress.request(fixture, &c.body)).collect();
        self.requests += requests.len() as u64;
        let client = self.client.clone();
        let url = self.url.clone();
        let limit = Arc::new(tokio::sync::Semaphore::new(self.concurrency));
        let bar = bar.cloned();
        let stop = self.stop.clone();
        self.runtime.block_on(async move {
            let mut tasks = tokio::task::JoinSet::new();
            for (i, request) in requests.into_iter().enumerate() {
                let (client, url, limit, bar) = (client.clone(), url.clone(), limit.clone(), bar.clone());
                let stop = stop.clone();
                tasks.spawn(async move {
                    let _permit = limit.acquire_owned().await;
                    let outcome = stop.send(&client, &url, &request, timeout).await;
                    if let Some(bar) = bar {
                        bar.inc(1);
                    }
                    (i, outcome)
                });
            }
            let mut outcomes: Vec<Option<Outcome>> = vec![None; tasks.len()];
            while let Some(joined) = tasks.join_next().await {
                if let Ok((i, outcome)) = joined {
                    outcomes[i] = Some(outcome);
                }
            }
            outcomes
                .into_iter()
                .map(|o| {
                    o.unwrap_or_else(|| {
                        Outcome::failed(crate::http::failure::other("not sent: the sending task ended early"))
                    })
                })
                .collect()
        })
    }

    fn send_one(&mut self, request: &Request, timeout: Duration) -> Outcome {
        if self.stop.halted() {
            return Outcome::failed(crate::http::failure::other("not sent: fuzz stopped sending"));
        }
        self.requests += 1;
        self.runtime.block_on(self.stop.send(&self.client, &self.url, request, timeout))
    }

    /// A finding from the smallest case of its group, shrunk when it is a generated body.
    fn found(
        &mut self,
        fixture: &Fixture,
        group: Group,
        kind: Kind,
        generator: Option<&Generator>,
        timeout: Duration,
    ) -> Finding {
        let Group { count, case, outcome, mut tree } = group;
        let original_bytes = case.body.bytes().len();
        let (body, outcome, shrink_requests) = match (&case.body, case.origin, generator) {
            (Body::Json(value), Origin::Edge | Origin::Random(_), Some(generator)) if !self.stop.halted() => {
                let failing = shrinking::Failing { start: value.clone(), tree: tree.as_mut(), kind, outcome, timeout };
                let shrunk = shrinking::shrink(self, fixture, generator, failing);
                (Body::Json(shrunk.value), shrunk.outcome, shrunk.requests)
            }
            _ => (case.body.clone(), outcome, 0),
        };
        let request = self.dress.request(fixture, &body);
        let failed = Failed {
            count,
            original_bytes,
            shrink_requests,
            ..Failed::new(case.check, kind, &outcome, &case.label, body, &request)
        };
        self.finding(fixture, failed)
    }

    fn finding(&self, fixture: &Fixture, failed: Failed<'_>) -> Finding {
        let Failed {
            check,
            kind,
            outcome,
            label,
            count,
            body,
            request,
            original_bytes,
            shrink_requests,
            twice,
            keeps_signature,
        } = failed;
        let fixture_name = finding::fixture_name(&fixture.name, check, kind);
        let signing = if keeps_signature { None } else { self.signing_flags.as_deref() };
        let reproduce = finding::reproduce(&self.save_dir, &fixture_name, self.url.as_str(), twice, signing);
        Finding {
            event: fixture.name.clone(),
            check,
            kind,
            status: outcome.status,
            answer: outcome.describe(),
            answer_body: outcome.answer.clone(),
            case: label.to_string(),
            cases: count,
            method: request.method.clone(),
            body,
            headers: finding::saved_headers(request, keeps_signature),
            original_bytes,
            shrink_requests,
            twice,
            keeps_signature,
            fixture_name,
            reproduce,
        }
    }

    /// The same webhook twice in a row, two copies at once, and a retry of a delivery that got a 5xx: each
    /// must get a 2xx (signed copies share the webhook id, each with its own timestamp, as a provider's
    /// retries do).
    fn delivery(&mut self, fixture: &Fixture, retry: Option<(Body, Outcome)>, timeout: Duration) -> Vec<Finding> {
        let mut findings = Vec::new();
        let now = chrono::Utc::now().timestamp();
        // Each scenario delivers a webhook of its own, not one another check sent already: the fixture as
        // rendered an hour ago (a delayed delivery), fresh ids.
        let webhook = |ago: i64| {
            let clock = RenderClock { now: chrono::Utc::now() - chrono::Duration::seconds(3600 + ago) };
            Body::Json(fixture.render_body(&clock))
        };
        let copy = |dress: &Dress, body: &Body, id: &str, t: i64| match dress.signing {
            Some(_) => dress.signed_at(fixture, body, id, t, None),
            None => dress.unsigned(fixture, body),
        };
        // Twice in a row.
        let body = webhook(0);
        let id = signing::new_message_id();
        let first = copy(&self.dress, &body, &id, now);
        let second = copy(&self.dress, &body, &id, now + 1);
        let answer = self.send_one(&first, timeout);
        if judge::judge(Expect::Accept, &answer).is_none() {
            let again = self.send_one(&second, timeout);
            if let Some(kind) = judge::judge(Expect::Accept, &again) {
                let label = "the same webhook twice in a row (the second failed)";
                let failed = Failed::new(FuzzCheck::Delivery, kind, &again, label, body.clone(), &second);
                findings.push(self.finding(fixture, Failed { twice: true, ..failed }));
            }
        }
        // Two copies at once.
        let body = webhook(1);
        let id = signing::new_message_id();
        let pair = [copy(&self.dress, &body, &id, now + 2), copy(&self.dress, &body, &id, now + 3)];
        self.requests += 2;
        let (client, url) = (self.client.clone(), self.url.clone());
        let stop = self.stop.clone();
        let answers = self.runtime.block_on(async {
            let (a, b) =
                tokio::join!(stop.send(&client, &url, &pair[0], timeout), stop.send(&client, &url, &pair[1], timeout));
            [a, b]
        });
        if let Some((answer, kind)) = answers.iter().find_map(|a| judge::judge(Expect::Accept, a).map(|k| (a, k))) {
            let label = "two copies at once (same webhook id)";
            let failed = Failed::new(FuzzCheck::Delivery, kind, answer, label, body.clone(), &pair[0]);
            findings.push(self.finding(fixture, Failed { twice: true, ..failed }));
        }
        // A provider retries what got a 5xx: the retry must go through.
        if let Some((failed, first)) = retry {
            std::thread::sleep(Duration::from_millis(500));
            let request = self.dress.request(fixture, &failed);
            let answer = self.send_one(&request, timeout);
            // Failing the same way again is the bug already reported; failing otherwise (a duplicate-key error
            // after a half-done first attempt) is the retry's own.
            let same = answer.status == first.status && gist(&answer.answer) == gist(&first.answer);
            if let (Some(kind), false) = (judge::judge(Expect::Accept, &answer), same) {
                let label = "a retry after a 5xx (the retry failed too)";
                findings.push(
                    self.finding(fixture, Failed::new(FuzzCheck::Delivery, kind, &answer, label, failed, &request)),
                );
            }
        }
        merge_by_kind(findings)
    }

    /// No signature, another secret's, a changed body, stale and future timestamps, a replay: none may get
    /// a 2xx.
    fn signatures(&mut self, fixture: &Fixture, body: &Value, timeout: Duration) -> Vec<Finding> {
        let Some((scheme, _)) = &self.dress.signing else { return Vec::new() };
        let scheme: Scheme = *scheme;
        let json_body = Body::Json(body.clone());
        let now = chrono::Utc::now().timestamp();
        let wrong = Secret::for_scheme("hookctl-fuzz-not-the-secret", Scheme::Github).expect("a non-empty secret");
        let mut by_kind: BTreeMap<Kind, (Outcome, &'static str, Request, usize)> = BTreeMap::new();
        for case in cases::signature_cases(scheme) {
            let id = signing::new_message_id();
            let request = match case.label {
                "no signature" => self.dress.unsigned(fixture, &json_body),
                "a signature made with another secret" => {
                    self.dress.signed_at(fixture, &json_body, &id, now, Some(&wrong))
                }
                "the body changed after signing" => {
                    let mut signed = self.dress.signed_at(fixture, &json_body, &id, now, None);
                    signed.body = serde_json::to_vec(&cases::tampered(body)).unwrap_or_default();
                    signed
                }
                "a timestamp 10 minutes old" => self.dress.signed_at(fixture, &json_body, &id, now - 600, None),
                "a timestamp 10 minutes in the future" => {
                    self.dress.signed_at(fixture, &json_body, &id, now + 600, None)
                }
                _ => {
                    // A replay: an accepted request, sent again byte for byte.
                    let original = self.dress.signed_at(fixture, &json_body, &id, now, None);
                    let first = self.send_one(&original, timeout);
                    if judge::judge(Expect::Accept, &first).is_some() {
                        continue;
                    }
                    original
                }
            };
            let answer = self.send_one(&request, timeout);
            if let Some(kind) = judge::judge(Expect::Refuse(case.kind), &answer) {
                let entry = by_kind.entry(kind).or_insert((answer, case.label, request, 0));
                entry.3 += 1;
            }
        }
        by_kind
            .into_iter()
            .map(|(kind, (answer, label, request, count))| {
                let twice = kind == Kind::AcceptedReplayed;
                let body = Body::Raw(request.body.clone());
                let body = match serde_json::from_slice::<Value>(&request.body) {
                    Ok(v) if request.body == serde_json::to_vec(&v).unwrap_or_default() => Body::Json(v),
                    _ => body,
                };
                let failed = Failed::new(FuzzCheck::Signatures, kind, &answer, label, body, &request);
                self.finding(fixture, Failed { count, twice, keeps_signature: true, ..failed })
            })
            .collect()
    }
}

/// One finding per kind: the first scenario that found it, counting the others.
fn merge_by_kind(findings: Vec<Finding>) -> Vec<Finding> {
    let mut merged: Vec<Finding> = Vec::new();
    for finding in findings {
        match merged.iter_mut().find(|f| f.kind == finding.kind) {
            Some(first) => first.cases += finding.cases,
            None => merged.push(finding),
        }
    }
    merged
}

fn print_text(fixtures: &[&Fixture], findings: &[Finding], printer: &output::Printer) -> Result<()> {
    let style = printer.out;
    // The same bug found on several events (same check, kind and answer) is told once, after the events.
    let mut groups: Vec<(String, Vec<&Finding>)> = Vec::new();
    for finding in findings {
        let key = finding.group();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(finding),
            None => groups.push((key, vec![finding])),
        }
    }
    let shared = |finding: &Finding| groups.iter().any(|(k, m)| *k == finding.group() && m.len() > 1);
    for fixture in fixtures {
        let mine: Vec<&Finding> = findings.iter().filter(|f| f.event == fixture.name).collect();
        if mine.is_empty() {
            output::outln(&format!("{} {}", style.ok("✓"), sanitize(&fixture.name)))?;
            continue;
        }
        output::outln(&format!(
            "{} {}: {} finding{}",
            style.bad("✗"),
            style.bold(&sanitize(&fixture.name)),
            mine.len(),
            if mine.len() == 1 { "" } else { "s" }
        ))?;
        for finding in mine {
            if shared(finding) {
                output::outln(&format!(
                    "  {} {} · {} · {}: the same on other events, shown once below",
                    style.bad("✗"),
                    check_name(finding.check),
                    style.bad(finding.kind.name()),
                    sanitize(&finding.answer)
                ))?;
            } else {
                output::out(&finding.to_text(printer))?;
            }
        }
    }
    for (_, members) in groups.iter().filter(|(_, m)| m.len() > 1) {
        let events: Vec<String> = members.iter().map(|f| sanitize(&f.event).into_owned()).collect();
        output::outln(&format!(
            "{} the same finding on {} events: {}",
            style.bad("✗"),
            members.len(),
            events.join(", ")
        ))?;
        let smallest = members.iter().min_by_key(|f| f.body.bytes().len()).expect("a group has members");
        output::out(&smallest.to_text(printer))?;
    }
    Ok(())
}
