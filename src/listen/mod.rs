//! `hookctl listen`: a local capture server that shows, checks, keeps and answers every webhook.
mod batch;
mod display;
mod forward;
pub mod script;
mod server;
mod settings;
mod tally;

use std::fs::OpenOptions;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue};

use crate::catalog::Catalog;
use crate::context::Context;
use crate::error::{exit, UserError};
use crate::examine::Examiner;
use crate::headers::Headers;
use crate::output::{errln, sanitize};
use crate::schema::SchemaSet;
use crate::signing;
use server::{Answer, Display, Settings, Shared};
pub use settings::ListenSettings;
use tally::Expectation;

pub fn run(args: ListenSettings, dir: Option<&Path>, ctx: &Context) -> Result<ExitCode> {
    let catalog = Catalog::load(dir)?;
    let expect = expectations(&catalog, &args.expect)?;
    let keys = &args.signing;
    let signing = signing::resolve(keys.secret.as_deref(), keys.secret_env.as_deref(), keys.scheme())?
        .map(|secret| (keys.scheme(), secret));
    if args.require_signature && signing.is_none() {
        return Err(
            UserError::new("--require-signature needs a secret: pass --secret-env VAR or --secret SECRET").into()
        );
    }
    let settings = settings(&args, expect, ctx)?;
    let reports = crate::report::Target::parse_all(&args.report)?;
    let started = std::time::Instant::now();
    let (save, first_id, torn) = match &args.save {
        Some(path) => {
            let (file, first_id, torn) = open_save_file(path)?;
            (Some((path.clone(), batch::SaveFile::new(file, args.fsync))), first_id, torn)
        }
        None => (None, 1, false),
    };
    let listener = bind(&args.host, args.port)?;
    let address = listener.local_addr()?;
    refuse_forwarding_to_itself(&settings, address)?;
    // The socket is listening (the kernel queues connections from here on), so the port can be announced:
    // first in --port-file, written whole under a temporary name and renamed, then as the ready line.
    // Signals are caught from here on, before the port file and the ready line: a stop right after either
    // is a clean one.
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let signals = runtime.block_on(async { server::Signals::catch() })?;
    if let Some(path) = &args.port_file {
        write_port_file(path, address.port())?;
    }
    // The first line on stderr, for scripts to read; with --ui the inspector's address is the second.
    let tls = server_tls(&args, address.port())?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let capture_url = format!("{scheme}://{}", display_addr(address));
    errln(&format!("Listening on {capture_url}"));
    let ui = args.ui.then(|| inspector(&args, &catalog, signing.clone(), &capture_url)).transpose()?;
    if let Some(tls) = &tls {
        errln(&format!("TLS certificate: {} (SHA-256 {})", tls.cert_path.display(), tls.fingerprint));
    }
    // A generated certificate's private folder lives as long as listen does, and goes with it.
    let (acceptor, _certificate_folder) = match tls {
        Some(tls) => (Some(tokio_rustls::TlsAcceptor::from(tls.config)), tls.folder),
        None => (None, None),
    };
    let printer = ctx.printer();
    warn_at_start(&args, address, torn, &catalog, &printer);
    let (schemas, problems) = SchemaSet::compile(&catalog);
    for problem in problems {
        printer.warn(&problem);
    }
    let examiner = Examiner {
        catalog,
        schemas,
        signing,
        by_header: secrets_by_scheme(
            args.signing.secret.as_deref(),
            args.signing.secret_env.as_deref(),
            args.signing.scheme,
        )?,
        tolerance: signing::DEFAULT_TOLERANCE,
    };
    let memory = ui.as_ref().filter(|_| args.save.is_none()).map(|ui| ui.0.captures.stores()[0].clone());
    let shared = Shared::new(settings, examiner, save, first_id, memory);

    // The inspector runs on a runtime (and threads) of its own: the capture port never waits on the page.
    let page =
        ui.map(|(inspector, ui_listener)| crate::inspect::spawn(inspector, ui_listener, shared.shutdown_signal()));
    let page = page.transpose()?;
    let stop = runtime.block_on(server::serve(shared.clone(), listener, acceptor, signals))?;
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    if let Some(page) = page {
        let _ = page.join();
    }

    Ok(exit(finish(&shared, stop, &reports, started, ctx)))
}

