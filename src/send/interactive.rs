//! Prompts (dialoguer, on stderr): pick a fixture, give a URL, fill in a provider's configuration field by field
//! (the prompt types its `provider.json` describes).
//! Called only when stdin and stderr are terminals; nothing is remembered on disk.
use anyhow::Result;
use chrono::{DateTime, NaiveDateTime, Utc};
use console::{Key, Term};
use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{Confirm, Input, MultiSelect, Select};
use serde_json::{Map, Value};

use super::deliver::parse_url;
use crate::catalog::provider::{DateFormat, Interactive};
use crate::catalog::{Catalog, Fixture};
use crate::error::UserError;
use crate::output::{sanitize, truncate};

fn theme(color: bool) -> Box<dyn Theme> {
    if color {
        Box::new(ColorfulTheme::default())
    } else {
        Box::new(SimpleTheme)
    }
}

fn prompt_failed(err: dialoguer::Error) -> anyhow::Error {
    UserError::new(format!("prompt failed: {err}")).into()
}

/// The fixtures that match what was typed: every word is in the name or the description (case-insensitive),
/// names that match coming first. `crash` leaves the crash logs; `uninstall` finds Ebriza's uninstall by its
/// description as well as its name.
pub fn filter<'a>(fixtures: &[&'a Fixture], query: &str) -> Vec<&'a Fixture> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    let mut by_name = Vec::new();
    let mut by_description = Vec::new();
    for fixture in fixtures {
        let (name, description) = (fixture.name.to_lowercase(), fixture.description.to_lowercase());
        if words.iter().all(|w| name.contains(w.as_str())) {
            by_name.push(*fixture);
        } else if words.iter().all(|w| name.contains(w.as_str()) || description.contains(w.as_str())) {
            by_description.push(*fixture);
        }
    }
    by_name.extend(by_description);
    by_name
}

/// A picker over every fixture, filtered as you type (see [`filter`]); one row per fixture, cut to the
/// terminal's width so a row never wraps. `None` when the user pressed Esc.
pub fn pick_fixture(catalog: &Catalog, color: bool) -> Result<Option<String>> {
    let fixtures: Vec<&Fixture> = catalog.iter().collect();
    let term = Term::stderr();
    let style = crate::output::Style { color };
    let name_width = fixtures.iter().map(|f| f.name.chars().count()).max().unwrap_or(0);
    let (mut query, mut selected) = (String::new(), 0usize);
    let _ = term.hide_cursor();
    let picked = loop {
        let (rows, columns) = term.size();
        let width = usize::from(columns).saturating_sub(3).max(20);
        let shown = usize::from(rows).saturating_sub(2).clamp(3, 20);
        let matches = filter(&fixtures, &query);
        selected = selected.min(matches.len().saturating_sub(1));
        let first = selected.saturating_sub(shown - 1);
        let mut lines = vec![format!(
            "{} {}",
            style.bold("Webhook to send (type to filter, ↑↓ Enter, Esc to leave):"),
            sanitize(&query)
        )];
        for (i, fixture) in matches.iter().enumerate().skip(first).take(shown) {
            let row = truncate(
                &format!("{:name_width$}  {}", sanitize(&fixture.name), sanitize(&fixture.description)),
                width,
            );
            lines.push(if i == selected { format!("> {}", style.ok(&row)) } else { format!("  {row}") });
        }
        if matches.is_empty() {
            lines.push(style.dim("  (nothing matches)"));
        }
        term.write_str(&lines.join("\n")).map_err(prompt_io)?;
        let key = term.read_key().map_err(prompt_io)?;
        term.clear_line().map_err(prompt_io)?;
        term.clear_last_lines(lines.len() - 1).map_err(prompt_io)?;
        match key {
            Key::Char(c) if !c.is_control() => {
                query.push(c);
                selected = 0;
            }
            Key::Backspace => {
                query.pop();
                selected = 0;
            }
            Key::ArrowUp => selected = selected.saturating_sub(1),
            Key::ArrowDown | Key::Tab => selected += 1,
            Key::Enter if !matches.is_empty() => break Some(matches[selected].name.clone()),
            Key::Escape => break None,
            _ => {}
        }
    };
    let _ = term.show_cursor();
    Ok(picked)
}

fn prompt_io(err: std::io::Error) -> anyhow::Error {
    UserError::new(format!("prompt failed: {err}")).into()
}

pub fn ask_url(color: bool) -> Result<String> {
    Input::<String>::with_theme(theme(color).as_ref())
        .with_prompt("Receiver URL")
        .default("http://localhost:3000/hooks".into())
        .validate_with(|text: &String| parse_url(text).map(|_| ()).map_err(|e| e.to_string()))
        .interact_text()
        .map_err(prompt_failed)
}

fn is_guid(text: &str) -> bool {
    uuid::Uuid::parse_str(text).is_ok() && text.len() == 36
}

