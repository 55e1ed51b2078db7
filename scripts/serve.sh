#!/usr/bin/env bash
# Builds and runs the server in the foreground: `scripts/serve.sh [--config PATH]`.
# Without a config the server's built-in defaults apply: S3 on 127.0.0.1:9000, admin on
# 127.0.0.1:9001, data in ./data and the key in ./oss.key, relative to the current directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/setup.sh"

# The build includes the test targets, as `scripts/test.sh` does. Cargo then resolves the
# same dependency features for both scripts, so the second one reuses the first one's
# RocksDB build instead of compiling it again with other features.
cargo build --release --manifest-path "$root/Cargo.toml" --workspace --tests
target_dir="$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
exec "$target_dir/release/oss" serve "$@"
