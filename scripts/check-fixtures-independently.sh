#!/usr/bin/env bash
# Renders every fixture and validates its body with check-jsonschema against `hookctl schema NAME`.
# usage: scripts/check-fixtures-independently.sh [path/to/hookctl]
set -euo pipefail
bin=${1:-target/debug/hookctl}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
count=0
for name in $("$bin" fixtures --json | python3 -c 'import json,sys; print("\n".join(f["name"] for f in json.load(sys.stdin)))'); do
  "$bin" schema "$name" > "$work/schema.json"
  "$bin" fixtures show "$name" --json | python3 -c 'import json,sys; json.dump(json.load(sys.stdin)["body"], sys.stdout)' > "$work/body.json"
  if check-jsonschema --quiet --schemafile "$work/schema.json" "$work/body.json"; then
    count=$((count + 1))
  else
    echo "FAIL: $name does not validate with check-jsonschema" >&2
    failed=1
  fi
done
echo "check-jsonschema: $count fixtures validated against their printed schemas"
exit $failed
