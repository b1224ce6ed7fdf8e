#!/usr/bin/env bash
# axe-core (accessibility rules, MPL-2.0) for the browser tests. The pinned release is vendored in
# tests/e2e/vendor/ (checked against its sha256 here); without it, it is fetched from the npm registry and its
# tarball checked against the published sha512. Prints the path of axe.min.js.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.14.1
INTEGRITY="sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
DEST="var/vendor/axe-core-$VERSION"
VENDORED="tests/e2e/vendor/axe-core-$VERSION/axe.min.js"
VENDORED_SHA256=29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c
if [ -f "$VENDORED" ] && [ "$(sha256sum "$VENDORED" | cut -d' ' -f1)" = "$VENDORED_SHA256" ]; then
  echo "$PWD/$VENDORED"
  exit 0
fi
if [ ! -f "$DEST/axe.min.js" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null 2>&1 ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "axe-core@$VERSION" >/dev/null)
  got="sha512-$(openssl dgst -sha512 -binary "$tmp/axe-core-$VERSION.tgz" | base64 -w0)"
  if [ "$got" != "$INTEGRITY" ]; then
    echo "axe-core $VERSION: checksum mismatch ($got)" >&2
    exit 1
  fi
  mkdir -p "$DEST"
  tar -xzf "$tmp/axe-core-$VERSION.tgz" -C "$tmp"
  cp "$tmp/package/axe.min.js" "$tmp/package/LICENSE" "$DEST/"
fi
echo "$PWD/$DEST/axe.min.js"
