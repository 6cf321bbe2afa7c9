#!/usr/bin/env bash
# Local stand-ins for the official node:20-bookworm and node:20-bookworm-slim images, for machines
# that reach no image registry (CI). Made only when podman does not hold the tag yet:
#   debootstrap --variant=minbase bookworm (Debian's mirror is reachable) + this machine's node and
#   npm under /usr/local, like the official images, + a `node` user/group (uid/gid 1000, home
#   /home/node); the non-slim tag (a build stage) also gets python3, make and g++ for native addons.
# The Dockerfile is then built unchanged with `podman build --pull=never`. Users' Docker pulls the
# published images instead; these stand-ins only carry what the Dockerfile relies on.
# Needs root, podman and debootstrap. Env: CONTAINERS_CONF as in .ci/container-test.sh.
set -euo pipefail

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
NODE_BIN=$(command -v node)
NPM_DIR=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")   # …/lib/node_modules/npm
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
# The headers node-gyp compiles native addons against (the official images ship them too).
NODE_INCLUDE=""
for d in "$(dirname "$(dirname "$NODE_BIN")")/include/node" /usr/include/node /usr/local/include/node; do
  if [ -f "$d/node_version.h" ]; then NODE_INCLUDE=$d; break; fi
done
[ -n "$NODE_INCLUDE" ] || { echo "base-images: no node headers (include/node/node_version.h) found" >&2; exit 1; }

make_image() { # <tag> <extra packages, comma-separated or empty>
  local tag=$1 include=$2 name="docker.io/library/node:$1"
  if podman image exists "$name"; then
    echo "== base image $name present"
    return
  fi
  local started=$SECONDS root
  root=$(mktemp -d /tmp/standin-root.XXXXXX)
  echo "== building stand-in $name (debootstrap minbase bookworm${include:+ + $include})"
  debootstrap --variant=minbase ${include:+--include="$include"} bookworm "$root" "$MIRROR" >"$root.log" 2>&1 || {
    tail -n 30 "$root.log" >&2; echo "base-images: debootstrap failed for $tag" >&2; exit 1; }
  # The official images' apt sources (updates and security too).
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  install -D -m 0755 "$NODE_BIN" "$root/usr/local/bin/node"
  mkdir -p "$root/usr/local/lib/node_modules" "$root/usr/local/include"
  cp -a "$NPM_DIR" "$root/usr/local/lib/node_modules/npm"
  cp -a "$NODE_INCLUDE" "$root/usr/local/include/node"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  chroot "$root" groupadd --gid 1000 node
  chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"* "$root/tmp/"*
  tar -C "$root" -c . | podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$(node -p process.versions.node)" \
    --change 'CMD ["node"]' \
    --message "local stand-in for node:$tag (debootstrap bookworm + the host's node $(node --version))" \
    --quiet - "$name" >/dev/null
  rm -rf "$root" "$root.log"
  echo "== stand-in $name built in $((SECONDS - started)) s, $(podman image inspect --format '{{.Size}}' "$name" | awk '{printf "%.0f MB", $1/1e6}')"
}

make_image "$NODE_MAJOR-bookworm-slim" ""
make_image "$NODE_MAJOR-bookworm" "python3,make,g++"
