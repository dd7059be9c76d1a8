//! The inspector: a local web page over captures (live list, search, detail, diff, replay, export), served
//! by `listen --ui` beside the capture port and by `hookctl inspect FILE` over a saved file.
pub mod api;
pub mod priority;
mod settings;
pub mod sources;
pub mod store;

use std::net::TcpListener;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::watch;

use crate::context::Context;
use crate::error::{exit, UserError, EXIT_INTERRUPTED};
use crate::output::errln;
use crate::schema::SchemaSet;
use crate::signing;
use api::Inspector;
pub use settings::InspectSettings;
use sources::Captures;

/// A token nobody else can guess: 128 bits from the operating system.
pub fn new_token() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        bytes.iter_mut().for_each(|b| *b = fastrand::u8(..));
    }
    hex::encode(bytes)
}

/// Binds the inspector's port, always on 127.0.0.1 (0: a free one).
pub fn bind(port: u16) -> Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
        UserError::with_hint(
            format!("cannot serve the inspector on 127.0.0.1:{port}: {e}"),
            "pick another --ui-port, or 0",
        )
        .into()
    })
}

/// The line that says where the page is (with the token that lets it replay).
pub fn announce(inspector: &Inspector, port: u16) {
    errln(&format!("Inspector on http://127.0.0.1:{port}/?token={}", inspector.token));
}

/// Serves the page and the API until `shutdown` turns true.
pub async fn serve(
    inspector: Arc<Inspector>,
    listener: TcpListener,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let _ = inspector.port.set(listener.local_addr()?.port());
    let listener = tokio::net::TcpListener::from_std(listener)?;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let inspector = inspector.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| inspector.clone().handle(request));
                    let _ = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(Duration::from_secs(30))
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            _ = shutdown.changed() => return Ok(()),
        }
    }
}

/// Runs the inspector (its page, API, live streams, and taking in what was captured or appended) on a
/// runtime of its own: one thread for the page and its streams, and CPU-heavy page work (lists, searches,
/// exports, diffs, fixtures) on that runtime's blocking threads, a few at a time, at lower priorities
/// ([`priority`]): nothing the page asks for competes with capture on equal terms. The capture path hands records
/// over without a lock (memory) or through the file.
pub fn spawn(
    inspector: Arc<Inspector>,
    listener: TcpListener,
    shutdown: watch::Receiver<bool>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(api::JOBS_AT_ONCE + 1)
        .thread_name("hookctl-inspector")
        .on_thread_start(priority::page)
        .enable_all()
        .build()?;
    std::thread::Builder::new().name("hookctl-inspector".into()).spawn(move || {
        priority::page();
        runtime.block_on(async {
            tokio::spawn(inspector.clone().fan_out());
            tokio::spawn(follow(inspector.captures.clone(), shutdown.clone()));
            let _ = serve(inspector, listener, shutdown).await;
        });
        runtime.shutdown_timeout(Duration::from_millis(200));
    })
}

/// Takes in what was captured (memory) or appended to the capture files, every 50 ms, until `shutdown`.
pub async fn follow(captures: Arc<Captures>, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(50)) => captures.follow(),
            _ = shutdown.changed() => return,
        }
    }
}

/// Opens the page in the system's browser, when there is one to open it with.
fn open_browser(url: &str) -> bool {
    let candidates: &[&str] = if cfg!(target_os = "macos") {
        &["open"]
    } else if cfg!(windows) {
        &["explorer"]
    } else {
        &["xdg-open", "sensible-browser"]
    };
    // Without a display (an SSH session, a container) xdg-open has nothing to open a browser on.
    let headless = cfg!(all(unix, not(target_os = "macos")))
        && std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty())
        && std::env::var_os("WAYLAND_DISPLAY").is_none_or(|d| d.is_empty());
    if headless {
        return false;
    }
    candidates.iter().any(|program| {
        std::process::Command::new(program)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .is_ok()
    })
}

/// Waits for Ctrl-C or SIGTERM.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// `hookctl inspect FILE…`: the page over saved capture files (several merged in `received_at` order),
/// followed as they grow.
pub fn run(args: &InspectSettings, dir: Option<&Path>, ctx: &Context) -> Result<ExitCode> {
    for file in &args.files {
        if !file.is_file() {
            let what = crate::capture::select::not_a_file(file).unwrap_or("no such capture file");
            return Err(UserError::with_hint(
                format!("{}: {what}", file.display()),
                "give the file `hookctl listen --save FILE` wrote",
            )
            .into());
        }
    }
    let catalog = crate::catalog::load(dir, &ctx.printer())?;
    let (schemas, _) = SchemaSet::compile(&catalog);
    let keys = &args.signing;
    let signing = signing::resolve(keys.secret.as_deref(), keys.secret_env.as_deref(), keys.scheme())?
        .map(|s| (keys.scheme(), s));
    let paths: Vec<&Path> = args.files.iter().map(|f| f.as_path()).collect();
    let captures = Captures::files(&paths).map_err(UserError::new)?;
    let inspector = Arc::new(Inspector::new(api::Parts {
        captures,
        catalog,
        schemas,
        default_url: args.replay_to.clone(),
        signing,
        source: paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
        capture_url: None,
        client_tls: args.client_tls.clone(),
    }));
    let listener = bind(args.port)?;
    let port = listener.local_addr()?.port();
    let _ = inspector.port.set(port);
    announce(&inspector, port);
    if args.open && !open_browser(&format!("http://127.0.0.1:{port}/?token={}", inspector.token)) {
        errln("--open: no display here to open a browser on (no DISPLAY or WAYLAND_DISPLAY): open the URL above in your browser");
    }
    let (stop, shutdown) = watch::channel(false);
    let server = spawn(inspector, listener, shutdown)?;
    let waiter = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    waiter.block_on(interrupted());
    let _ = stop.send(true);
    let _ = server.join();
    Ok(exit(EXIT_INTERRUPTED))
}
