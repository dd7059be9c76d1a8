//! The performance limit for `hookctl listen` (scripts/bench-listen.sh, scripts/profile-listen.sh): a bare
//! hyper server, built with hookctl's own release profile, that reads each body, parses it as JSON and answers
//! 200 — no display, no detection or validation, no saving. The same as ../shared/anchors/bare-hyper. Prints
//! its port on the first line of stdout; loopback only; stops when its parent script kills it.
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::io::Write;

fn main() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("{}", listener.local_addr()?.port());
        std::io::stdout().flush()?;
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let service = service_fn(|request: Request<hyper::body::Incoming>| async move {
                    let body = request.into_body().collect().await?.to_bytes();
                    let ok = serde_json::from_slice::<serde_json::Value>(&body).is_ok();
                    let answer: &'static [u8] = if ok { b"{\"ok\":true}" } else { b"{\"ok\":false}" };
                    Ok::<_, hyper::Error>(Response::new(Full::new(Bytes::from_static(answer))))
                });
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    })
}
