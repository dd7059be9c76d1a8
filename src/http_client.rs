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
