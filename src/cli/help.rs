//! The words around each command's flags: its examples, notes and exit codes, in one table that `--help`,
//! the man pages and the completions all read.
//!
//! Examples are command lines a user copies, so they are never wrapped: they go into the help *template*,
//! whose literal text clap writes as is, while the notes go into `after_help`, which clap wraps to the
//! terminal's width like every other piece of prose.

/// What a command's help says besides its flags.
pub struct Page {
    /// `hookctl send …` command lines, one per entry; a trailing `# comment` is allowed.
    pub examples: &'static [&'static str],
    /// Prose paragraphs (blank-line separated), wrapped to the terminal.
    pub notes: &'static str,
    /// (code, meaning) for every exit code the command uses.
    pub exit_codes: &'static [(u8, &'static str)],
}

const USAGE_EXIT: (u8, &str) = (2, "usage or input error; nothing was done");

/// The page for a command path: `""` is hookctl itself, `"send"`, `"fixtures show"`.
pub fn page(path: &str) -> Option<&'static Page> {
    PAGES.iter().find(|(p, _)| *p == path).map(|(_, page)| page)
}

/// Every documented command path, in the order the man pages list them.
#[cfg(test)]
pub fn paths() -> impl Iterator<Item = &'static str> {
    PAGES.iter().map(|(p, _)| *p)
}

