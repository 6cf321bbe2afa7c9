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

# <root dir> <tag>: the official images' apt sources, node/npm/headers under /usr/local, the node
# user, then `podman import` as docker.io/library/node:<tag>.
finish_image() {
  local root=$1 tag=$2
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
  rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/cache/apt/"*.bin "$root/var/lib/apt/lists/"* "$root/tmp/"*
  tar -C "$root" -c . | podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$(node -p process.versions.node)" \
    --change 'CMD ["node"]' \
    --message "local stand-in for node:$tag (debootstrap bookworm + the host's node $(node --version))" \
    --quiet - "docker.io/library/node:$tag" >/dev/null
  echo "== stand-in docker.io/library/node:$tag: $(podman image inspect --format '{{.Size}}' "docker.io/library/node:$tag" | awk '{printf "%.0f MB", $1/1e6}')"
}

slim=$NODE_MAJOR-bookworm-slim
full=$NODE_MAJOR-bookworm
have_slim=$(podman image exists "docker.io/library/node:$slim" && echo yes || echo no)
have_full=$(podman image exists "docker.io/library/node:$full" && echo yes || echo no)
if [ "$have_slim" = yes ] && [ "$have_full" = yes ]; then
  echo "== base images node:$slim and node:$full present"
  exit 0
fi
started=$SECONDS
work=$(mktemp -d /tmp/standin.XXXXXX)
trap 'rm -rf "$work"' EXIT
# One debootstrap for both: the build tag is the same root plus python3, make and g++.
echo "== building stand-ins for node:$slim / node:$full (debootstrap --variant=minbase bookworm)"
debootstrap --variant=minbase bookworm "$work/slim" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2; echo "base-images: debootstrap failed" >&2; exit 1; }
if [ "$have_full" = no ]; then
  cp -a "$work/slim" "$work/full"
  chroot "$work/full" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 make g++ >/dev/null' \
    >"$work/apt.log" 2>&1 || { tail -n 30 "$work/apt.log" >&2; echo "base-images: installing python3 make g++ failed" >&2; exit 1; }
  finish_image "$work/full" "$full"
fi
if [ "$have_slim" = no ]; then finish_image "$work/slim" "$slim"; fi
rm -rf "$work"
echo "== stand-ins built in $((SECONDS - started)) s"
