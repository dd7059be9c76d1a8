//! `send --repeat N --concurrency C [--rate R]`: N fresh deliveries over C keep-alive connections,
//! and a summary (sent, 2xx, failures by reason, requests/second, latency percentiles).
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use reqwest::{Client, Url};
use serde_json::{json, Value};

use super::deliver::{deliver, header_map, method, Delivery, FailKind};
use super::plan::Plan;
use super::wire::{Connection, Target};

pub struct LoadOptions {
    pub repeat: u64,
    pub concurrency: u64,
    pub rate: Option<u64>,
    pub progress: bool,
    pub timeout: Duration,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub sent: u64,
    pub ok: u64,
    /// Failure reason (`http_500`, `refused`, `timeout`, …) → count.
    pub failures: BTreeMap<String, u64>,
    pub elapsed: Duration,
    /// Latency of every delivery that got an answer, in microseconds, sorted.
    pub latencies_us: Vec<u64>,
}

/// The value at quantile `q` (0..=1) of sorted samples, nearest-rank.
pub fn percentile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

impl Summary {
    pub fn failed(&self) -> u64 {
        self.failures.values().sum()
    }

    pub fn requests_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.sent as f64 / secs
        } else {
            0.0
        }
    }

    fn ms(us: u64) -> f64 {
        (us as f64 / 1000.0 * 1000.0).round() / 1000.0
    }

    pub fn to_json(&self, concurrency: u64, urls: &[Url]) -> Value {
        let lat = &self.latencies_us;
        json!({
            "sent": self.sent,
            "ok": self.ok,
            "failed": self.failed(),
            "failures": self.failures,
            "concurrency": concurrency,
            "urls": urls.iter().map(Url::as_str).collect::<Vec<_>>(),
            "elapsed_ms": (self.elapsed.as_secs_f64() * 1000.0).round() as u64,
            "requests_per_second": (self.requests_per_second() * 10.0).round() / 10.0,
            "latency_ms": {
                "min": Self::ms(lat.first().copied().unwrap_or(0)),
                "p50": Self::ms(percentile(lat, 0.50)),
                "p90": Self::ms(percentile(lat, 0.90)),
                "p99": Self::ms(percentile(lat, 0.99)),
                "max": Self::ms(lat.last().copied().unwrap_or(0)),
            },
        })
    }

    pub fn to_text(&self) -> String {
        let lat = &self.latencies_us;
        let failures = if self.failures.is_empty() {
            String::new()
        } else {
            let parts: Vec<String> = self.failures.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            format!(" ({})", parts.join(", "))
        };
        format!(
            "sent {}  2xx {}  failed {}{failures}\n{:.1} requests/second over {:.2} s\nlatency ms  min {:.3}  p50 {:.3}  p90 {:.3}  p99 {:.3}  max {:.3}\n",
            self.sent,
            self.ok,
            self.failed(),
            self.requests_per_second(),
            self.elapsed.as_secs_f64(),
            Self::ms(lat.first().copied().unwrap_or(0)),
            Self::ms(percentile(lat, 0.50)),
            Self::ms(percentile(lat, 0.90)),
            Self::ms(percentile(lat, 0.99)),
            Self::ms(lat.last().copied().unwrap_or(0)),
        )
    }

    fn add(&mut self, delivery: &Delivery) {
        self.sent += 1;
        if delivery.ok() {
            self.ok += 1;
        } else {
            let reason = match (&delivery.failure, delivery.status) {
                (Some((kind, _)), _) => serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(String::from)),
                (None, Some(status)) => Some(format!("http_{status}")),
                (None, None) => None,
            };
            *self.failures.entry(reason.unwrap_or_else(|| "other".into())).or_default() += 1;
        }
        if delivery.failure.is_none() {
            self.latencies_us.push(delivery.elapsed.as_micros() as u64);
        }
    }

    fn merge(&mut self, other: Summary) {
        self.sent += other.sent;
        self.ok += other.ok;
        for (k, v) in other.failures {
            *self.failures.entry(k).or_default() += v;
        }
        self.latencies_us.extend(other.latencies_us);
    }
}

