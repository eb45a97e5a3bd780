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
start_redis() {
  REDIS_PORT=$(free_port)
  local dir="$CI_WORK/redis-$REDIS_PORT"
  mkdir -p "$dir"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir "$dir" >"$dir/server.log" 2>&1 &
  REDIS_PID=$!
  REDIS_PIDS="${REDIS_PIDS:-} $REDIS_PID"
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null || { echo "[ci] Redis did not start"; return 1; }
  echo "[ci] Redis $(redis-server --version | awk '{print $3}') on 127.0.0.1:$REDIS_PORT (pid $REDIS_PID)"
}

start_emulator() {
  EMULATOR_PORT=$(free_port)
  .venv/bin/python -m memberaudit.testing.esi_emulator --port "$EMULATOR_PORT" --characters "${EMULATOR_CHARACTERS:-6}" --seed 7 \
    >"$CI_WORK/emulator.log" 2>&1 &
  EMULATOR_PID=$!
  for _ in $(seq 1 100); do
    grep -q "listening" "$CI_WORK/emulator.log" 2>/dev/null && break
    sleep 0.1
  done
  grep -q "listening" "$CI_WORK/emulator.log" || { echo "[ci] ESI emulator did not start"; cat "$CI_WORK/emulator.log"; return 1; }
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
