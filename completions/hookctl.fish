# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_hookctl_global_optspecs
    string join \n V/version json color= fixtures= h/help
end

function __fish_hookctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_hookctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_hookctl_using_subcommand
    set -l cmd (__fish_hookctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c hookctl -n "__fish_hookctl_needs_command" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_needs_command" -l fixtures -d 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name' -r -F
complete -c hookctl -n "__fish_hookctl_needs_command" -s V -l version -d 'Print the version, the commit it was built from and its date (with --json: as one JSON object)'
complete -c hookctl -n "__fish_hookctl_needs_command" -l json -d 'With --version: print it as JSON'
complete -c hookctl -n "__fish_hookctl_needs_command" -s h -l help -d 'Print help'
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "fixtures" -d 'List every fixture, or show one as the request it would send'
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "schema" -d 'Print an event\'s JSON Schema (draft 2020-12)'
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "send" -d 'Fire a provider-accurate webhook at a receiver, once or under load'
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "listen" -d 'Run a local capture server that shows, checks, keeps and answers every webhook'
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "diff" -d 'Compare a received payload with the provider\'s schema and the expected fixture'
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "sign" -d 'Print the signature headers for a payload (Standard Webhooks, Svix, GitHub, Stripe)'
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "verify" -d 'Verify a payload\'s signature headers; exits 0 valid, 1 invalid'
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "man" -d 'Show hookctl\'s manual page, or one command\'s (roff source when stdout is not a terminal)'
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and not __fish_seen_subcommand_from show help" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and not __fish_seen_subcommand_from show help" -l fixtures -d 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and not __fish_seen_subcommand_from show help" -l json -d 'Print JSON instead of text'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and not __fish_seen_subcommand_from show help" -s h -l help -d 'Print help'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and not __fish_seen_subcommand_from show help" -f -a "show" -d 'Show the request a fixture renders to: method, headers, body (fresh placeholders)'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and not __fish_seen_subcommand_from show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and __fish_seen_subcommand_from show" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and __fish_seen_subcommand_from show" -l fixtures -d 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and __fish_seen_subcommand_from show" -l json -d 'Print JSON instead of text'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show the request a fixture renders to: method, headers, body (fresh placeholders)'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hookctl -n "__fish_hookctl_using_subcommand schema" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand schema" -l fixtures -d 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand schema" -s h -l help -d 'Print help'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l to -d 'Receiver URL; repeat to fan out (one delivery per URL)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l set -d 'Set a body field: dotted path with array indices (a.b[0].c), VALUE parsed as JSON when it parses, else a string' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l set-str -d 'Like --set, but VALUE is always a string' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s H -l header -d 'Add or replace a request header' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l body -d 'Send this JSON file (or - for stdin) as the body; headers still come from NAME if given' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l capture -d 'Replay a request saved by `listen --save`: FILE (its last record) or FILE:ID' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l timeout -d 'Give up on a delivery after this long (e.g. 500ms, 10s)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l repeat -d 'Send the event N times, with fresh placeholders each time, and print a summary' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l concurrency -d 'Connections used by --repeat' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l rate -d 'Cap --repeat at R requests per second' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l secret -d 'The signing secret (prefer --secret-env: a flag shows in the process list)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l secret-env -d 'Read the secret from this environment variable' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l scheme -d 'Signature scheme: standard (webhook-id/-timestamp/-signature, Standard Webhooks v1), svix (svix-* headers), github (X-Hub-Signature-256: sha256=<hex>), stripe (Stripe-Signature: t=<ts>,v1=<hex>)' -r -f -a "standard\t''
svix\t''
github\t''
stripe\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l fixtures -d 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l dry-run -d 'Print the exact request (method, URL, headers, body) and send nothing'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l json -d 'One JSON object per delivery (or the load summary) on stdout, nothing else there'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s v -l verbose -d 'Also print each request and response (headers, body) on stderr'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l interactive -d 'Prompt for each Configuration field of an ebriza.* fixture, with a prompt that fits its type'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s h -l help -d 'Print help'
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l host -d 'Address to bind; 0.0.0.0 accepts requests from the network' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l max-body -d 'Largest body accepted (larger ones get 413 without being read), e.g. 10MiB, 512KiB, 1000' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l status -d 'Status code to answer with' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l delay -d 'Wait this long before answering (e.g. 250ms, 2s)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l response-body -d 'Answer with this file\'s contents as the body' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l response-header -d 'Add a header to every answer' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l forward-to -d 'Relay each request to your app and answer the sender with the app\'s answer' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l save -d 'Append each request as one JSON line (NDJSON), flushed before the answer is sent' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l count -d 'Exit after N requests (CI mode)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l timeout -d 'With --count: give up (exit 3) if N requests have not arrived in time (e.g. 30s). Without --count it means the same as --for' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l for -d 'Listen this long, then judge what came: exit 0 when everything was valid (and each --expect arrived)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l port-file -d 'Write the bound port to FILE once the server answers (atomically: the file appears complete)' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l expect -d 'Require every captured event to be one of these, and each of these to arrive (repeatable)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l secret -d 'The signing secret (prefer --secret-env: a flag shows in the process list)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l secret-env -d 'Read the secret from this environment variable' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l scheme -d 'Signature scheme: standard (webhook-id/-timestamp/-signature, Standard Webhooks v1), svix (svix-* headers), github (X-Hub-Signature-256: sha256=<hex>), stripe (Stripe-Signature: t=<ts>,v1=<hex>)' -r -f -a "standard\t''
svix\t''
github\t''
stripe\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l fixtures -d 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -s q -l quiet -d 'One summary line per request instead of the full request'
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l json -d 'One JSON capture record per request on stdout, nothing else there'
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l require-signature -d 'Answer 401 to unsigned or badly signed requests'
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -s h -l help -d 'Print help'
complete -c hookctl -n "__fish_hookctl_using_subcommand diff" -l against -d 'Event to compare against (default: detected from the payload)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand diff" -l schema -d 'Validate against this JSON Schema file instead of a built-in event' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand diff" -l ignore -d 'Leave the field at this JSON pointer out of the diff on both sides (repeatable), e.g. /data/id' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand diff" -l context -d 'Lines of context around each difference' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand diff" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand diff" -l fixtures -d 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand diff" -l strict -d 'Fields the provider never sends are failures, not notes'
complete -c hookctl -n "__fish_hookctl_using_subcommand diff" -l no-mask -d 'Do not mask values that legitimately vary (ids, timestamps, user text)'
complete -c hookctl -n "__fish_hookctl_using_subcommand diff" -l json -d 'One JSON object on stdout'
complete -c hookctl -n "__fish_hookctl_using_subcommand diff" -s h -l help -d 'Print help'
complete -c hookctl -n "__fish_hookctl_using_subcommand sign" -l secret -d 'The signing secret (prefer --secret-env: a flag shows in the process list)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand sign" -l secret-env -d 'Read the secret from this environment variable' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand sign" -l scheme -d 'Signature scheme: standard (webhook-id/-timestamp/-signature, Standard Webhooks v1), svix (svix-* headers), github (X-Hub-Signature-256: sha256=<hex>), stripe (Stripe-Signature: t=<ts>,v1=<hex>)' -r -f -a "standard\t''
svix\t''
github\t''
stripe\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand sign" -l id -d 'Message id (standard, svix); default: a fresh msg_ id' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand sign" -l timestamp -d 'Unix timestamp to sign with; default: now' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand sign" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand sign" -l fixtures -d 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand sign" -l json -d 'Print the headers as one JSON object'
complete -c hookctl -n "__fish_hookctl_using_subcommand sign" -s h -l help -d 'Print help'
complete -c hookctl -n "__fish_hookctl_using_subcommand verify" -l secret -d 'The signing secret (prefer --secret-env: a flag shows in the process list)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand verify" -l secret-env -d 'Read the secret from this environment variable' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand verify" -l scheme -d 'Signature scheme: standard (webhook-id/-timestamp/-signature, Standard Webhooks v1), svix (svix-* headers), github (X-Hub-Signature-256: sha256=<hex>), stripe (Stripe-Signature: t=<ts>,v1=<hex>)' -r -f -a "standard\t''
svix\t''
github\t''
stripe\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand verify" -s H -l header -d 'A received header (repeatable)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand verify" -l tolerance -d 'Accept timestamps this far from now (e.g. 5m); 0s disables the check' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand verify" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand verify" -l fixtures -d 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand verify" -l json -d 'Print the verdict as one JSON object'
complete -c hookctl -n "__fish_hookctl_using_subcommand verify" -s h -l help -d 'Print help'
complete -c hookctl -n "__fish_hookctl_using_subcommand completions" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand completions" -l fixtures -d 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c hookctl -n "__fish_hookctl_using_subcommand man" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand man" -l fixtures -d 'Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand man" -s h -l help -d 'Print help'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from fixtures schema send listen diff sign verify completions man help" -f -a "fixtures" -d 'List every fixture, or show one as the request it would send'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from fixtures schema send listen diff sign verify completions man help" -f -a "schema" -d 'Print an event\'s JSON Schema (draft 2020-12)'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from fixtures schema send listen diff sign verify completions man help" -f -a "send" -d 'Fire a provider-accurate webhook at a receiver, once or under load'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from fixtures schema send listen diff sign verify completions man help" -f -a "listen" -d 'Run a local capture server that shows, checks, keeps and answers every webhook'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from fixtures schema send listen diff sign verify completions man help" -f -a "diff" -d 'Compare a received payload with the provider\'s schema and the expected fixture'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from fixtures schema send listen diff sign verify completions man help" -f -a "sign" -d 'Print the signature headers for a payload (Standard Webhooks, Svix, GitHub, Stripe)'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from fixtures schema send listen diff sign verify completions man help" -f -a "verify" -d 'Verify a payload\'s signature headers; exits 0 valid, 1 invalid'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from fixtures schema send listen diff sign verify completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from fixtures schema send listen diff sign verify completions man help" -f -a "man" -d 'Show hookctl\'s manual page, or one command\'s (roff source when stdout is not a terminal)'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from fixtures schema send listen diff sign verify completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and __fish_seen_subcommand_from fixtures" -f -a "show" -d 'Show the request a fixture renders to: method, headers, body (fresh placeholders)'