/// The bar is drawn only when stderr is a terminal (the caller decides, from the context), so it is drawn
/// on that terminal directly rather than through indicatif's own terminal check.
fn progress_bar(total: u64) -> ProgressBar {
    let target = ProgressDrawTarget::term_like_with_hz(Box::new(console::Term::stderr()), 10);
    let bar = ProgressBar::with_draw_target(Some(total), target);
    let style = ProgressStyle::with_template("{bar:40} {pos}/{len} sent  {rate}  eta {eta}").map(|style| {
        style.with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{}/s", crate::output::thousands(state.per_sec().round() as u64));
        })
    });
    if let Ok(style) = style {
        bar.set_style(style);
    }
    bar
}

/// How a worker reaches the receivers: hyper connections for http://, reqwest (TLS) otherwise.
#[derive(Clone)]
pub enum Transport {
    Plain(Arc<Vec<Result<Target, String>>>),
    Client(Client),
}

impl Transport {
    /// hyper connections when every URL is plain http; otherwise a TLS-capable reqwest client (built only
    /// then: loading the platform's certificates is the most expensive thing hookctl does at start-up).
    pub async fn for_urls(
        urls: &[Url],
        timeout: Duration,
        pool: usize,
        tls: &crate::tls::ClientTls,
    ) -> anyhow::Result<Transport> {
        if urls.iter().all(|u| u.scheme() == "http") {
            let mut targets = Vec::new();
            for url in urls {
                targets.push(Target::resolve(url).await);
            }
            Ok(Transport::Plain(Arc::new(targets)))
        } else {
            Ok(Transport::Client(super::deliver::client(timeout, pool, tls)?))
        }
    }
}

/// What every worker shares: the plan, the receivers, the next delivery to take, the pace and the bar.
struct Work {
    plan: Arc<Plan>,
    urls: Arc<Vec<Url>>,
    next: AtomicU64,
    repeat: u64,
    rate: Option<u64>,
    timeout: Duration,
    start: Instant,
    bar: Option<ProgressBar>,
}

impl Work {
    /// The URL (by index) the next delivery goes to, once --rate lets it go; `None` when all are taken.
    async fn take(&self) -> Option<usize> {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        if i >= self.repeat {
            return None;
        }
        if let Some(rate) = self.rate {
            let due = self.start + Duration::from_secs_f64(i as f64 / rate as f64);
            tokio::time::sleep_until(due.into()).await;
        }
        Some((i % self.urls.len() as u64) as usize)
    }

    fn done(&self, summary: &mut Summary, delivery: &Delivery) {
        summary.add(delivery);
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }
}

/// A worker on plain http://: one connection per URL, on its own event loop.
async fn plain_worker(work: Arc<Work>, targets: Arc<Vec<Result<Target, String>>>) -> Summary {
    let mut summary = Summary::default();
    let mut connections: Vec<Connection> = targets.iter().map(|_| Connection::default()).collect();
    while let Some(which) = work.take().await {
        let url = &work.urls[which];
        let delivery = match (work.plan.build(), &targets[which]) {
            (Err(e), _) => failed_before_sending(url, FailKind::Other, e.to_string()),
            (Ok(prepared), Ok(target)) => connections[which].deliver(target, prepared, work.timeout).await,
            (Ok(_), Err(dns)) => failed_before_sending(url, FailKind::Dns, dns.clone()),
        };
        work.done(&mut summary, &delivery);
    }
    summary
}

