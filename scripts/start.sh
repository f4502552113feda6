#!/usr/bin/env bash
# The main job from a fresh machine: toolchain, services, dependencies, then `pnpm start`
# (PWA build, migrations, demo seed on an empty database, server and worker).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v pnpm >/dev/null || npm install -g pnpm@10.34.9
# Without PostgreSQL, `pnpm start` falls back to the embedded database (scripts/start.mjs).
bash scripts/services.sh || echo "continuing: pnpm start uses the embedded database when PostgreSQL is missing"
pnpm install --frozen-lockfile
exec pnpm start
