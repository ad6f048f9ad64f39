#!/usr/bin/env bash
# Re-vendor the front-end libraries pinned in package.json from the npm registry: each package's
# "vendorFiles" are copied into static/vendor/<package>-<version>/, the folder templates name
# through {% vendor_static %} (dunhuang_search/vendored.py). Old versions' folders are removed.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
node -e '
  const pkg = require("./package.json");
  for (const [name, version] of Object.entries(pkg.dependencies)) {
    const files = (pkg.vendorFiles || {})[name];
    if (!files || !files.length) throw new Error(`package.json: no vendorFiles for ${name}`);
    console.log([name, version, ...files].join("\t"));
  }' > "$work/plan.tsv"
while IFS=$'\t' read -r name version files; do
  (cd "$work" && npm pack --silent "$name@$version" >/dev/null)
  mkdir -p "$work/$name"
  tar xzf "$work/$name-$version.tgz" -C "$work/$name"
  find static/vendor -maxdepth 1 -name "$name-*" -exec rm -rf {} +
  dest="static/vendor/$name-$version"
  mkdir -p "$dest"
  IFS=$'\t' read -r -a paths <<< "$files"
  for path in "${paths[@]}"; do cp -r "$work/$name/package/$path" "$dest/"; done
  echo "vendored $name $version"
done < "$work/plan.tsv"