/// A worker through reqwest (https://, or a mix of schemes).
async fn client_worker(work: Arc<Work>, client: Client) -> Summary {
    let mut summary = Summary::default();
    while let Some(which) = work.take().await {
        let url = &work.urls[which];
        let delivery = match work.plan.build() {
            Err(e) => failed_before_sending(url, FailKind::Other, e.to_string()),
            Ok(prepared) => match (method(&prepared.method), header_map(&prepared.headers)) {
                (Ok(m), Ok(h)) => deliver(&client, url, m, h, prepared, work.timeout, false).await,
                _ => failed_before_sending(url, FailKind::Other, "invalid method or header".into()),
            },
        };
        work.done(&mut summary, &delivery);
    }
    summary
}

/// How many event loops plain http:// workers run on: one per core, never more than there are workers.
fn event_loops(workers: u64) -> u64 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    cores.min(workers).max(1)
}

/// Plain http:// workers, spread over one single-threaded event loop per core (as wrk runs): a worker's
/// request, answer and next request all happen on one thread, with no hand-over between threads.
fn on_event_loops(
    work: Arc<Work>,
    targets: Arc<Vec<Result<Target, String>>>,
    workers: u64,
) -> std::io::Result<Summary> {
    let loops = event_loops(workers);
    // Every loop built before any starts: a failure sends nothing.
    let runtimes = (0..loops)
        .map(|_| tokio::runtime::Builder::new_current_thread().enable_all().build())
        .collect::<std::io::Result<Vec<_>>>()?;
    let mut threads = Vec::new();
    for (l, runtime) in (0..loops).zip(runtimes) {
        let share = workers / loops + u64::from(l < workers % loops);
        let (work, targets) = (work.clone(), targets.clone());
        threads.push(std::thread::spawn(move || {
            runtime.block_on(async move {
                gather((0..share).map(|_| tokio::spawn(plain_worker(work.clone(), targets.clone())))).await
            })
        }));
    }
    let mut total = Summary::default();
    for thread in threads {
        if let Ok(part) = thread.join() {
            total.merge(part);
        }
    }
    Ok(total)
}

/// The workers' summaries, merged (all are started before the first is awaited).
async fn gather(workers: impl Iterator<Item = tokio::task::JoinHandle<Summary>>) -> Summary {
    let workers: Vec<_> = workers.collect();
    let mut total = Summary::default();
    for worker in workers {
        if let Ok(part) = worker.await {
            total.merge(part);
        }
    }
    total
}

/// Runs the load; requests are spread over the URLs in turn.
pub async fn run(
    plan: Arc<Plan>,
    urls: Arc<Vec<Url>>,
    transport: Transport,
    options: &LoadOptions,
) -> std::io::Result<Summary> {
    let workers = options.concurrency.min(options.repeat);
    let work = Arc::new(Work {
        plan,
        urls,
        next: AtomicU64::new(0),
        repeat: options.repeat,
        rate: options.rate,
        timeout: options.timeout,
        start: Instant::now(),
        // A hidden bar still takes a lock per update: only keep one when it is drawn.
        bar: options.progress.then(|| progress_bar(options.repeat)),
    });
    let started = Instant::now();
    let mut total = match transport {
        Transport::Plain(targets) => {
            let work = work.clone();
            tokio::task::spawn_blocking(move || on_event_loops(work, targets, workers))
                .await
                .map_err(std::io::Error::other)??
        }
        Transport::Client(client) => {
            gather((0..workers).map(|_| tokio::spawn(client_worker(work.clone(), client.clone())))).await
        }
    };
    total.elapsed = started.elapsed();
    if let Some(bar) = &work.bar {
        bar.finish_and_clear();
    }
    total.latencies_us.sort_unstable();
    Ok(total)
}

fn failed_before_sending(url: &Url, kind: FailKind, message: String) -> Delivery {
    Delivery::failed(url, Duration::ZERO, kind, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&samples, 0.50), 50);
        assert_eq!(percentile(&samples, 0.99), 99);
        assert_eq!(percentile(&samples, 1.0), 100);
        assert_eq!(percentile(&[7], 0.9), 7);
        assert_eq!(percentile(&[], 0.9), 0);
    }
}
