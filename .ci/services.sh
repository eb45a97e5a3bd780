# Helpers for .ci/run: install and start MariaDB and Redis on loopback, stop them by pid.
# Sourced, not executed. Every server binds to 127.0.0.1 and lives under $CI_WORK.

apt_install_if_missing() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "[ci] installing ${missing[*]} from Debian's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start_mariadb() {
  MARIADB_PORT=$(free_port)
  mkdir -p "$CI_WORK/mariadb"
  mariadb-install-db --no-defaults --datadir="$CI_WORK/mariadb/data" --user=root \
    --auth-root-authentication-method=normal >"$CI_WORK/mariadb/install.log" 2>&1
  # skip-grant-tables: a throwaway server on loopback that only this run talks to.
  mariadbd --no-defaults --datadir="$CI_WORK/mariadb/data" --user=root \
    --bind-address=127.0.0.1 --port="$MARIADB_PORT" --socket="$CI_WORK/mariadb/mysqld.sock" \
    --skip-grant-tables --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 \
    >"$CI_WORK/mariadb/server.log" 2>&1 &
  MARIADB_PID=$!
  for _ in $(seq 1 100); do
    mariadb-admin --no-defaults -h 127.0.0.1 -P "$MARIADB_PORT" -u root ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  mariadb-admin --no-defaults -h 127.0.0.1 -P "$MARIADB_PORT" -u root ping >/dev/null || {
    echo "[ci] MariaDB did not start"; cat "$CI_WORK/mariadb/server.log"; return 1; }
  echo "[ci] MariaDB $(mariadbd --version | awk '{print $3}') on 127.0.0.1:$MARIADB_PORT (pid $MARIADB_PID)"
}

# Sets REDIS_PORT (and REDIS_PID) to the newest server; call it again for a second server.
# Redis cannot report a port the kernel chose, so a free one is picked first; should another
# process take it in between (the two CI chains run side by side), another one is tried.
start_redis() {
  local attempt dir
  for attempt in 1 2 3 4 5; do
    REDIS_PORT=$(free_port)
    dir="$CI_WORK/redis-$REDIS_PORT"
    mkdir -p "$dir"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
      --dir "$dir" >"$dir/server.log" 2>&1 &
    REDIS_PID=$!
    for _ in $(seq 1 50); do
      kill -0 "$REDIS_PID" 2>/dev/null || break  # it could not bind: try another port
      redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
      sleep 0.1
    done
    if kill -0 "$REDIS_PID" 2>/dev/null && redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
      REDIS_PIDS="${REDIS_PIDS:-} $REDIS_PID"
      echo "[ci] Redis $(redis-server --version | awk '{print $3}') on 127.0.0.1:$REDIS_PORT (pid $REDIS_PID)"
      return 0
    fi
    kill "$REDIS_PID" 2>/dev/null || true
    echo "[ci] Redis did not start on port $REDIS_PORT (attempt $attempt):"; tail -n 5 "$dir/server.log"
  done
  return 1
}

# The emulator binds a port the kernel picks (--port 0) and names it in its first line.
start_emulator() {
  .venv/bin/python -m memberaudit.testing.esi_emulator --port 0 --characters "${EMULATOR_CHARACTERS:-6}" --seed 7 \
    >"$CI_WORK/emulator.log" 2>&1 &
  EMULATOR_PID=$!
  for _ in $(seq 1 100); do
    grep -q "listening" "$CI_WORK/emulator.log" 2>/dev/null && break
    sleep 0.1
  done
  grep -q "listening" "$CI_WORK/emulator.log" || { echo "[ci] ESI emulator did not start"; cat "$CI_WORK/emulator.log"; return 1; }
  EMULATOR_PORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$CI_WORK/emulator.log" | head -n 1)
  [ -n "$EMULATOR_PORT" ] || { echo "[ci] no port in the emulator's log"; cat "$CI_WORK/emulator.log"; return 1; }
  echo "[ci] ESI emulator on 127.0.0.1:$EMULATOR_PORT (pid $EMULATOR_PID)"
}

stop_services() {
  for pid in ${EMULATOR_PID:-} ${MARIADB_PID:-} ${REDIS_PIDS:-}; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in ${EMULATOR_PID:-} ${MARIADB_PID:-} ${REDIS_PIDS:-}; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
