#!/usr/bin/env bash
# Re-vendor the pinned front-end libraries of package.json from the npm registry into static/vendor/.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
osd=$(node -p "require('./package.json').dependencies.openseadragon")
htmx=$(node -p "require('./package.json').dependencies['htmx.org']")
(cd "$work" && npm pack --silent "openseadragon@$osd" "htmx.org@$htmx" >/dev/null)
mkdir -p "$work/osd" "$work/htmx"
tar xzf "$work/openseadragon-$osd.tgz" -C "$work/osd"
tar xzf "$work/htmx.org-$htmx.tgz" -C "$work/htmx"
rm -rf "static/vendor/openseadragon-$osd" "static/vendor/htmx-$htmx"
mkdir -p "static/vendor/openseadragon-$osd" "static/vendor/htmx-$htmx"
cp -r "$work/osd/package/build/openseadragon/openseadragon.min.js" \
      "$work/osd/package/build/openseadragon/images" "$work/osd/package/LICENSE.txt" \
      "static/vendor/openseadragon-$osd/"
cp "$work/htmx/package/dist/htmx.min.js" "$work/htmx/package/LICENSE" "static/vendor/htmx-$htmx/"
echo "vendored openseadragon $osd and htmx.org $htmx"
