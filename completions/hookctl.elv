
use builtin;
use str;

set edit:completion:arg-completer[hookctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'hookctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'hookctl'= {
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never'
            cand --fixtures 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name'
            cand -V 'Print the version, the commit it was built from and its date (with --json: as one JSON object)'
            cand --version 'Print the version, the commit it was built from and its date (with --json: as one JSON object)'
            cand --json 'With --version: print it as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
            cand fixtures 'List every fixture, or show one as the request it would send'
            cand schema 'Print an event''s JSON Schema (draft 2020-12)'
            cand send 'Fire a provider-accurate webhook at a receiver, once or under load'
            cand listen 'Run a local capture server that shows, checks, keeps and answers every webhook'
            cand diff 'Compare a received payload with the provider''s schema and the expected fixture'
            cand sign 'Print the signature headers for a payload (Standard Webhooks, Svix, GitHub, Stripe)'
            cand verify 'Verify a payload''s signature headers; exits 0 valid, 1 invalid'
            cand completions 'Print a shell completion script'
            cand man 'Show hookctl''s manual page, or one command''s (roff source when stdout is not a terminal)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hookctl;fixtures'= {
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never'
            cand --fixtures 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name'
            cand --json 'Print JSON instead of text'
            cand -h 'Print help'
            cand --help 'Print help'
            cand show 'Show the request a fixture renders to: method, headers, body (fresh placeholders)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hookctl;fixtures;show'= {
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never'
            cand --fixtures 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name'
            cand --json 'Print JSON instead of text'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookctl;fixtures;help'= {
            cand show 'Show the request a fixture renders to: method, headers, body (fresh placeholders)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hookctl;fixtures;help;show'= {
        }
        &'hookctl;fixtures;help;help'= {
        }
        &'hookctl;schema'= {
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never'
            cand --fixtures 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookctl;send'= {
            cand --to 'Receiver URL; repeat to fan out (one delivery per URL)'
            cand --set 'Set a body field: dotted path with array indices (a.b[0].c), VALUE parsed as JSON when it parses, else a string'
            cand --set-str 'Like --set, but VALUE is always a string'
            cand -H 'Add or replace a request header'
            cand --header 'Add or replace a request header'
            cand --body 'Send this JSON file (or - for stdin) as the body; headers still come from NAME if given'
            cand --capture 'Replay a request saved by `listen --save`: FILE (its last record) or FILE:ID'
            cand --timeout 'Give up on a delivery after this long (e.g. 500ms, 10s)'
            cand --repeat 'Send the event N times, with fresh placeholders each time, and print a summary'
            cand --concurrency 'Connections used by --repeat'
            cand --rate 'Cap --repeat at R requests per second'
            cand --secret 'The signing secret (prefer --secret-env: a flag shows in the process list)'
            cand --secret-env 'Read the secret from this environment variable'
            cand --scheme 'Signature scheme: standard (webhook-id/-timestamp/-signature, Standard Webhooks v1), svix (svix-* headers), github (X-Hub-Signature-256: sha256=<hex>), stripe (Stripe-Signature: t=<ts>,v1=<hex>)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never'
            cand --fixtures 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name'
            cand --dry-run 'Print the exact request (method, URL, headers, body) and send nothing'
            cand --json 'One JSON object per delivery (or the load summary) on stdout, nothing else there'
            cand -v 'Also print each request and response (headers, body) on stderr'
            cand --verbose 'Also print each request and response (headers, body) on stderr'
            cand --interactive 'Prompt for each Configuration field of an ebriza.* fixture, with a prompt that fits its type'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookctl;listen'= {
            cand --host 'Address to bind; 0.0.0.0 accepts requests from the network'
            cand --max-body 'Largest body accepted (larger ones get 413 without being read), e.g. 10MiB, 512KiB, 1000'
            cand --status 'Status code to answer with'
            cand --delay 'Wait this long before answering (e.g. 250ms, 2s)'
            cand --response-body 'Answer with this file''s contents as the body'
            cand --response-header 'Add a header to every answer'
            cand --forward-to 'Relay each request to your app and answer the sender with the app''s answer'
            cand --save 'Append each request as one JSON line (NDJSON), flushed before the answer is sent'
            cand --count 'Exit after N requests (CI mode)'
            cand --timeout 'With --count: give up (exit 3) if N requests have not arrived in time (e.g. 30s). Without --count it means the same as --for'
            cand --for 'Listen this long, then judge what came: exit 0 when everything was valid (and each --expect arrived)'
            cand --port-file 'Write the bound port to FILE once the server answers (atomically: the file appears complete)'
            cand --expect 'Require every captured event to be one of these, and each of these to arrive (repeatable)'
            cand --secret 'The signing secret (prefer --secret-env: a flag shows in the process list)'
            cand --secret-env 'Read the secret from this environment variable'
            cand --scheme 'Signature scheme: standard (webhook-id/-timestamp/-signature, Standard Webhooks v1), svix (svix-* headers), github (X-Hub-Signature-256: sha256=<hex>), stripe (Stripe-Signature: t=<ts>,v1=<hex>)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never'
            cand --fixtures 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name'
            cand -q 'One summary line per request instead of the full request'
            cand --quiet 'One summary line per request instead of the full request'
            cand --json 'One JSON capture record per request on stdout, nothing else there'
            cand --require-signature 'Answer 401 to unsigned or badly signed requests'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookctl;diff'= {
            cand --against 'Event to compare against (default: detected from the payload)'
            cand --schema 'Validate against this JSON Schema file instead of a built-in event'
            cand --ignore 'Leave the field at this JSON pointer out of the diff on both sides (repeatable), e.g. /data/id'
            cand --context 'Lines of context around each difference'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never'
            cand --fixtures 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name'
            cand --strict 'Fields the provider never sends are failures, not notes'
            cand --no-mask 'Do not mask values that legitimately vary (ids, timestamps, user text)'
            cand --json 'One JSON object on stdout'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookctl;sign'= {
            cand --secret 'The signing secret (prefer --secret-env: a flag shows in the process list)'
            cand --secret-env 'Read the secret from this environment variable'
            cand --scheme 'Signature scheme: standard (webhook-id/-timestamp/-signature, Standard Webhooks v1), svix (svix-* headers), github (X-Hub-Signature-256: sha256=<hex>), stripe (Stripe-Signature: t=<ts>,v1=<hex>)'
            cand --id 'Message id (standard, svix); default: a fresh msg_ id'
            cand --timestamp 'Unix timestamp to sign with; default: now'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never'
            cand --fixtures 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name'
            cand --json 'Print the headers as one JSON object'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookctl;verify'= {
            cand --secret 'The signing secret (prefer --secret-env: a flag shows in the process list)'
            cand --secret-env 'Read the secret from this environment variable'
            cand --scheme 'Signature scheme: standard (webhook-id/-timestamp/-signature, Standard Webhooks v1), svix (svix-* headers), github (X-Hub-Signature-256: sha256=<hex>), stripe (Stripe-Signature: t=<ts>,v1=<hex>)'
            cand -H 'A received header (repeatable)'
            cand --header 'A received header (repeatable)'
            cand --tolerance 'Accept timestamps this far from now (e.g. 5m); 0s disables the check'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never'
            cand --fixtures 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name'
            cand --json 'Print the verdict as one JSON object'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookctl;completions'= {
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never'
            cand --fixtures 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookctl;man'= {
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never'
            cand --fixtures 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookctl;help'= {
            cand fixtures 'List every fixture, or show one as the request it would send'
            cand schema 'Print an event''s JSON Schema (draft 2020-12)'
            cand send 'Fire a provider-accurate webhook at a receiver, once or under load'
            cand listen 'Run a local capture server that shows, checks, keeps and answers every webhook'
            cand diff 'Compare a received payload with the provider''s schema and the expected fixture'
            cand sign 'Print the signature headers for a payload (Standard Webhooks, Svix, GitHub, Stripe)'
            cand verify 'Verify a payload''s signature headers; exits 0 valid, 1 invalid'
            cand completions 'Print a shell completion script'
            cand man 'Show hookctl''s manual page, or one command''s (roff source when stdout is not a terminal)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hookctl;help;fixtures'= {
            cand show 'Show the request a fixture renders to: method, headers, body (fresh placeholders)'
        }
        &'hookctl;help;fixtures;show'= {
        }
        &'hookctl;help;schema'= {
        }
        &'hookctl;help;send'= {
        }
        &'hookctl;help;listen'= {
        }
        &'hookctl;help;diff'= {
        }
        &'hookctl;help;sign'= {
        }
        &'hookctl;help;verify'= {
        }
        &'hookctl;help;completions'= {
        }
        &'hookctl;help;man'= {
        }
        &'hookctl;help;help'= {
        }
    ]
    $completions[$command]
}
