#!/usr/bin/env bash
# Fill Solara's CDN-proxy cache from the npm registry, so `minerals ui` works with no
# access to cdn.jsdelivr.net (the page then loads every script, style and font from the
# local server). solara-assets on PyPI stops at 1.58.2 and pins older front-end packages
# than solara 1.64 asks for, so it does not help.
# Usage: ui/fetch-solara-assets.sh [.venv/bin/python]    (needs npm on PATH)
set -euo pipefail
PY=${1:-.venv/bin/python}
CACHE=$("$PY" -c "import solara.server.settings as s; print(s.assets.proxy_cache_dir)")
# The folder name in the cache must be exactly what Solara puts in the URL; the npm spec
# is the same string. The list comes from solara/server/templates/solara.html.j2 and
# solara/widgets/vue/*.vue (solara 1.64): vuetify (2 and 3) apps, requirejs, font-awesome,
# the grid layout, the vega stack, mermaid and KaTeX (solara.Markdown); axe-core for the tests.
PKGS=(
  "@widgetti/solara-vuetify3-app@5.2.0"
  "@widgetti/solara-vuetify-app@10.1.1"
  "requirejs@2.3.6"
  "font-awesome@4.5.0"
  "@widgetti/vue-grid-layout@2.3.13-alpha.2"
  "vega@5"
  "vega-lite@5"
  "vega-embed@6"
  "mermaid@10.8.0"  # solara.Markdown loads it for diagrams
  "katex@0.16.9"  # solara.Markdown loads it for formulas (the log filled with CDN misses)
  "axe-core@4.14.1"  # not for the page: the browser test's accessibility scan
)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for spec in "${PKGS[@]}"; do
  if [ -d "$CACHE/$spec" ]; then
    echo "have $spec"
    continue
  fi
  tgz=$(cd "$TMP" && npm pack --silent "$spec" | tail -1)
  mkdir -p "$CACHE/$spec.partial"
  tar xzf "$TMP/$tgz" -C "$CACHE/$spec.partial" --strip-components=1
  mv "$CACHE/$spec.partial" "$CACHE/$spec"
  echo "put $spec -> $CACHE/$spec"
done
