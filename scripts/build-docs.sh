#!/usr/bin/env bash
# Builds the DocC documentation of Tensor, TensorIO and Network (Sources/*/*.docc and the doc comments)
# as one static site, through swift-docc-plugin's combined documentation.
#
#   scripts/build-docs.sh                        # into docs-site/ (git ignores it)
#   scripts/build-docs.sh --warnings-as-errors   # as CI runs it: a broken symbol link fails
#
# DOCS_OUTPUT names another output folder; DOCS_BASE_PATH sets the hosting base path for a site served
# below the server's root (for example DOCS_BASE_PATH=swift-neural-numerics on GitHub Pages).
# The site is static, but DocC's pages load their content with fetch(), so open it through a server:
#   python3 -m http.server --bind 127.0.0.1 --directory docs-site 8000
#   then http://127.0.0.1:8000/documentation/ (the landing page of the three libraries)
set -euo pipefail
cd "$(dirname "$0")/.."

output=${DOCS_OUTPUT:-docs-site}
options=()
if [[ -n "${DOCS_BASE_PATH:-}" ]]; then options+=(--hosting-base-path "$DOCS_BASE_PATH"); fi
for argument in "$@"; do
    case "$argument" in
        --warnings-as-errors) options+=(--warnings-as-errors) ;;
        *) echo "usage: $0 [--warnings-as-errors]" >&2; exit 64 ;;
    esac
done

rm -rf "$output"
mkdir -p "$(dirname "$output")"
swift package --allow-writing-to-directory "$output" generate-documentation \
    --target Tensor --target TensorIO --target Network --enable-experimental-combined-documentation \
    --transform-for-static-hosting --output-path "$output" "${options[@]}"
echo "documentation in $output/ (serve it: python3 -m http.server --bind 127.0.0.1 --directory $output 8000," \
    "then open http://127.0.0.1:8000/documentation/)"
