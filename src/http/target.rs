//! Where a request goes: the host to resolve (an IPv6 literal without its brackets), the port, the `Host:`
//! authority as the URL writes it, and the request target (path and query).
use std::net::SocketAddr;

use reqwest::Url;

/// A receiver's address, worked out once from its URL.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: Url,
    /// The host to connect to: a name, an IPv4 address, or an IPv6 address without brackets.
    pub host: String,
    pub port: u16,
    /// `Host:` (the authority as the URL has it: `[::1]:8080`, `localhost:3000`).
    pub authority: String,
    /// The request target: path and query.
    pub path: String,
}

impl Target {
    pub fn new(url: &Url) -> Target {
        let written = url.host_str().unwrap_or_default();
        // The URL writes an IPv6 literal in brackets; a resolver takes it without them.
        let host = match written.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            Some(ip) => ip.to_string(),
            None => written.to_string(),
        };
        let authority = match url.port() {
            Some(p) => format!("{written}:{p}"),
            None => written.to_string(),
        };
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        Target { url: url.clone(), host, port: url.port_or_known_default().unwrap_or(80), authority, path }
    }

    /// `host:port` as a person reads it (`[::1]:8080`).
    pub fn address_text(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The first address the host resolves to; `Err` is the DNS failure, said in one line.
    pub async fn resolve(&self) -> Result<SocketAddr, super::failure::Failure> {
        tokio::net::lookup_host((self.host.as_str(), self.port))
            .await
            .ok()
            .and_then(|mut addresses| addresses.next())
            .ok_or_else(|| super::failure::dns(&self.host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_literals_resolve_without_brackets_and_keep_them_in_host() {
        let target = Target::new(&Url::parse("http://[::1]:8080/hooks?a=1").unwrap());
        assert_eq!((target.host.as_str(), target.port), ("::1", 8080));
        assert_eq!(target.authority, "[::1]:8080");
        assert_eq!(target.path, "/hooks?a=1");
        assert_eq!(target.address_text(), "[::1]:8080");
        let plain = Target::new(&Url::parse("http://localhost/").unwrap());
        assert_eq!((plain.host.as_str(), plain.port, plain.authority.as_str()), ("localhost", 80, "localhost"));
    }

    #[tokio::test]
    async fn an_ipv6_literal_resolves() {
        let target = Target::new(&Url::parse("http://[::1]:9/").unwrap());
        let address = target.resolve().await.unwrap();
        assert!(address.is_ipv6() && address.port() == 9);
    }
}
