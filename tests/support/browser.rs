//! A headless Chromium driven over WebDriver (chromedriver's HTTP API, spoken directly: a session, a page,
//! elements, scripts, screenshots, the console log). `None` when Chromium or chromedriver is missing, after
//! saying so; with `HOOKCTL_REQUIRE_BROWSER=1` (as `.ci/run` sets) a missing browser fails the test instead.
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    /// The page runs at idle priority (the inspector yields to capture): no CPU-heavy test runs meanwhile.
    _turn: std::sync::MutexGuard<'static, ()>,
}

fn find_program(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find(|n| {
            Command::new("sh").arg("-c").arg(format!("command -v {n}")).output().is_ok_and(|o| o.status.success())
        })
        .map(|n| n.to_string())
}

impl Browser {
    pub fn start() -> Option<Browser> {
        let chromium = find_program(&["chromium", "chromium-browser", "google-chrome"]);
        let driver = find_program(&["chromedriver"]);
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            let message = "browser tests skipped: Chromium or chromedriver is missing (Debian: apt-get install -y chromium chromium-driver)";
            if std::env::var_os("HOOKCTL_REQUIRE_BROWSER").is_some() {
                panic!("{message}");
            }
            eprintln!("{message}");
            return None;
        };
        let port = crate::support::closed_port();
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let binary = Command::new("sh").arg("-c").arg(format!("command -v {chromium}")).output().unwrap();
        let binary = String::from_utf8_lossy(&binary.stdout).trim().to_string();
        let mut browser = Browser { driver: child, port, session: String::new(), _turn: super::heavy_turn() };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let created = browser.call(
            "POST",
            "/session",
            &json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": binary,
                    "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,900"],
                },
                "goog:loggingPrefs": {"browser": "ALL"},
            }}}),
        );
        browser.session = created["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {created}")).to_string();
        Some(browser)
    }

    fn call(&self, method: &str, path: &str, body: &Value) -> Value {
        let body = if method == "GET" || method == "DELETE" { String::new() } else { body.to_string() };
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        );
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to chromedriver");
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        // Read the head, then exactly the body it announces (chromedriver may keep the connection open).
        let mut response = Vec::new();
        let mut buffer = [0u8; 65536];
        let (head, mut rest) = loop {
            let n = stream.read(&mut buffer).expect("chromedriver answers");
            assert!(n > 0, "chromedriver closed the connection");
            response.extend_from_slice(&buffer[..n]);
            if let Some(end) = response.windows(4).position(|w| w == b"\r\n\r\n") {
                break (String::from_utf8_lossy(&response[..end]).to_ascii_lowercase(), response[end + 4..].to_vec());
            }
        };
        let chunked = head.contains("transfer-encoding: chunked");
        let length =
            head.lines().find_map(|l| l.strip_prefix("content-length:").and_then(|v| v.trim().parse::<usize>().ok()));
        loop {
            let done = match length {
                Some(length) => rest.len() >= length,
                None if chunked => rest.ends_with(b"0\r\n\r\n"),
                None => false,
            };
            if done {
                break;
            }
            let n = stream.read(&mut buffer).unwrap_or(0);
            if n == 0 {
                break;
            }
            rest.extend_from_slice(&buffer[..n]);
        }
        let text = String::from_utf8_lossy(&rest).into_owned();
        let body = if chunked { dechunk(&text) } else { text };
        let value: Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("chromedriver said ({e}): {body:.300}"));
        value["value"].clone()
    }

    fn session(&self, method: &str, path: &str, body: &Value) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    pub fn open(&self, url: &str) {
        self.session("POST", "/url", &json!({"url": url}));
    }

    /// Runs a script in the page (its `return` value comes back).
    pub fn script(&self, script: &str) -> Value {
        self.session("POST", "/execute/sync", &json!({"script": script, "args": []}))
    }

    /// Waits until `script` returns true, for at most `limit`.
    pub fn wait_for(&self, script: &str, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            if self.script(script) == Value::Bool(true) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub fn element(&self, css: &str) -> String {
        let found = self.session("POST", "/element", &json!({"using": "css selector", "value": css}));
        found[ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}: {found}")).to_string()
    }

    pub fn click(&self, css: &str) {
        let id = self.element(css);
        self.session("POST", &format!("/element/{id}/click"), &json!({}));
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.session("POST", &format!("/element/{id}/clear"), &json!({}));
        self.session("POST", &format!("/element/{id}/value"), &json!({"text": text}));
    }

    pub fn keys(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.session("POST", &format!("/element/{id}/value"), &json!({"text": text}));
    }

    pub fn screenshot(&self, path: &std::path::Path) {
        use base64::Engine as _;
        let png = self.session("GET", "/screenshot", &Value::Null);
        let bytes = base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    /// The browser console's messages at level SEVERE (errors), since the last call.
    pub fn console_errors(&self) -> Vec<String> {
        let log = self.session("POST", "/se/log", &json!({"type": "browser"}));
        log.as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| e["level"] == "SEVERE")
                    .map(|e| e["message"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
        if size == 0 || tail.len() < size {
            break;
        }
        out.push_str(&tail[..size]);
        rest = tail[size..].trim_start_matches("\r\n");
    }
    out
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.call("DELETE", &format!("/session/{}", self.session), &Value::Null)
            }));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