static PAGES: &[(&str, Page)] = &[
    (
        "",
        Page {
            examples: &[
                "hookctl fixtures",
                "hookctl send pgyer.crashlog --to http://localhost:3000/hooks",
                "hookctl listen 8080",
                "hookctl diff received.json --against ebriza.configuration.changed",
            ],
            notes: "",
            exit_codes: &[
                (0, "ok"),
                (1, "the checked thing failed: a delivery, a capture, a match, a signature"),
                USAGE_EXIT,
                (3, "listen timed out before --count requests arrived"),
                (130, "interrupted"),
            ],
        },
    ),
    (
        "fixtures",
        Page {
            examples: &[
                "hookctl fixtures",
                "hookctl fixtures --json | jq -r '.[].name'",
                "hookctl fixtures show ebriza.configuration.changed",
                "hookctl fixtures show pgyer.crashlog --json | jq .body",
            ],
            notes: "",
            exit_codes: &[(0, "ok"), USAGE_EXIT],
        },
    ),
    (
        "fixtures show",
        Page {
            examples: &["hookctl fixtures show obniz.install.create", "hookctl fixtures show pgyer.feedback.zh --json"],
            notes: "",
            exit_codes: &[(0, "ok"), USAGE_EXIT],
        },
    ),
    (
        "captures",
        Page {
            examples: &[
                "hookctl captures captures.ndjson",
                "hookctl captures captures.ndjson --event 'pgyer.*' --invalid --since 1h",
                "hookctl captures captures.ndjson:3..9 --grep 'device-42'",
                "hookctl captures captures.ndjson --count",
                "hookctl captures captures.ndjson --unrecognised --json | jq .path",
                "hookctl captures show captures.ndjson:-1",
                "hookctl captures export captures.ndjson:3 --as curl | sh",
            ],
            notes: "A selection follows the file name: FILE:3 (one record), FILE:3..9 (a range), FILE:3,5,8 (a list), \
FILE:-1 (the last; -2 the one before). The same selections work wherever a command takes a capture (diff, send \
--capture, captures show and export). An id that is not in the file is a usage error (exit 2). Filters combine: \
every one given must hold. Lines that are not records (a torn last line after a crash) are skipped with a warning \
that names them.",
            exit_codes: &[(0, "ok"), USAGE_EXIT],
        },
    ),
    (
        "captures show",
        Page {
            examples: &["hookctl captures show captures.ndjson:3", "hookctl captures show captures.ndjson:-1"],
            notes: "Shows the request as listen showed it when it arrived: headers, body, verdict and problems, \
checked against today's fixtures.",
            exit_codes: &[(0, "ok"), USAGE_EXIT],
        },
    ),
    (
        "captures export",
        Page {
            examples: &[
                "hookctl captures export captures.ndjson:3 --as curl",
                "hookctl captures export captures.ndjson:3..9 --as curl --to http://localhost:3000",
                "hookctl captures export captures.ndjson --as har > captures.har",
                "hookctl captures export captures.ndjson --event acme.order --as fixture --out my-fixtures",
                "hookctl captures export captures.ndjson --invalid --as ndjson > invalid.ndjson",
            ],
            notes: "curl: one command per capture that sends the same method, path, query, headers and exact \
body bytes (binary too), quoted for a POSIX shell; --to BASE replaces scheme, host and port. har: HAR 1.2 with \
the request and the status listen answered. fixture: NAME.json and NAME.schema.json in --out DIR, from one or \
more captures of one event: volatile values become placeholders, stable naming fields become match rules, the \
schema is inferred from every sample; load them with --fixtures DIR. ndjson: the records, unchanged.",
            exit_codes: &[(0, "ok"), USAGE_EXIT],
        },
    ),
    (
        "inspect",
        Page {
            examples: &[
                "hookctl inspect captures.ndjson",
                "hookctl inspect captures.ndjson --port 9000 --open",
                "hookctl inspect shard-1.ndjson shard-2.ndjson   # several listeners' files, merged in time order",
                "hookctl inspect captures.ndjson --replay-to http://localhost:3000/hooks --secret-env WEBHOOK_SECRET",
                "hookctl listen 8080 --ui --save captures.ndjson      # the same page, live, beside listen",
            ],
            notes: "The page is served on 127.0.0.1 only. Open the URL printed on stderr: its token lets the page \
replay (it is kept in a SameSite=Strict cookie); requests with another Host get 403. The file is read from its \
end, so the newest captures show at once however large it is, and followed as it grows. The page and its JSON \
API are described in docs/inspector.md.",
            exit_codes: &[(130, "stopped with Ctrl-C"), USAGE_EXIT],
        },
    ),
    (
        "schema",
        Page {
            examples: &[
                "hookctl schema pgyer.crashlog > crashlog.schema.json",
                "check-jsonschema --schemafile crashlog.schema.json received.json",
            ],
            notes: "",
            exit_codes: &[(0, "ok"), USAGE_EXIT],
        },
    ),
    (
        "send",
        Page {
            examples: &[
                "hookctl send pgyer.crashlog --to http://localhost:3000/hooks",
                "hookctl send obniz.install.create --to http://localhost:3000/a --to http://localhost:3000/b",
                "hookctl send ebriza.configuration.changed --to http://localhost:3000/hook --set Configuration.booleanFieldName=false",
                "hookctl send obniz.install.update --to http://localhost:3000/hook --set-str data.configs='{\"channel\":\"#ops\"}'",
                "hookctl send pgyer.feedback --to http://localhost:3000/hook --dry-run",
                "hookctl send pgyer.updateVersion --to http://localhost:3000/hook --repeat 2000 --concurrency 8 --json",
                "hookctl send --capture captures.ndjson:3 --to http://localhost:3000/hook",
                "hookctl send pgyer.crashlog --to http://10.0.0.5:3000/hook --repeat 1000000 --concurrency 64 --export locust > locustfile.py",
                "hookctl send obniz.oauth.create --to http://localhost:3000/hook --secret-env WEBHOOK_SECRET --scheme github",
                "hookctl send --capture captures.ndjson:3..9 --to http://localhost:3000/hook --secret-env WEBHOOK_SECRET",
                "hookctl send pgyer.crashlog --to http://localhost:3000/hook --duplicate 3    # at-least-once delivery",
                "hookctl send obniz.install.create --to http://localhost:3000/hook --retry standard --time-scale 0.001",
                "hookctl send pgyer.crashlog --to http://localhost:3000/hook --report junit=webhooks.xml",
                "hookctl send pgyer.crashlog --to https://localhost:8443/hook --cacert \"$(mkcert -CAROOT)/rootCA.pem\"",
                "hookctl send pgyer.crashlog --to https://gateway.local/hook --cert client.pem --key client-key.pem",
            ],
            notes: "Output: one line per delivery on stdout (status, elapsed, response size, event, URL); warnings, \
                    provider notes, the progress bar and -v request/response dumps on stderr. --json: one object per \
                    delivery on stdout. --dry-run prints the exact bytes that would be sent (--pretty to indent the \
                    body).",
            exit_codes: &[
                (0, "every delivery got a 2xx answer"),
                (1, "at least one delivery failed (non-2xx, refused, timeout)"),
                (2, "usage or input error; nothing was sent"),
            ],
        },
    ),
    (
        "listen",
        Page {
            examples: &[
                "hookctl listen 8080",
                "hookctl listen 0 --save captures.ndjson --port-file port.txt",
                "hookctl listen 8080 --status 500 --delay 2s     # see how the provider reacts to a failing receiver",
                "hookctl listen 8080 --forward-to http://localhost:3000 --save captures.ndjson",
                "hookctl listen 8080 --json | jq .event",
                "hookctl listen 8080 --count 1 --timeout 30s --expect pgyer.crashlog &   # CI: then trigger, then `wait $!`",
                "hookctl listen 8080 --for 10s                   # judge whatever arrives in 10 seconds",
                "hookctl listen 8080 --secret-env WEBHOOK_SECRET --require-signature",
                "hookctl listen 8080 --ui --save captures.ndjson  # the inspector page beside the capture port",
                "hookctl listen 8080 --count 1 --assert 'body /data/id isString' --report junit=webhooks.xml",
                "hookctl listen 8080 --status 500x3,200          # fail three times, then succeed",
                "hookctl listen 8080 --forward-to 'pgyer.*=http://localhost:4000' --forward-to http://localhost:3000",
                "hookctl listen 8443 --tls                        # HTTPS; the certificate's PEM is named on stderr",
                "hookctl listen 8443 --tls-cert localhost.pem --tls-key localhost-key.pem   # mkcert's certificate",
            ],
            notes: "The first line on stderr is `Listening on http://HOST:PORT`; it is printed once the port is bound \
                    and the server answers (with --port-file, the port is written to that file first). Captured \
                    requests go to stdout; status lines to stderr.",
            exit_codes: &[
                (0, "all --count requests (or everything that came within --for) arrived valid and as --expect said"),
                (1, "something arrived invalid, unexpected or badly signed"),
                (2, "usage error (e.g. the port is in use)"),
                (3, "--timeout ran out before --count requests arrived"),
                (130, "interrupted"),
            ],
        },
    ),
    (
        "diff",
        Page {
            examples: &[
                "hookctl diff received.json --against ebriza.configuration.changed",
                "hookctl diff received.json                       # detect the event as listen does",
                "hookctl diff captures.ndjson:4 --json            # record 4 of a listen --save file",
                "curl -s http://localhost:3000/preview | hookctl diff - --against pgyer.crashlog",
                "hookctl diff order.json --schema my-provider/order.schema.json",
                "hookctl diff captures.ndjson:-1 --assert 'body /appsize isString' --report junit=diff.xml",
            ],
            notes: "",
            exit_codes: &[(0, "the payload matches"), (1, "it does not match"), USAGE_EXIT],
        },
    ),
    (
        "fuzz",
        Page {
            examples: &[
                "hookctl fuzz --to http://localhost:3000/hooks",
                "hookctl fuzz 'pgyer.*' --to http://localhost:3000/hooks --seed 42",
                "hookctl fuzz obniz.install.create --to http://localhost:3000/hooks --checks generated,negative --budget 1000",
                "hookctl fuzz --to http://localhost:3000/hooks --secret-env WEBHOOK_SECRET --scheme standard",
                "hookctl fuzz --to http://localhost:3000/hooks --json --report junit=fuzz.xml",
                "hookctl --fixtures hookctl-fuzz send pgyer.crashlog.fuzz-generated-server-error --to http://localhost:3000/hooks",
            ],
            notes: "Checks: examples (each fixture as it is), generated (edge cases of the event's schema: each \
                    optional property absent, null, every enum value, boundary numbers, empty, long and non-ASCII \
                    strings, empty and long arrays, extra keys, each anyOf/oneOf branch; then random bodies; every \
                    one valid), negative (invalid bodies: the receiver may refuse them, not fail), delivery (the \
                    same webhook twice, two copies at once, a retry after a 5xx), signatures (with a secret: \
                    unsigned, forged, stale, replayed).\n\n\
                    Finding kinds: server-error (5xx or the connection closed), timeout, rejected (non-2xx to a \
                    valid webhook), accepted-unsigned, accepted-forged, accepted-stale, accepted-replayed. Each \
                    finding is shrunk to its smallest body, saved as a fixture (--save-failures, default \
                    ./hookctl-fuzz) and given the command that sends it again. The seed is printed on every run.",
            exit_codes: &[(0, "no finding"), (1, "findings (or the receiver could not be reached)"), USAGE_EXIT],
        },
    ),
    (
        "import",
        Page {
            examples: &[
                "hookctl import openapi.json --provider acme --out providers",
                "hookctl import webhooks.yaml --provider acme --out providers --json | jq .invalid_examples",
                "hookctl --fixtures providers fixtures",
                "hookctl --fixtures providers send acme.order.created --to http://localhost:3000/hooks",
                "hookctl --fixtures providers listen 8080",
            ],
            notes: "Reads OpenAPI 3.1 `webhooks:`, OpenAPI 3.0 `callbacks` and AsyncAPI 2.x/3.0 messages (JSON \
                    or YAML, told apart by content). Writes DIR/NAME/: provider.json, one fixture and one bundled draft 2020-12 schema per \
                    webhook, and every example under examples/<fixture>/ for `send NAME --body FILE`. Each \
                    fixture's body is its first valid example, else one generated from the schema. Examples that \
                    break their own schema, or name another webhook, are reported and never fatal; a second \
                    import says which files changed.",
            exit_codes: &[(0, "imported (invalid examples are reported, not failures)"), USAGE_EXIT],
        },
    ),
    (
        "sign",
        Page {
            examples: &[
                "hookctl sign --secret-env WEBHOOK_SECRET payload.json",
                "hookctl sign --secret whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD --id msg_1 --timestamp 1649367553 payload.json",
                "hookctl sign --scheme github --secret-env GH_SECRET --json payload.json",
                "hookctl sign --secret-env WEBHOOK_SECRET --format curl payload.json",
                "hookctl sign --secret-env WEBHOOK_SECRET payload.json > headers.txt",
            ],
            notes: "--format headers (the default) prints `Name: value` lines, which `verify --headers FILE` reads \
                    back; --format args prints them as -H arguments; --format curl prints a whole curl command.",
            exit_codes: &[(0, "ok"), USAGE_EXIT],
        },
    ),
    (
        "verify",
        Page {
            examples: &[
                "hookctl verify --secret-env WEBHOOK_SECRET --headers headers.txt payload.json",
                "hookctl verify --secret-env WEBHOOK_SECRET -H 'webhook-id: msg_1' -H 'webhook-timestamp: 1649367553' -H 'webhook-signature: v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=' payload.json",
                "hookctl verify --scheme github --secret-env GH_SECRET captures.ndjson:2",
            ],
            notes: "",
            exit_codes: &[
                (0, "the signature is valid"),
                (1, "it is invalid (the reason on stderr, or in --json)"),
                USAGE_EXIT,
            ],
        },
    ),
    (
        "completions",
        Page {
            examples: &[
                "hookctl completions bash > ~/.local/share/bash-completion/completions/hookctl",
                "hookctl completions zsh > ~/.zfunc/_hookctl",
                "hookctl completions fish > ~/.config/fish/completions/hookctl.fish",
            ],
            notes: "The scripts complete fixture names (send, schema, --against, --expect) by asking hookctl, so \
                    your own fixtures from --fixtures or HOOKCTL_FIXTURES are offered too.",
            exit_codes: &[(0, "ok"), USAGE_EXIT],
        },
    ),
    (
        "man",
        Page {
            examples: &["hookctl man", "hookctl man listen", "hookctl man send > hookctl-send.1"],
            notes: "On a terminal the page is shown with man(1); otherwise its roff source is printed.",
            exit_codes: &[(0, "ok"), USAGE_EXIT],
        },
    ),
];

