#!/usr/bin/env bash
# Runs every test of the workspace in the release profile: `scripts/test.sh [cargo test args]`.
# CARGO_TARGET_DIR is passed through as set by the caller.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/setup.sh"

cd "$root"
exec cargo test --release --workspace "$@"
