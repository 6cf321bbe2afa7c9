#!/usr/bin/env bash
# Container test (part of .ci/run): builds the Dockerfile with Debian's podman and runs the image
#   1. without JWT_SECRET: NODE_ENV=production makes it refuse to start;
#   2. on its embedded SQLite with a volume: healthy, read + ingestion routes with a minted token,
#      SIGTERM → exit 0 within seconds, then a second container on the same volume still has the data;
#   3. against the host's MariaDB (database $CONTAINER_TEST_DB, recreated): the same routes, SIGTERM.
# Prints the image size. Needs root. Any failure exits non-zero with a line starting "!!".
# No registry is reachable here: .ci/base-images.sh makes local stand-ins for the node:20-bookworm
# base images first (see docs/operations.md). Env: CONTAINER_TEST_DB (default statistics_container),
# CONTAINER_IMAGE (default localhost/statistics:ci), NODE_EXTRA_CA_CERTS (handed to npm in the build
# as a secret, never stored in a layer).
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${CONTAINER_IMAGE:-localhost/statistics:ci}
DB=${CONTAINER_TEST_DB:-statistics_container}
NAME=statistics-ci            # container/volume name prefix
STOP_WITHIN_S=10              # SIGTERM must end the container within this many seconds
started_at=$SECONDS

say() { echo "== container: $*"; }
fail() { echo "!! container test FAILED: $*" >&2; exit 1; }

# --- tools and podman settings (guide: runc, no rlimits, cgroupfs) ---------------------------------
missing=()
for tool in podman runc debootstrap iptables; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap iptables >/dev/null
fi
conf=$(mktemp --suffix=.conf)
cat >"$conf" <<'EOF'
[containers]
default_ulimits = []
[engine]
cgroup_manager = "cgroupfs"
EOF
export CONTAINERS_CONF=$conf
pod() { podman --runtime runc "$@"; }
say "podman $(podman --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1{print $3}')"

containers=("$NAME-noenv" "$NAME-sqlite" "$NAME-sqlite-again" "$NAME-mysql")
remove_containers() {
  for c in "${containers[@]}"; do pod rm -f -t 0 "$c" >/dev/null 2>&1 || true; done
  pod volume rm -f "$NAME-data" >/dev/null 2>&1 || true
}
trap 'remove_containers; rm -f "$conf"' EXIT
remove_containers   # leftovers of an interrupted run

# --- build ---------------------------------------------------------------------------------------
.ci/base-images.sh
build_args=(--pull=never --format docker -t "$IMAGE")   # docker format: OCI images drop HEALTHCHECK
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  build_args+=(--secret "id=npm_ca,src=$NODE_EXTRA_CA_CERTS")
fi
say "building $IMAGE"
build_log=$(mktemp)
t0=$SECONDS
if ! pod build "${build_args[@]}" . >"$build_log" 2>&1; then
  tail -n 60 "$build_log" >&2; rm -f "$build_log"; fail "podman build"
fi
rm -f "$build_log"
say "built in $((SECONDS - t0)) s"

# The image as users get it: production, non-root, the health check and the volume declared.
inspect=$(pod image inspect "$IMAGE")
node -e '
  const image = JSON.parse(process.argv[1])[0];
  const c = image.Config || {};
  const want = { user: "node", env: "NODE_ENV=production", sqlite: "SQLITE_PATH=/data/statistics.sqlite", volume: "/data", port: "3000/tcp" };
  const got = { user: c.User, env: (c.Env || []).find((e) => e.startsWith("NODE_ENV=")), sqlite: (c.Env || []).find((e) => e.startsWith("SQLITE_PATH=")),
    volume: Object.keys(c.Volumes || {})[0], port: Object.keys(c.ExposedPorts || {})[0] };
  const bad = Object.keys(want).filter((k) => got[k] !== want[k]);
  const hc = ((image.Healthcheck || c.Healthcheck || {}).Test || []).join(" ");
  if (!hc.includes("/v2/statistics/health/ready")) bad.push("healthcheck (" + (hc || "none") + ")");
  if (bad.length) { console.error("!! image config: " + bad.map((k) => (k in got ? k + " = " + JSON.stringify(got[k]) : k)).join(", ")); process.exit(1); }
  console.log("   ok  image config: user node, NODE_ENV=production, SQLITE_PATH on volume /data, EXPOSE 3000, HEALTHCHECK on health/ready");
' "$inspect" || fail "image configuration"

# --- helpers -------------------------------------------------------------------------------------
free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }

# podman without systemd cannot schedule the HEALTHCHECK timer (it logs an error and runs anyway);
# the test runs the image's health check itself until it reports healthy.
run_detached() { # <name> <podman run args…>
  local name=$1; shift
  local err
  err=$(mktemp)
  if ! pod run -d --name "$name" "$@" "$IMAGE" >/dev/null 2>"$err"; then cat "$err" >&2; rm -f "$err"; fail "podman run $name"; fi
  grep -v 'systemd' "$err" >&2 || true
  rm -f "$err"
}

wait_healthy() { # <name>
  local name=$1 i status
  for i in $(seq 1 90); do
    status=$(pod inspect --format '{{.State.Status}}' "$name")
    if [ "$status" != running ]; then pod logs "$name" 2>&1 | tail -n 20 >&2; fail "$name is $status before it became healthy"; fi
    if pod healthcheck run "$name" >/dev/null 2>&1; then break; fi
    sleep 1
  done
  status=$(pod inspect --format '{{.State.Health.Status}}' "$name")
  if [ "$status" != healthy ]; then pod logs "$name" 2>&1 | tail -n 20 >&2; fail "$name not healthy after $i s (health: $status)"; fi
  echo "   ok  $name healthy after ${i} health check(s) (podman health status: $status)"
}