/// After the server stopped: the summary, the `--report` files and the exit code.
fn finish(
    shared: &Shared,
    stop: tally::Stop,
    reports: &[crate::report::Target],
    started: std::time::Instant,
    ctx: &Context,
) -> u8 {
    // What stdout has not taken by now (a reader that stopped reading) is dropped, not waited for.
    shared.display.finish(std::time::Duration::from_secs(2));
    let mut tally = shared.tally.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let count_cases = check_counts(&mut tally, &shared.settings.assertions);
    let code = tally.exit_code(stop, &shared.settings.expect);
    report(&tally, stop, shared.display.dropped(), &shared.settings, ctx);
    test_report(&tally, stop, count_cases, code, &shared.settings, started.elapsed().as_secs_f64()).write(reports);
    code
}

/// Without `--scheme`, the secret as each scheme reads it (a `whsec_` secret is base64 for Standard Webhooks
/// and Svix, the string itself for GitHub and Stripe): each request is checked under the scheme it carries.
fn secrets_by_scheme(
    secret: Option<&str>,
    secret_env: Option<&str>,
    given: Option<signing::Scheme>,
) -> Result<Vec<(signing::Scheme, signing::Secret)>> {
    if given.is_some() {
        return Ok(Vec::new());
    }
    let mut secrets = Vec::new();
    for scheme in signing::Scheme::ALL {
        if let Ok(Some(secret)) = signing::resolve(secret, secret_env, scheme) {
            secrets.push((scheme, secret));
        }
    }
    Ok(secrets)
}

/// `--expect NAME…`, each a fixture the catalog has.
fn expectations(catalog: &Catalog, names: &[String]) -> Result<Vec<Expectation>> {
    let mut expect = Vec::new();
    for name in names {
        catalog.require(name)?;
        let (event, shape) = catalog.event_and_shape(name);
        expect.push(Expectation { name: name.clone(), event: event.to_string(), shape: shape.map(String::from) });
    }
    Ok(expect)
}

/// A `--forward-to` route that points at this listener would send every request round again.
fn refuse_forwarding_to_itself(settings: &Settings, address: std::net::SocketAddr) -> Result<()> {
    for route in settings.forward.iter().flat_map(|f| &f.routes) {
        if forward::points_at(&route.url, address) {
            return Err(UserError::with_hint(
                format!(
                    "--forward-to {}: that is this listener ({}); every request would come round again",
                    sanitize(route.url.as_str()),
                    display_addr(address)
                ),
                "forward to your app's port, not listen's own",
            )
            .into());
        }
    }
    Ok(())
}

/// The warnings and notes said once at start: an open address, a torn save file, skipped fixtures, the zone.
fn warn_at_start(
    args: &ListenSettings,
    address: std::net::SocketAddr,
    torn: bool,
    catalog: &Catalog,
    printer: &crate::output::Printer,
) {
    if !address.ip().is_loopback() {
        printer.warn(&format!("bound to {}: anyone who can reach this machine can send to it", address.ip()));
    }
    if torn {
        let path = args.save.as_deref().map(Path::display);
        printer.warn(&format!(
            "{} ended in a torn record (a crash or a full disk?); it is fenced off with a newline and readers skip it",
            path.map(|p| p.to_string()).unwrap_or_default()
        ));
    }
    crate::catalog::warn_skipped(catalog, printer);
    if !args.json {
        errln(&format!("Times are local ({}); saved records keep UTC", crate::output::local_zone()));
    }
}

