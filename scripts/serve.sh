#!/usr/bin/env bash
# Builds and runs the server in the foreground: `scripts/serve.sh [--config PATH]`.
# Without a config the server's built-in defaults apply: S3 on 127.0.0.1:9000, admin on
# 127.0.0.1:9001, data in ./data and the key in ./oss.key, relative to the current directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/setup.sh"

exec cargo run --release --manifest-path "$root/Cargo.toml" -p oss --bin oss -- serve "$@"