expect_non_root() { # <name> — tini and node run as the user node, not root
  local name=$1 procs
  procs=$(pod top "$name" user comm | tail -n +2 | awk '{print $1 ":" $2}' | sort | tr '\n' ' ')
  [ "$procs" = "node:node node:tini " ] || fail "$name processes (user:command): $procs — want node:node node:tini"
  echo "   ok  $name processes (user:command): $procs"
}

stop_with_sigterm() { # <name> — SIGTERM; exit code 0 within STOP_WITHIN_S; no error lines in the log
  local name=$1 i status code t0 ms
  t0=$(date +%s%N)
  pod kill --signal TERM "$name" >/dev/null 2> >(grep -v systemd >&2)
  for i in $(seq 1 $((STOP_WITHIN_S * 10))); do
    status=$(pod inspect --format '{{.State.Status}}' "$name")
    [ "$status" = exited ] && break
    sleep 0.1
  done
  ms=$((($(date +%s%N) - t0) / 1000000))
  [ "$status" = exited ] || { pod rm -f -t 0 "$name" >/dev/null 2>&1; fail "$name still $status ${STOP_WITHIN_S} s after SIGTERM"; }
  code=$(pod inspect --format '{{.State.ExitCode}}' "$name")
  [ "$code" = 0 ] || { pod logs "$name" 2>&1 | tail -n 20 >&2; fail "$name exited with code $code after SIGTERM (want 0)"; }
  if pod logs "$name" 2>&1 | grep -E '"level":(50|60)' >&2; then fail "$name logged errors (above)"; fi
  echo "   ok  SIGTERM → $name exited with code 0 after $ms ms, no error lines in its log"
}

export JWT_SECRET
JWT_SECRET=$(node -e 'console.log(require("crypto").randomBytes(32).toString("base64url"))')
run_id=$(date +%s)

# --- 1. production refuses to start without a key ------------------------------------------------
say "1/3 no JWT_SECRET: the image (NODE_ENV=production) must refuse to start"
set +e
out=$(pod run --name "$NAME-noenv" "$IMAGE" 2>&1 | grep -v systemd)
set -e
code=$(pod inspect --format '{{.State.ExitCode}}' "$NAME-noenv")
[ "$code" = 1 ] && grep -q -E 'JWT_SECRET or JWT_PUBLIC_KEY( or JWT_JWKS_URL)? must be set in production' <<<"$out" || { echo "$out" >&2; fail "without JWT_SECRET: exit $code"; }
echo "   ok  exit code 1: $out"
pod rm -f "$NAME-noenv" >/dev/null 2>&1

# --- 2. embedded SQLite on a volume ---------------------------------------------------------------
say "2/3 embedded SQLite on volume $NAME-data at /data"
pod volume create "$NAME-data" >/dev/null
port=$(free_port)
run_detached "$NAME-sqlite" -e JWT_SECRET -v "$NAME-data:/data" -p "127.0.0.1:$port:3000"
wait_healthy "$NAME-sqlite"
expect_non_root "$NAME-sqlite"
node .ci/container-smoke.js "http://127.0.0.1:$port" sqlite ingest "ci-sqlite-$run_id" || fail "HTTP checks on SQLite"
pod exec "$NAME-sqlite" test -s /data/statistics.sqlite || fail "no database file at /data/statistics.sqlite"
echo "   ok  /data/statistics.sqlite is on the volume"
stop_with_sigterm "$NAME-sqlite"
say "2/3 a new container on the same volume keeps the data"
port=$(free_port)
run_detached "$NAME-sqlite-again" -e JWT_SECRET -v "$NAME-data:/data" -p "127.0.0.1:$port:3000"
wait_healthy "$NAME-sqlite-again"
node .ci/container-smoke.js "http://127.0.0.1:$port" sqlite verify "ci-sqlite-$run_id" || fail "HTTP checks after the restart"
stop_with_sigterm "$NAME-sqlite-again"

# --- 3. the host's MariaDB ------------------------------------------------------------------------
# The host's MariaDB listens on 127.0.0.1 only: the container shares the host's network (it binds
# PORT on the host like `npm run start:prod` would) and connects to 127.0.0.1:3306.
say "3/3 host MariaDB, database $DB (recreated), --network host"
mariadb -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS \`$DB\`; CREATE DATABASE \`$DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" || fail "cannot (re)create database $DB on 127.0.0.1:3306"
port=$(free_port)
run_detached "$NAME-mysql" --network host -e JWT_SECRET -e PORT="$port" -e DATABASE_URL="mysql://root@127.0.0.1:3306/$DB"
wait_healthy "$NAME-mysql"
node .ci/container-smoke.js "http://127.0.0.1:$port" mysql ingest "ci-mysql-$run_id" || fail "HTTP checks on MariaDB"
rows=$(mariadb -uroot -h127.0.0.1 -N -e "SELECT COUNT(*) FROM \`$DB\`.user_action WHERE tenant = 1")
[ "$rows" = 3 ] || fail "user_action in $DB holds $rows rows of tenant 1, want 3"
echo "   ok  $DB.user_action holds the 3 events"
stop_with_sigterm "$NAME-mysql"
mariadb -uroot -h127.0.0.1 -e "DROP DATABASE \`$DB\`"

size=$(pod image inspect --format '{{.Size}}' "$IMAGE")
say "image $IMAGE: $((size / 1000000)) MB ($size bytes; on the local stand-in node:20-bookworm-slim of $(($(pod image inspect --format '{{.Size}}' docker.io/library/node:20-bookworm-slim) / 1000000)) MB)"
say "passed in $((SECONDS - started_at)) s"
