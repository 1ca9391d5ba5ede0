// Checks GraphQL requests against GitHub's published schema (@octokit/graphql-schema): each
// document must validate, and its variables must coerce to the types the document declares.
// Usage: node graphql-check.mjs REQUESTS.json, a JSON array of {query, variables}. Prints one
// line per fault and exits 1 when there is any.
import { readFileSync } from "node:fs";
import { validate, schema } from "@octokit/graphql-schema";
import { buildClientSchema, parse } from "graphql";
import { getVariableValues } from "graphql/execution/values.js";

const requests = JSON.parse(readFileSync(process.argv[2], "utf8"));
const types = buildClientSchema(schema.json.data ?? schema.json);
let faults = 0;
for (const { query, variables } of requests) {
  for (const e of validate(query)) {
    console.log(`document: ${e.message}`);
    faults++;
  }
  for (const op of parse(query).definitions) {
    const got = getVariableValues(types, op.variableDefinitions ?? [], variables ?? {});
    for (const e of got.errors ?? []) {
      console.log(`variables: ${e.message}`);
      faults++;
    }
  }
}
console.log(`${requests.length} requests, ${faults} faults`);
process.exit(faults ? 1 : 0);
