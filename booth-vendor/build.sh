#!/usr/bin/env bash
# Rebuild web/static/vendor/evote-vendor.js from the pinned packages.
#
#   bash booth-vendor/build.sh          rebuild (npm ci from package-lock.json)
#   bash booth-vendor/build.sh --check  rebuild in a temporary copy and fail if the
#                                       committed file differs (reproducibility)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
static="$here/../web/static/vendor"
work="$here"
if [ "${1:-}" = --check ]; then
    work="$(mktemp -d)"
    cp "$here/package.json" "$here/package-lock.json" "$here/entry.js" "$work/"
fi
cd "$work"
npm ci --no-audit --no-fund --loglevel=error
out="$(mktemp --suffix=.js)"
trap 'rm -f "$out"; [ "$work" = "$here" ] || rm -rf "$work"' EXIT
npx --no-install esbuild entry.js --bundle --format=esm --target=es2022 \
    --legal-comments=eof --log-level=warning --outfile="$out"
if [ "${1:-}" = --check ]; then
    cmp -s "$out" "$static/evote-vendor.js" || {
        echo "evote-vendor.js differs from a fresh build of the pinned packages" >&2
        exit 1
    }
    echo "evote-vendor.js is what the pinned packages build"
else
    mkdir -p "$static"
    cp "$out" "$static/evote-vendor.js"
    {
        echo "Licences of the code bundled in evote-vendor.js (built by booth-vendor/build.sh)"
        for pkg in @noble/curves @noble/hashes @cloudflare/blindrsa-ts; do
            version=$(node -p "require('./node_modules/$pkg/package.json').version")
            echo
            echo "==== $pkg $version ===="
            cat "node_modules/$pkg/LICENSE"* 2>/dev/null
        done
    } > "$static/LICENSES.txt"
    sha256sum "$static/evote-vendor.js"
fi
