#!/usr/bin/env bash
# The OpenAPI contract checks (docs/api.md "OpenAPI document"); each fails the run on its own:
#   stale openapi.json · invalid or lint-dirty document · unapproved breaking change ·
#   stale or non-strict client types. The conformance suite (test/contract) runs in `npm test`
#   on SQLite and MariaDB.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== openapi.json is what the code generates"
npm run -s openapi:check
echo "== openapi.json is valid and lint-clean (swagger-parser, spectral:oas)"
npm run -s openapi:lint
echo "== no unapproved breaking change against the base commit"
npm run -s openapi:breaking
echo "== client types are current and compile with --strict"
npm run -s client:check
