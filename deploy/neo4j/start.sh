#!/usr/bin/env bash
# Start the local Neo4j 5.26 Community dev server (Bolt on 127.0.0.1) in the background and
# return once it has answered a real, authenticated Bolt query. Idempotent: returns 0 at once if
# it (or any other Bolt server) already answers on the port. Works from any cwd.
#
# Env: KGMATCH_NEO4J_BOLT_PORT (7687), KGMATCH_NEO4J_PASSWORD (kgmatch-dev-pass),
#      KGMATCH_NEO4J_HOME (var/neo4j, relative to the repo root), KGMATCH_NEO4J_HEAP_INITIAL (512m),
#      KGMATCH_NEO4J_HEAP_MAX (2g), KGMATCH_NEO4J_PAGECACHE (512m), KGMATCH_NEO4J_START_TIMEOUT (180),
#      KGMATCH_NEO4J_JAVA_OPTS (extra JVM flags), KGMATCH_NEO4J_JAVA_HOME (Java 17/21 to use).
set -euo pipefail
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

if (( ${#NEO4J_PASSWORD} < 8 )); then
    log "KGMATCH_NEO4J_PASSWORD must be at least 8 characters (Neo4j 5 password policy)"
    exit 2
fi
resolve_neo4j_dir

# Serialise concurrent start.sh runs for this data directory (fd 9 is closed for the JVM).
exec 9>"$NEO4J_DIR/start.lock"
if ! flock -w "$((START_TIMEOUT + 60))" 9; then
    log "could not get $NEO4J_DIR/start.lock"
    exit 1
fi

print_log_tail() {
    log "---- last lines of $LOG_FILE ----"
    tail -n 60 "$LOG_FILE" >&2 2>/dev/null || true
    log "---- (full Neo4j debug log: $NEO4J_DIR/logs/debug.log) ----"
}

# Wait until the JVM (PID $1) reports a verified Bolt round-trip and the port speaks Bolt.
wait_ready() {
    local pid=$1 t0=$SECONDS
    local deadline=$((SECONDS + START_TIMEOUT))
    while :; do
        if ! alive "$pid"; then
            log "server process $pid exited during startup"
            print_log_tail
            rm -f "$PID_FILE" "$READY_FILE"
            return 1
        fi
        if [[ -f $READY_FILE ]] && grep -qx "pid=$pid" "$READY_FILE" && bolt_handshake; then
            log "ready: bolt://127.0.0.1:$BOLT_PORT (pid $pid, waited $((SECONDS - t0)) s, data $NEO4J_DIR)"
            return 0
        fi
        if (( SECONDS >= deadline )); then
            log "server not ready after ${START_TIMEOUT}s; stopping it"
            print_log_tail
            "$NEO4J_DEPLOY_DIR/stop.sh" >&2 || true
            return 1
        fi
        sleep 0.5
    done
}

# 1. Already running?
if pid=$(find_server_pid); then
    echo "$pid" >"$PID_FILE"
    if [[ -f $READY_FILE ]] && bolt_handshake; then
        log "already running: bolt://127.0.0.1:$BOLT_PORT (pid $pid)"
        exit 0
    fi
    log "server (pid $pid) is starting; waiting for it"
    wait_ready "$pid"
    exit $?
fi
rm -f "$PID_FILE" "$READY_FILE"
if bolt_handshake; then
    log "a Bolt server not started by this script already answers on 127.0.0.1:$BOLT_PORT; using it"
    exit 0
fi
if port_open; then
    log "127.0.0.1:$BOLT_PORT is in use by something that does not speak Bolt; set KGMATCH_NEO4J_BOLT_PORT"
    exit 1
fi

# 2. Build if needed (first run downloads into ~/.m2; afterwards offline works).
find_java
needs_build() {
    [[ -f $SERVER_JAR && -d $NEO4J_DEPLOY_DIR/target/lib ]] || return 0
    [[ -n $(find "$NEO4J_DEPLOY_DIR/pom.xml" "$NEO4J_DEPLOY_DIR/src" -newer "$SERVER_JAR" -print -quit) ]]
}
if needs_build; then
    command -v mvn >/dev/null 2>&1 || { log "Maven (mvn) is needed to build $SERVER_JAR"; exit 1; }
    log "building the server (mvn package) ..."
    t_build=$SECONDS
    if ! (cd "$NEO4J_DEPLOY_DIR" && mvn -q -B -Dstyle.color=never -o package >/dev/null 2>&1); then
        (cd "$NEO4J_DEPLOY_DIR" && mvn -q -B -Dstyle.color=never package) >&2
    fi
    touch "$SERVER_JAR"
    log "build done in $((SECONDS - t_build)) s"
fi

# 3. Launch in the background, detached from this shell.
[[ -f $LOG_FILE ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"
jvm_opts=(
    "-Dkgmatch.neo4j.home=$NEO4J_DIR"
    "-Xms${KGMATCH_NEO4J_HEAP_INITIAL:-512m}" "-Xmx${KGMATCH_NEO4J_HEAP_MAX:-2g}"
    -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow -XX:+ExitOnOutOfMemoryError
    -Djdk.nio.maxCachedBufferSize=1024 -Dio.netty.tryReflectionSetAccessible=true
    -Dlog4j2.disable.jmx=true -Dfile.encoding=UTF-8
    --add-opens=java.base/java.nio=ALL-UNNAMED
    --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
)
# shellcheck disable=SC2206
[[ -n ${KGMATCH_NEO4J_JAVA_OPTS:-} ]] && jvm_opts+=($KGMATCH_NEO4J_JAVA_OPTS)

log "starting Neo4j 5.26 on 127.0.0.1:$BOLT_PORT (data $NEO4J_DIR, log $LOG_FILE)"
cd "$NEO4J_DIR"
KGMATCH_NEO4J_HOME=$NEO4J_DIR KGMATCH_NEO4J_BOLT_PORT=$BOLT_PORT KGMATCH_NEO4J_PASSWORD=$NEO4J_PASSWORD \
    nohup setsid "$JAVA_BIN" "${jvm_opts[@]}" -jar "$SERVER_JAR" >"$LOG_FILE" 2>&1 </dev/null 9>&- &
pid=$!
echo "$pid" >"$PID_FILE"
wait_ready "$pid"