/// `--ui`: the inspector over the `--save` file (followed as it grows) or over the last `--keep` captures
/// in memory, on its own port on 127.0.0.1; its address is said on stderr.
fn inspector(
    args: &ListenSettings,
    catalog: &Catalog,
    signing: Option<(crate::signing::Scheme, signing::Secret)>,
    capture_url: &str,
) -> Result<(std::sync::Arc<crate::inspect::api::Inspector>, TcpListener)> {
    use crate::inspect::{self, store::Store};
    let store = match &args.save {
        Some(path) => Store::file(path).map_err(|e| UserError::new(format!("cannot read {}: {e}", path.display())))?,
        None => Store::memory(usize::try_from(args.keep).unwrap_or(usize::MAX)),
    };
    let listener = inspect::bind(args.ui_port.unwrap_or(0))?;
    let (schemas, _) = SchemaSet::compile(catalog);
    let default_url = args.forward_to.iter().find(|r| r.starts_with("http")).cloned();
    let inspector = std::sync::Arc::new(inspect::api::Inspector::new(inspect::api::Parts {
        captures: inspect::sources::Captures::one(store),
        catalog: catalog.clone(),
        schemas,
        default_url,
        signing,
        source: match &args.save {
            Some(path) => path.display().to_string(),
            None => format!("memory (the last {})", args.keep),
        },
        capture_url: Some(capture_url.to_string()),
        client_tls: args.client_tls.clone(),
    }));
    let _ = inspector.port.set(listener.local_addr()?.port());
    inspect::announce(&inspector, listener.local_addr()?.port());
    Ok((inspector, listener))
}

/// `--tls` (a certificate generated now, its PEM written into a private folder of its own under the
/// temporary folder, named for the port, removed on exit) or `--tls-cert`/`--tls-key`.
fn server_tls(args: &ListenSettings, port: u16) -> Result<Option<crate::tls::ServerTls>> {
    match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Ok(Some(crate::tls::from_files(cert, key)?)),
        _ if args.tls => Ok(Some(crate::tls::generated(&std::env::temp_dir(), &format!("hookctl-listen-{port}.pem"))?)),
        _ => Ok(None),
    }
}

pub(crate) fn display_addr(address: SocketAddr) -> String {
    match address.ip() {
        IpAddr::V6(ip) => format!("[{ip}]:{}", address.port()),
        IpAddr::V4(ip) => format!("{ip}:{}", address.port()),
    }
}

fn bind(host: &str, port: u16) -> Result<TcpListener> {
    let ip: IpAddr = host.trim_matches(|c| c == '[' || c == ']').parse().or_else(|_| match host {
        "localhost" => Ok(IpAddr::from([127, 0, 0, 1])),
        _ => Err(UserError::with_hint(
            format!("--host {}: not an IP address", sanitize(host)),
            "use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)",
        )),
    })?;
    TcpListener::bind((ip, port)).map_err(|e| {
        let (message, hint) = match e.kind() {
            std::io::ErrorKind::AddrInUse => (
                format!("port {port} on {ip} is already in use"),
                "stop whatever listens there, pick another port, or use 0 for a free one".to_string(),
            ),
            std::io::ErrorKind::PermissionDenied => (
                format!("not allowed to listen on port {port}"),
                "ports below 1024 need privileges; pick a port above 1024".to_string(),
            ),
            _ => (format!("cannot listen on {ip}:{port}: {e}"), "check --host and the port".to_string()),
        };
        UserError::with_hint(message, hint).into()
    })
}