/// Asks for every field of a configuration object, with a prompt that fits the field's type.
pub fn ask_configuration(
    config: &Map<String, Value>,
    prompts: &Interactive,
    color: bool,
) -> Result<Map<String, Value>> {
    let theme = theme(color);
    let theme = theme.as_ref();
    let mut answers = Map::new();
    for (key, value) in config {
        let name = sanitize(key).into_owned();
        let answer = match value {
            Value::Bool(current) => Value::Bool(confirm(theme, &name, *current)?),
            Value::String(text) if text == "true" || text == "false" => {
                Value::String(confirm(theme, &name, text == "true")?.to_string())
            }
            Value::Array(items) => Value::Array(multi_select(theme, &name, items)?),
            Value::String(text) if DateTime::parse_from_rfc3339(text).is_ok() => {
                Value::String(iso_date(theme, &name, text)?)
            }
            Value::String(text) if date_format(prompts, text).is_some() => {
                let format = date_format(prompts, text).unwrap_or(&prompts.date_formats[0]);
                Value::String(formatted_date(theme, &name, text, format)?)
            }
            Value::String(text) if is_guid(text) || key.to_lowercase().contains("select") => {
                Value::String(single_select(theme, &name, text, &prompts.select_options)?)
            }
            Value::String(text) => Value::String(
                Input::<String>::with_theme(theme)
                    .with_prompt(format!("{name} (text)"))
                    .default(text.clone())
                    .allow_empty(true)
                    .interact_text()
                    .map_err(prompt_failed)?,
            ),
            other => other.clone(),
        };
        answers.insert(key.clone(), answer);
    }
    Ok(answers)
}

fn confirm(theme: &dyn Theme, name: &str, current: bool) -> Result<bool> {
    Confirm::with_theme(theme)
        .with_prompt(format!("{name} (boolean)"))
        .default(current)
        .interact()
        .map_err(prompt_failed)
}

fn multi_select(theme: &dyn Theme, name: &str, items: &[Value]) -> Result<Vec<Value>> {
    let labels: Vec<String> = items.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), String::from)).collect();
    let defaults = vec![true; labels.len()];
    let chosen = MultiSelect::with_theme(theme)
        .with_prompt(format!("{name} (multi select: space toggles, enter accepts)"))
        .items(&labels)
        .defaults(&defaults)
        .interact()
        .map_err(prompt_failed)?;
    Ok(chosen.into_iter().map(|i| items[i].clone()).collect())
}

/// The provider's date format `text` follows, if any.
fn date_format<'a>(prompts: &'a Interactive, text: &str) -> Option<&'a DateFormat> {
    prompts.date_formats.iter().find(|f| NaiveDateTime::parse_from_str(text, &f.format).is_ok())
}

fn single_select(theme: &dyn Theme, name: &str, current: &str, choices: &[String]) -> Result<String> {
    let fresh = crate::catalog::placeholder::random_guid().to_string().to_uppercase();
    let mut options = vec![current.to_string()];
    if is_guid(current) {
        options.push(fresh);
    } else {
        options.extend(choices.iter().filter(|o| *o != current).cloned());
    }
    options.push("something else…".into());
    let picked = Select::with_theme(theme)
        .with_prompt(format!("{name} (single select)"))
        .items(&options)
        .default(0)
        .interact()
        .map_err(prompt_failed)?;
    if picked + 1 < options.len() {
        return Ok(options[picked].clone());
    }
    Input::<String>::with_theme(theme).with_prompt(format!("{name} (value)")).interact_text().map_err(prompt_failed)
}

/// ISO 8601, answered in any offset and stored in UTC (`2018-07-10T11:14:06Z`).
fn iso_date(theme: &dyn Theme, name: &str, current: &str) -> Result<String> {
    let text = Input::<String>::with_theme(theme)
        .with_prompt(format!("{name} (date, ISO 8601)"))
        .default(current.to_string())
        .validate_with(|t: &String| {
            DateTime::parse_from_rfc3339(t).map(|_| ()).map_err(|_| "expected ISO 8601 like 2018-07-10T11:14:06Z")
        })
        .interact_text()
        .map_err(prompt_failed)?;
    Ok(normalise_iso(&text).unwrap_or(text))
}

pub fn normalise_iso(text: &str) -> Option<String> {
    DateTime::parse_from_rfc3339(text).ok().map(|d| d.with_timezone(&Utc).format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

fn formatted_date(theme: &dyn Theme, name: &str, current: &str, format: &DateFormat) -> Result<String> {
    Input::<String>::with_theme(theme)
        .with_prompt(format!("{name} (date, {})", format.describe))
        .default(current.to_string())
        .validate_with(|t: &String| {
            NaiveDateTime::parse_from_str(t, &format.format)
                .map(|_| ())
                .map_err(|_| format!("expected {}", format.example))
        })
        .interact_text()
        .map_err(prompt_failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_filters_on_names_then_descriptions() {
        let catalog = Catalog::builtin();
        let all: Vec<&Fixture> = catalog.iter().collect();
        let names = |q: &str| filter(&all, q).iter().map(|f| f.name.clone()).collect::<Vec<_>>();
        assert_eq!(names("crash"), ["pgyer.crashlog", "pgyer.crashlog.zh"]);
        assert_eq!(names("CRASH zh"), ["pgyer.crashlog.zh"]);
        assert!(names("stack").contains(&"pgyer.crashlog".to_string()), "descriptions count too");
        assert_eq!(names("").len(), all.len());
        assert!(names("nothing-like-this").is_empty());
    }

    #[test]
    fn iso_dates_are_stored_in_utc() {
        assert_eq!(normalise_iso("2018-07-10T13:14:06+02:00").as_deref(), Some("2018-07-10T11:14:06Z"));
        assert_eq!(normalise_iso("2018-07-10"), None);
    }

    #[test]
    fn guids_are_recognised() {
        assert!(is_guid("38A6B4FA-543F-499D-B45A-D65F2EDE351B"));
        assert!(!is_guid("02F35908-84B3-4534...."));
    }
}
