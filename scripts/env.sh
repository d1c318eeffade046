# Shared by the scripts: the same flags for build, test and clippy, so nothing rebuilds
# between them. Sourced, not run.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/wevion/target}
export RUSTFLAGS="--cfg erase_components"
export LEPTOS_OUTPUT_NAME=wevion LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg
export LEPTOS_HASH_FILES=false
if [ -d end2end/node_modules/.bin ]; then
  # Its wasm-opt (binaryen from npm) is known good; Debian's breaks release wasm.
  export PATH="$PWD/end2end/node_modules/.bin:$PATH"
fi