/// Opens `--save` for appending. An existing file goes on where it ended: ids continue after its last record
/// (so `FILE:ID` stays unique), and a torn last line is closed with a newline first (said on stderr), so the
/// next record starts on a line of its own and every reader can skip the torn one.
fn open_save_file(path: &Path) -> Result<(std::fs::File, u64, bool)> {
    use std::io::Write;
    let cannot = |e: std::io::Error| UserError::new(format!("cannot open --save file {}: {e}", path.display()));
    let mut file = OpenOptions::new().create(true).read(true).append(true).open(path).map_err(cannot)?;
    if !file.metadata().map_err(cannot)?.is_file() {
        // A device or a pipe (/dev/null, /dev/full): nothing to read back, nothing to continue.
        return Ok((file, 1, false));
    }
    lock_save_file(&file, path)?;
    let state = crate::capture::save_file_state(&mut file).map_err(cannot)?;
    if state.torn_tail {
        file.write_all(b"\n").and_then(|()| file.flush()).map_err(cannot)?;
    }
    Ok((file, state.next_id, state.torn_tail))
}

/// One listener per save file: two would number their records alike. The lock is the kernel's (`flock`),
/// so it goes when the process does, however it ends.
#[cfg(unix)]
fn lock_save_file(file: &std::fs::File, path: &Path) -> Result<()> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock takes a descriptor this process owns (the file outlives the call) and no pointers.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(());
    }
    let holder = holder_of(path).map(|pid| format!(" (pid {pid})")).unwrap_or_default();
    Err(UserError::with_hint(
        format!("--save {}: another hookctl listen{holder} is saving to it", path.display()),
        "two listeners would write the same ids: stop that one, or save to another file",
    )
    .into())
}

#[cfg(not(unix))]
fn lock_save_file(_file: &std::fs::File, _path: &Path) -> Result<()> {
    Ok(())
}

/// Which other process has this file open (Linux: read from /proc), to name it.
fn holder_of(path: &Path) -> Option<u32> {
    let wanted = std::fs::canonicalize(path).ok()?;
    let me = std::process::id();
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
        let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
        if pid == me {
            return None;
        }
        let fds = std::fs::read_dir(entry.path().join("fd")).ok()?;
        fds.flatten().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == wanted)).then_some(pid)
    })
}

fn write_port_file(path: &Path, port: u16) -> Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = std::path::PathBuf::from(temporary);
    std::fs::write(&temporary, format!("{port}\n"))
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|e| UserError::new(format!("cannot write --port-file {}: {e}", path.display())).into())
}

/// Headers that frame an answer on its connection (or belong to one hop): `--response-header` may not set them.
const FRAMING_HEADERS: [&str; 8] =
    ["content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer", "proxy-connection"];

fn settings(args: &ListenSettings, expect: Vec<Expectation>, ctx: &Context) -> Result<Settings> {
    let display = match (args.json, args.quiet) {
        (true, _) => Display::Json,
        (false, true) => Display::Quiet,
        _ => Display::Full,
    };
    let body = match &args.response_body {
        Some(path) => {
            Bytes::from(crate::input::read_named(path, crate::input::DEFAULT_MAX_INPUT, "--response-body file")?)
        }
        None => Bytes::new(),
    };
    let headers = response_headers(args, &body)?;
    let forward = forward_routes(args)?;
    Ok(Settings {
        max_body: args.max_body,
        display,
        printer: ctx.printer(),
        answer: Answer {
            status: script::StatusScript::parse(&args.status, args.cycle)
                .map_err(|e| UserError::new(format!("--status {}", sanitize(&e))))?,
            delay: args
                .delay
                .as_deref()
                .map(script::Delay::parse)
                .transpose()
                .map_err(|e| UserError::new(format!("--delay {}", sanitize(&e))))?,
            body,
            headers,
        },
        forward,
        only: args.only.clone(),
        ignore: args.ignore.clone(),
        count: args.count,
        time_limit: match (args.count, args.timeout, args.listen_for) {
            (_, _, Some(limit)) | (None, Some(limit), None) => Some((limit, tally::Stop::TimeUp)),
            (Some(_), Some(limit), None) => Some((limit, tally::Stop::TimedOut)),
            _ => None,
        },
        expect,
        require_signature: args.require_signature,
        idle_timeout: args.idle_timeout,
        body_timeout: args.body_timeout,
        max_connections: connection_limit(args.max_connections),
        assertions: crate::assertion::from_flags(&args.assert_placed.assert, &args.assert_placed.assert_on)?,
        in_order: args.in_order,
        chance: chance(args),
        keep_cases: !args.report.is_empty(),
        judge_forward: args.fail_on_forward_error
            || args.count.is_some()
            || !args.expect.is_empty()
            || !args.assert.is_empty(),
    })
}

