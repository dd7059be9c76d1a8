
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'hookctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'hookctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'hookctl' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print the version, the commit it was built from and its date (with --json: as one JSON object)')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print the version, the commit it was built from and its date (with --json: as one JSON object)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'With --version: print it as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('fixtures', 'fixtures', [CompletionResultType]::ParameterValue, 'List every fixture, or show one as the request it would send')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print an event''s JSON Schema (draft 2020-12)')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Fire a provider-accurate webhook at a receiver, once or under load')
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Run a local capture server that shows, checks, keeps and answers every webhook')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Compare a received payload with the provider''s schema and the expected fixture')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Print the signature headers for a payload (Standard Webhooks, Svix, GitHub, Stripe)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify a payload''s signature headers; exits 0 valid, 1 invalid')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Show hookctl''s manual page, or one command''s (roff source when stdout is not a terminal)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hookctl;fixtures' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of text')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the request a fixture renders to: method, headers, body (fresh placeholders)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hookctl;fixtures;show' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of text')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookctl;fixtures;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the request a fixture renders to: method, headers, body (fresh placeholders)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hookctl;fixtures;help;show' {
            break
        }
        'hookctl;fixtures;help;help' {
            break
        }
        'hookctl;schema' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookctl;send' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Receiver URL; repeat to fan out (one delivery per URL)')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set a body field: dotted path with array indices (a.b[0].c), VALUE parsed as JSON when it parses, else a string')
            [CompletionResult]::new('--set-str', '--set-str', [CompletionResultType]::ParameterName, 'Like --set, but VALUE is always a string')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Add or replace a request header')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Add or replace a request header')
            [CompletionResult]::new('--body', '--body', [CompletionResultType]::ParameterName, 'Send this JSON file (or - for stdin) as the body; headers still come from NAME if given')
            [CompletionResult]::new('--capture', '--capture', [CompletionResultType]::ParameterName, 'Replay a request saved by `listen --save`: FILE (its last record) or FILE:ID')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a delivery after this long (e.g. 500ms, 10s)')
            [CompletionResult]::new('--repeat', '--repeat', [CompletionResultType]::ParameterName, 'Send the event N times, with fresh placeholders each time, and print a summary')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Connections used by --repeat')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Cap --repeat at R requests per second')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The signing secret (prefer --secret-env: a flag shows in the process list)')
            [CompletionResult]::new('--secret-env', '--secret-env', [CompletionResultType]::ParameterName, 'Read the secret from this environment variable')
            [CompletionResult]::new('--scheme', '--scheme', [CompletionResultType]::ParameterName, 'Signature scheme: standard (webhook-id/-timestamp/-signature, Standard Webhooks v1), svix (svix-* headers), github (X-Hub-Signature-256: sha256=<hex>), stripe (Stripe-Signature: t=<ts>,v1=<hex>)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the exact request (method, URL, headers, body) and send nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per delivery (or the load summary) on stdout, nothing else there')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print each request and response (headers, body) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print each request and response (headers, body) on stderr')
            [CompletionResult]::new('--interactive', '--interactive', [CompletionResultType]::ParameterName, 'Prompt for each Configuration field of an ebriza.* fixture, with a prompt that fits its type')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookctl;listen' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Address to bind; 0.0.0.0 accepts requests from the network')
            [CompletionResult]::new('--max-body', '--max-body', [CompletionResultType]::ParameterName, 'Largest body accepted (larger ones get 413 without being read), e.g. 10MiB, 512KiB, 1000')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Status code to answer with')
            [CompletionResult]::new('--delay', '--delay', [CompletionResultType]::ParameterName, 'Wait this long before answering (e.g. 250ms, 2s)')
            [CompletionResult]::new('--response-body', '--response-body', [CompletionResultType]::ParameterName, 'Answer with this file''s contents as the body')
            [CompletionResult]::new('--response-header', '--response-header', [CompletionResultType]::ParameterName, 'Add a header to every answer')
            [CompletionResult]::new('--forward-to', '--forward-to', [CompletionResultType]::ParameterName, 'Relay each request to your app and answer the sender with the app''s answer')
            [CompletionResult]::new('--save', '--save', [CompletionResultType]::ParameterName, 'Append each request as one JSON line (NDJSON), flushed before the answer is sent')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Exit after N requests (CI mode)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'With --count: give up (exit 3) if N requests have not arrived in time (e.g. 30s). Without --count it means the same as --for')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Listen this long, then judge what came: exit 0 when everything was valid (and each --expect arrived)')
            [CompletionResult]::new('--port-file', '--port-file', [CompletionResultType]::ParameterName, 'Write the bound port to FILE once the server answers (atomically: the file appears complete)')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'Require every captured event to be one of these, and each of these to arrive (repeatable)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The signing secret (prefer --secret-env: a flag shows in the process list)')
            [CompletionResult]::new('--secret-env', '--secret-env', [CompletionResultType]::ParameterName, 'Read the secret from this environment variable')
            [CompletionResult]::new('--scheme', '--scheme', [CompletionResultType]::ParameterName, 'Signature scheme: standard (webhook-id/-timestamp/-signature, Standard Webhooks v1), svix (svix-* headers), github (X-Hub-Signature-256: sha256=<hex>), stripe (Stripe-Signature: t=<ts>,v1=<hex>)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'One summary line per request instead of the full request')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'One summary line per request instead of the full request')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON capture record per request on stdout, nothing else there')
            [CompletionResult]::new('--require-signature', '--require-signature', [CompletionResultType]::ParameterName, 'Answer 401 to unsigned or badly signed requests')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookctl;diff' {
            [CompletionResult]::new('--against', '--against', [CompletionResultType]::ParameterName, 'Event to compare against (default: detected from the payload)')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'Validate against this JSON Schema file instead of a built-in event')
            [CompletionResult]::new('--ignore', '--ignore', [CompletionResultType]::ParameterName, 'Leave the field at this JSON pointer out of the diff on both sides (repeatable), e.g. /data/id')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Lines of context around each difference')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Fields the provider never sends are failures, not notes')
            [CompletionResult]::new('--no-mask', '--no-mask', [CompletionResultType]::ParameterName, 'Do not mask values that legitimately vary (ids, timestamps, user text)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object on stdout')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookctl;sign' {
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The signing secret (prefer --secret-env: a flag shows in the process list)')
            [CompletionResult]::new('--secret-env', '--secret-env', [CompletionResultType]::ParameterName, 'Read the secret from this environment variable')
            [CompletionResult]::new('--scheme', '--scheme', [CompletionResultType]::ParameterName, 'Signature scheme: standard (webhook-id/-timestamp/-signature, Standard Webhooks v1), svix (svix-* headers), github (X-Hub-Signature-256: sha256=<hex>), stripe (Stripe-Signature: t=<ts>,v1=<hex>)')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Message id (standard, svix); default: a fresh msg_ id')
            [CompletionResult]::new('--timestamp', '--timestamp', [CompletionResultType]::ParameterName, 'Unix timestamp to sign with; default: now')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the headers as one JSON object')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookctl;verify' {
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The signing secret (prefer --secret-env: a flag shows in the process list)')
            [CompletionResult]::new('--secret-env', '--secret-env', [CompletionResultType]::ParameterName, 'Read the secret from this environment variable')
            [CompletionResult]::new('--scheme', '--scheme', [CompletionResultType]::ParameterName, 'Signature scheme: standard (webhook-id/-timestamp/-signature, Standard Webhooks v1), svix (svix-* headers), github (X-Hub-Signature-256: sha256=<hex>), stripe (Stripe-Signature: t=<ts>,v1=<hex>)')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'A received header (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'A received header (repeatable)')
            [CompletionResult]::new('--tolerance', '--tolerance', [CompletionResultType]::ParameterName, 'Accept timestamps this far from now (e.g. 5m); 0s disables the check')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the verdict as one JSON object')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookctl;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookctl;man' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookctl;help' {
            [CompletionResult]::new('fixtures', 'fixtures', [CompletionResultType]::ParameterValue, 'List every fixture, or show one as the request it would send')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print an event''s JSON Schema (draft 2020-12)')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Fire a provider-accurate webhook at a receiver, once or under load')
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Run a local capture server that shows, checks, keeps and answers every webhook')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Compare a received payload with the provider''s schema and the expected fixture')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Print the signature headers for a payload (Standard Webhooks, Svix, GitHub, Stripe)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify a payload''s signature headers; exits 0 valid, 1 invalid')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Show hookctl''s manual page, or one command''s (roff source when stdout is not a terminal)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hookctl;help;fixtures' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the request a fixture renders to: method, headers, body (fresh placeholders)')
            break
        }
        'hookctl;help;fixtures;show' {
            break
        }
        'hookctl;help;schema' {
            break
        }
        'hookctl;help;send' {
            break
        }
        'hookctl;help;listen' {
            break
        }
        'hookctl;help;diff' {
            break
        }
        'hookctl;help;sign' {
            break
        }
        'hookctl;help;verify' {
            break
        }
        'hookctl;help;completions' {
            break
        }
        'hookctl;help;man' {
            break
        }
        'hookctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
