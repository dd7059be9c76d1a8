//! The one place a reqwest client starts: TLS runs on rustls with the ring crypto backend (one backend in the
//! binary; reqwest's default, aws-lc-rs, adds about 2 MB), installed here before the first client is built.
use std::sync::Once;

/// A client builder with hookctl's crypto backend installed, no system proxy, HTTP/1.1 only and **no redirects**:
/// webhooks are plain HTTP/1.1 POSTs, a proxy picked up from the environment would silently change what a
/// receiver sees, and following a redirect would re-POST the signed body and its headers to wherever the
/// receiver points (another host included) and report that host's answer as the receiver's. A 3xx is an answer.
pub fn builder() -> reqwest::ClientBuilder {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Fails only when a provider is already installed, which is then the one used.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder().no_proxy().http1_only().redirect(reqwest::redirect::Policy::none())
}

/// [`builder`] with the trust the user asked for (`--cacert`, `--insecure`, `--cert`/`--key`); `--insecure` is
/// said once on stderr.
pub fn builder_with(tls: &crate::tls::ClientTls) -> anyhow::Result<reqwest::ClientBuilder> {
    static SAID: Once = Once::new();
    let builder = builder();
    let Some(config) = tls.config()? else { return Ok(builder) };
    if tls.insecure {
        SAID.call_once(|| {
            crate::output::errln("warning: --insecure: receivers' TLS certificates are not verified");
        });
    }
    Ok(builder.tls_backend_preconfigured(config))
}

/// The most of an answer `send` reads (a receiver answering 1 GiB costs 1 MiB, not 1 GiB); the rest is
/// left unread and the connection closed.
pub const ANSWER_LIMIT: usize = 1 << 20;

/// An answer's body, read up to a limit.
pub struct Limited {
    pub bytes: Vec<u8>,
    /// More was there (or announced by Content-Length) than the limit let be read.
    pub truncated: bool,
}

/// Reads at most `limit` bytes of an answer's body; memory stays at the limit whatever the peer sends.
pub async fn read_limited(mut response: reqwest::Response, limit: usize) -> Result<Limited, reqwest::Error> {
    let announced = response.content_length();
    let mut bytes = Vec::with_capacity(announced.map_or(0, |n| n.min(limit as u64) as usize));
    while let Some(chunk) = response.chunk().await? {
        let room = limit - bytes.len();
        if chunk.len() > room {
            bytes.extend_from_slice(&chunk[..room]);
            return Ok(Limited { bytes, truncated: true });
        }
        bytes.extend_from_slice(&chunk);
    }
    let truncated = announced.is_some_and(|n| n > bytes.len() as u64);
    Ok(Limited { bytes, truncated })
}