/// `--response-header`s (and a text content type for a `--response-body` that is not JSON), checked.
fn response_headers(args: &ListenSettings, body: &Bytes) -> Result<Vec<(HeaderName, HeaderValue)>> {
    let mut headers = Vec::new();
    if !body.is_empty() && serde_json::from_slice::<serde_json::Value>(body).is_err() {
        headers.push((hyper::header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8")));
    }
    for text in &args.response_header {
        let (name, value) = signing::parse_header(text)?;
        if FRAMING_HEADERS.iter().any(|h| name.eq_ignore_ascii_case(h)) {
            return Err(UserError::with_hint(
                format!("--response-header {}: listen sets this header itself", sanitize(&name)),
                "it frames the answer on the connection; a wrong one corrupts the next response",
            )
            .into());
        }
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| UserError::new(format!("--response-header {}: not a valid header name", sanitize(&name))))?;
        let value = HeaderValue::from_str(&value)
            .map_err(|_| UserError::new(format!("--response-header {}: value HTTP cannot carry", name)))?;
        headers.push((name, value));
    }
    Ok(headers)
}

/// `--forward-to` routes and the client that relays to them.
fn forward_routes(args: &ListenSettings) -> Result<Option<forward::Routes>> {
    if args.forward_to.is_empty() {
        return Ok(None);
    }
    let routes = args.forward_to.iter().map(|text| forward::Route::parse(text)).collect::<Result<Vec<_>, _>>()?;
    let trust =
        crate::tls::ClientTls { cacert: args.forward_cacert.clone(), insecure: args.forward_insecure, identity: None };
    let client = crate::http::builder_with(&trust)?.timeout(forward::FORWARD_TIMEOUT).build()?;
    Ok(Some(forward::Routes { client, routes, self_id: format!("{:012x}", fastrand::u64(..) >> 16) }))
}

/// The seeded generator for `--drop` and `--delay A..B`; the seed is said on stderr when none was given.
fn chance(args: &ListenSettings) -> Option<script::Chance> {
    let ranged = args.delay.as_deref().is_some_and(|d| d.contains(".."));
    if args.drop.is_none() && !ranged {
        return None;
    }
    let seed = args.seed.unwrap_or_else(|| fastrand::u64(..));
    if args.seed.is_none() {
        errln(&format!("random choices with --seed {seed} (pass it again to repeat this run)"));
    }
    Some(script::Chance::new(seed, args.drop.unwrap_or(0.0)))
}

/// --max-connections, lowered to leave room under the open-files limit (`ulimit -n`) for the save file,
/// stdout, the forwarding client and the listener itself: past the limit a client gets a clear 503 rather
/// than an accept loop out of descriptors.
fn connection_limit(asked: u64) -> usize {
    const RESERVED: u64 = 64;
    let asked = usize::try_from(asked).unwrap_or(usize::MAX);
    match open_files_limit() {
        Some(files) => asked.min(usize::try_from(files.saturating_sub(RESERVED).max(8)).unwrap_or(usize::MAX)),
        None => asked,
    }
}

#[cfg(unix)]
#[allow(clippy::useless_conversion)] // rlim_t is u64 on most targets, not all
fn open_files_limit() -> Option<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes into the struct it is given and reads nothing else.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    (ok && limit.rlim_cur != libc::RLIM_INFINITY).then_some(u64::from(limit.rlim_cur))
}

