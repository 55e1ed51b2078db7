# Installs the tools that building and testing oss needs, and only those that are missing.
# Meant to be sourced by the other scripts (`. scripts/setup.sh`); running it directly works too.
#
# Debian packages: libclang-dev and clang for the RocksDB bindings, awscli (v2, /usr/bin/aws),
# rclone, s3fs, s3cmd and fuse3 for the client tests, and chromium with chromium-driver for the
# web console's browser test. Also nodejs and npm, but only when `node` or `npm` is not on
# PATH, so a Node.js installed another way is kept. PyPI: boto3 >= 1.36 for the python3 on
# PATH. npm: `npm ci` in tests/js when its node_modules is missing or was installed from
# another package-lock.json. `apt-get update` runs only when a Debian package has to be
# installed.

oss_setup() {
    local debian_packages="libclang-dev clang awscli rclone s3fs s3cmd fuse3 chromium chromium-driver"
    local missing="" package
    for package in $debian_packages; do
        # No pipe into `grep -q` here: grep exits at the first match, dpkg then dies of
        # SIGPIPE, and under the callers' `set -o pipefail` an installed package looks missing.
        local status
        status="$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)"
        if [ "$status" != "install ok installed" ]; then
            missing="$missing $package"
        fi
    done
    # NOTE: Debian 12 ships Node.js 18, while the locked JavaScript SDK declares Node.js 20 or
    # newer; npm ci then warns (EBADENGINE). Machines that ship Node.js 20 keep theirs.
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        missing="$missing nodejs npm"
    fi

    # Root needs no sudo. Anyone else uses sudo when it exists, and otherwise the command
    # fails with the package manager's own message.
    local sudo=""
    if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
        sudo="sudo"
    fi

    if [ -n "$missing" ]; then
        echo "setup: installing Debian packages:$missing" >&2
        $sudo apt-get update -q || return 1
        # shellcheck disable=SC2086 # the list is meant to split into words
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q $missing || return 1
    fi

    if ! python3 - <<'EOF' 2>/dev/null; then
import boto3
major, minor = (int(part) for part in boto3.__version__.split(".")[:2])
raise SystemExit(0 if (major, minor) >= (1, 36) else 1)
EOF
        echo "setup: installing boto3>=1.36 for $(command -v python3)" >&2
        python3 -m pip install -q 'boto3>=1.36' || return 1
    fi

    oss_setup_js || return 1
}

# Runs `npm ci` in tests/js unless node_modules was installed from the current lock file,
# which a stamp file inside node_modules records by the lock file's SHA-256.
oss_setup_js() {
    local js_dir
    js_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/js" && pwd)" || return 1
    local stamp="$js_dir/node_modules/.oss-package-lock.sha256"
    local lock_hash
    lock_hash="$(sha256sum "$js_dir/package-lock.json" | cut -d' ' -f1)" || return 1
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then
        return 0
    fi
    echo "setup: installing the JavaScript SDK in $js_dir (npm ci)" >&2
    (cd "$js_dir" && npm ci --no-audit --no-fund --loglevel=error) || return 1
    echo "$lock_hash" >"$stamp"
}

oss_setup || {
    echo "setup: installing the build and test tools failed" >&2
    # `return` ends a sourcing script and `exit` a script run on its own.
    return 1 2>/dev/null || exit 1
}