/// The exit codes as one line of prose: `0 ok, 1 …, 2 ….`
pub fn exit_codes_line(page: &Page) -> String {
    let items: Vec<String> = page.exit_codes.iter().map(|(code, meaning)| format!("{code} {meaning}")).collect();
    format!("Exit codes: {}.", items.join(", "))
}

/// clap's default template with the examples written in as literal text, so they are never wrapped.
/// clap reads `{tag}` in a template; an example's braces are kept because every `{` in them is closed.
pub fn template(page: &Page, has_args: bool) -> String {
    let mut text = String::from("{before-help}{about-with-newline}\n{usage-heading} {usage}");
    if has_args {
        text.push_str("\n\n{all-args}");
    }
    if !page.examples.is_empty() {
        text.push_str("\n\nExamples:\n");
        for example in page.examples {
            text.push_str("  ");
            text.push_str(example);
            text.push('\n');
        }
        text.pop();
    }
    text.push_str("{after-help}");
    text
}

/// The notes and the exit codes: the wrapped part after the examples.
pub fn after_help(page: &Page) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !page.notes.is_empty() {
        parts.push(page.notes.to_string());
    }
    parts.push(exit_codes_line(page));
    parts.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_starts_with_a_command_and_closes_its_braces() {
        for path in paths() {
            let page = page(path).unwrap();
            for example in page.examples {
                assert!(
                    example.starts_with("hookctl ") || example.contains("| hookctl") || example.starts_with("check-"),
                    "{example}"
                );
                // clap drops template text after an unclosed `{`.
                let mut depth = 0i32;
                for c in example.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    assert!((0..=1).contains(&depth), "nested or unbalanced braces in {example}");
                }
                assert_eq!(depth, 0, "unclosed brace in {example}");
            }
        }
    }
}
