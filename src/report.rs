//! `--report junit=FILE` / `--report json=FILE`: what a run checked, as test cases CI servers render (JUnit
//! XML for GitHub, GitLab and Jenkins) or a script reads (JSON). Written at the end of every run, passing,
//! failing or timed out.
use std::path::PathBuf;

use anyhow::Result;
use serde_json::json;

use crate::error::UserError;
use crate::output::sanitize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Junit,
    Json,
}

/// One `--report KIND=FILE`.
#[derive(Debug, Clone)]
pub struct Target {
    pub kind: Kind,
    pub path: PathBuf,
}

impl Target {
    pub fn parse(text: &str) -> Result<Target> {
        let bad = || {
            UserError::with_hint(
                format!("--report {}: not KIND=FILE", sanitize(text)),
                "write --report junit=report.xml or --report json=report.json",
            )
        };
        let (kind, path) = text.split_once('=').ok_or_else(bad)?;
        let kind = match kind.trim() {
            "junit" | "xml" => Kind::Junit,
            "json" => Kind::Json,
            _ => return Err(bad().into()),
        };
        if path.trim().is_empty() {
            return Err(bad().into());
        }
        Ok(Target { kind, path: PathBuf::from(path) })
    }

    pub fn parse_all(texts: &[String]) -> Result<Vec<Target>> {
        texts.iter().map(|t| Target::parse(t)).collect()
    }
}

/// One test case: a thing that was checked.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub ok: bool,
    /// Why it failed (or what it found), one line each.
    pub messages: Vec<String>,
    pub seconds: f64,
}

impl Case {
    pub fn new(name: impl Into<String>, ok: bool, messages: Vec<String>) -> Case {
        Case { name: name.into(), ok, messages, seconds: 0.0 }
    }
}

/// A run's cases.
#[derive(Debug, Clone)]
pub struct Suite {
    /// `listen`, `send`, `diff`.
    pub command: String,
    pub cases: Vec<Case>,
    pub exit_code: u8,
    pub seconds: f64,
}

/// Text that is safe in XML 1.0: the five special characters escaped, characters XML cannot hold dropped.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || matches!(c, '\u{fffe}' | '\u{ffff}') => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

impl Suite {
    pub fn failures(&self) -> usize {
        self.cases.iter().filter(|c| !c.ok).count()
    }

    pub fn junit(&self) -> String {
        let name = format!("hookctl {}", self.command);
        let mut text = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        text.push_str(&format!(
            "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{:.3}\">\n",
            xml(&name),
            self.cases.len(),
            self.failures(),
            self.seconds
        ));
        text.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"{:.3}\" timestamp=\"{}\">\n",
            xml(&name),
            self.cases.len(),
            self.failures(),
            self.seconds,
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S")
        ));
        for case in &self.cases {
            text.push_str(&format!(
                "    <testcase classname=\"hookctl.{}\" name=\"{}\" time=\"{:.3}\"",
                xml(&self.command),
                xml(&case.name),
                case.seconds
            ));
            if case.ok && case.messages.is_empty() {
                text.push_str("/>\n");
                continue;
            }
            text.push_str(">\n");
            let details = case.messages.join("\n");
            if case.ok {
                text.push_str(&format!("      <system-out>{}</system-out>\n", xml(&details)));
            } else {
                let first = case.messages.first().cloned().unwrap_or_else(|| "failed".into());
                text.push_str(&format!(
                    "      <failure message=\"{}\" type=\"failure\">{}</failure>\n",
                    xml(&first),
                    xml(&details)
                ));
            }
            text.push_str("    </testcase>\n");
        }
        text.push_str("  </testsuite>\n</testsuites>\n");
        text
    }

    pub fn json(&self) -> serde_json::Value {
        json!({
            "tool": "hookctl",
            "command": self.command,
            "ok": self.exit_code == 0,
            "exit_code": self.exit_code,
            "tests": self.cases.len(),
            "failures": self.failures(),
            "seconds": (self.seconds * 1000.0).round() / 1000.0,
            "cases": self.cases.iter().map(|c| json!({"name": c.name, "ok": c.ok, "messages": c.messages})).collect::<Vec<_>>(),
        })
    }

    /// Writes every report asked for; a report that cannot be written is said on stderr (the run's own
    /// outcome stands).
    pub fn write(&self, targets: &[Target]) {
        for target in targets {
            let text = match target.kind {
                Kind::Junit => self.junit(),
                Kind::Json => {
                    crate::output::json_safe(serde_json::to_string_pretty(&self.json()).unwrap_or_default()) + "\n"
                }
            };
            if let Err(err) = std::fs::write(&target.path, text) {
                crate::output::errln(&format!(
                    "hookctl: error: cannot write --report {}: {err}",
                    target.path.display()
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junit_escapes_what_a_sender_wrote() {
        let suite = Suite {
            command: "listen".into(),
            cases: vec![
                Case::new("#1 pgyer.crashlog", true, vec![]),
                Case::new("#2 <script>&\"", false, vec!["/a: expected string, found \u{1b}[2J".into()]),
            ],
            exit_code: 1,
            seconds: 1.5,
        };
        let text = suite.junit();
        assert!(text.contains("tests=\"2\" failures=\"1\""));
        assert!(text.contains("name=\"#2 &lt;script&gt;&amp;&quot;\""));
        assert!(!text.contains('\u{1b}'));
        assert!(
            Target::parse("junit=out.xml").is_ok()
                && Target::parse("html=x").is_err()
                && Target::parse("junit=").is_err()
        );
    }
}