#[cfg(not(unix))]
fn open_files_limit() -> Option<u64> {
    None
}

/// The `count` assertions, judged once the run is over: each counts the captures its `--assert-on` scope
/// takes (all of them without one). A failure fails the run.
fn check_counts(tally: &mut tally::Tally, assertions: &[crate::assertion::Assertion]) -> Vec<crate::report::Case> {
    use crate::assertion::{Query, Subject};
    let mut cases = Vec::new();
    for assertion in assertions.iter().filter(|a| a.query == Query::Count) {
        let count = tally.events.iter().filter(|(e, _)| assertion.applies_to(e.as_deref())).map(|(_, n)| n).sum();
        let subject =
            Subject { body: None, headers: &Headers::new(), method: "", path: "", query: None, event: None, count };
        let checked = assertion.check(&subject);
        let scope = assertion.on.as_deref().map(|e| format!(" (--assert-on {e})")).unwrap_or_default();
        let line = format!("{}{scope}: found {count}", checked.assertion);
        if !checked.ok {
            tally.fail_after(format!("assertion failed: {line}"));
        }
        cases.push(crate::report::Case::new(
            format!("assert {}{scope}", checked.assertion),
            checked.ok,
            if checked.ok { vec![] } else { vec![line] },
        ));
    }
    cases
}

/// The run as test cases: each expected event, each `count` assertion, each capture, and how it ended.
fn test_report(
    tally: &tally::Tally,
    stop: tally::Stop,
    count_cases: Vec<crate::report::Case>,
    code: u8,
    settings: &Settings,
    seconds: f64,
) -> crate::report::Suite {
    use crate::report::Case;
    let missing = tally.missing(&settings.expect);
    let mut cases: Vec<Case> = settings
        .expect
        .iter()
        .map(|e| {
            let arrived = !missing.contains(&e.name);
            Case::new(
                format!("expected {}", e.name),
                arrived,
                if arrived { vec![] } else { vec![format!("{} never arrived", e.name)] },
            )
        })
        .collect();
    cases.extend(count_cases);
    cases.extend(tally.cases.iter().cloned());
    if stop == tally::Stop::TimedOut {
        let wanted = settings.count.map(|n| format!("{n} requests")).unwrap_or_default();
        cases.push(Case::new(
            "listen finished",
            false,
            vec![format!("timed out: {} of {wanted} arrived", tally.received)],
        ));
    }
    crate::report::Suite { command: "listen".into(), cases, exit_code: code, seconds }
}

fn report(tally: &tally::Tally, stop: tally::Stop, dropped: u64, settings: &Settings, ctx: &Context) {
    let style = ctx.printer().err;
    let why = match stop {
        tally::Stop::CountReached => "done".to_string(),
        tally::Stop::TimedOut => {
            let wanted = settings.count.map(|n| format!(" before {n} requests arrived")).unwrap_or_default();
            format!("timed out{wanted}")
        }
        tally::Stop::TimeUp => "time's up".to_string(),
        tally::Stop::Interrupted => "stopped".to_string(),
        tally::Stop::OutputClosed => "stdout closed".to_string(),
    };
    errln(&format!("{why}: {}", tally.summary()));
    if dropped > 0 {
        errln(&format!(
            "  {} {dropped} display lines dropped: stdout did not keep up (every capture was saved and answered)",
            style.warn("!")
        ));
    }
    for failure in &tally.failures {
        errln(&format!("  {} {}", style.bad("✗"), sanitize(failure)));
    }
    let unlisted = tally.failed.saturating_sub(tally.failures.len() as u64);
    if unlisted > 0 {
        errln(&format!("  {} … and {unlisted} more", style.bad("✗")));
    }
    if matches!(stop, tally::Stop::CountReached | tally::Stop::TimeUp) {
        for name in tally.missing(&settings.expect) {
            errln(&format!("  {} expected {} never arrived", style.bad("✗"), sanitize(&name)));
        }
    }
}
