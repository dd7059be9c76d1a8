//! What a provider does around its webhooks, read from `provider.json` in its folder beside its fixtures:
//! what a failed answer costs, how many URLs one event fans out to, notes on well-known breakage in its
//! payloads, and how `send --interactive` asks for its configuration. Everything is optional; a provider
//! without a file is its fixtures alone.
use serde::Deserialize;

/// The file name a provider folder holds its data in.
pub const FILE_NAME: &str = "provider.json";

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// The fixture-name prefix it speaks for: `acme` for `acme.order.created`.
    pub name: String,
    /// How messages name it: `Pgyer`, `Ebriza`.
    #[serde(default)]
    pub title: Option<String>,
    /// Said when a delivery sent as this provider fails; `{answer}` is what came back (`HTTP 500`, `timeout`).
    #[serde(default)]
    pub on_failure: Option<String>,
    /// At most this many webhook URLs per app: `send` warns when given more.
    #[serde(default)]
    pub max_webhooks: Option<usize>,
    /// Notes on bodies that are not JSON, by the breakage: `single_quoted_strings`.
    #[serde(default)]
    pub json_quirks: JsonQuirks,
    /// How `send --interactive` fills in this provider's configuration, when it has one.
    #[serde(default)]
    pub interactive: Option<Interactive>,
    /// How long the provider waits for an answer before it counts the delivery as failed (`30s`, `5s`):
    /// `fuzz`'s default `--timeout`.
    #[serde(default)]
    pub delivery_timeout: Option<String>,
    /// Where the provider's description came from (`import` writes it): the spec's file and version.
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct JsonQuirks {
    #[serde(default)]
    pub single_quoted_strings: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Interactive {
    /// Pointers to try in turn; the first naming an object in the fixture's body is what is asked for,
    /// one prompt per field (`""` is the body itself).
    pub fill: Vec<String>,
    /// Date formats besides ISO 8601 that a field may follow, each prompted with its own description.
    #[serde(default)]
    pub date_formats: Vec<DateFormat>,
    /// Options offered (beside the current value) for a single-select field that holds no GUID.
    #[serde(default)]
    pub select_options: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DateFormat {
    /// chrono's `strftime` syntax: `%m/%d/%Y %H:%M:%S`.
    pub format: String,
    /// Shown in the prompt: `MM/DD/YYYY HH:MM:SS as in Ebriza's example`.
    pub describe: String,
    /// Shown when an answer does not parse.
    pub example: String,
}

impl Provider {
    pub fn parse(text: &str) -> Result<Provider, String> {
        let provider: Provider = serde_json::from_str(text).map_err(|e| format!("not a provider file: {e}"))?;
        if provider.name.is_empty() || provider.name.contains(['.', ' ']) {
            return Err(format!(
                "`name` must be one word, the fixtures' prefix (acme for acme.order), not {:?}",
                provider.name
            ));
        }
        if let Some(template) = &provider.on_failure {
            if !template.contains("{answer}") {
                return Err("`on_failure` must say {answer} where the failed answer goes".into());
            }
        }
        if let Some(timeout) = &provider.delivery_timeout {
            crate::units::parse_duration(timeout)
                .map_err(|e| format!("`delivery_timeout` {timeout:?} is not a duration like 30s: {e}"))?;
        }
        Ok(provider)
    }

    /// The provider's delivery timeout, when its file gives one.
    pub fn delivery_timeout(&self) -> Option<std::time::Duration> {
        self.delivery_timeout.as_deref().and_then(|t| crate::units::parse_duration(t).ok())
    }

    /// How messages name the provider.
    pub fn title(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.name)
    }

    /// The note for a delivery that failed with `answer`.
    pub fn failure_note(&self, answer: &str) -> Option<String> {
        self.on_failure.as_ref().map(|t| t.replace("{answer}", answer))
    }
}
