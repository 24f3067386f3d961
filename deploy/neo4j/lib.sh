# Shared helpers for deploy/neo4j/start.sh and stop.sh. Source it; do not execute.
# shellcheck shell=bash

NEO4J_DEPLOY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$NEO4J_DEPLOY_DIR/../.." && pwd)

# --- configuration (environment) -------------------------------------------------------------
NEO4J_DIR=${KGMATCH_NEO4J_HOME:-var/neo4j}
# A relative KGMATCH_NEO4J_HOME is taken relative to the repository root, so start/stop agree
# whatever the caller's cwd.
[[ $NEO4J_DIR = /* ]] || NEO4J_DIR=$REPO_ROOT/$NEO4J_DIR
BOLT_PORT=${KGMATCH_NEO4J_BOLT_PORT:-7687}
NEO4J_PASSWORD=${KGMATCH_NEO4J_PASSWORD:-kgmatch-dev-pass}
START_TIMEOUT=${KGMATCH_NEO4J_START_TIMEOUT:-180}
STOP_TIMEOUT=${KGMATCH_NEO4J_STOP_TIMEOUT:-60}

PID_FILE=$NEO4J_DIR/neo4j.pid
LOG_FILE=$NEO4J_DIR/neo4j.log
READY_FILE=$NEO4J_DIR/ready
SERVER_JAR=$NEO4J_DEPLOY_DIR/target/kgmatch-neo4j-server.jar

log() { printf '[neo4j] %s\n' "$*" >&2; }

# Absolute, normalised data directory (created if missing). Also the identity of "our" process:
# the JVM is started with -Dkgmatch.neo4j.home=<this path>.
resolve_neo4j_dir() {
    mkdir -p "$NEO4J_DIR"
    NEO4J_DIR=$(cd "$NEO4J_DIR" && pwd -P)
    PID_FILE=$NEO4J_DIR/neo4j.pid
    LOG_FILE=$NEO4J_DIR/neo4j.log
    READY_FILE=$NEO4J_DIR/ready
}

# PID exists and is not a zombie (an exited child whose parent has not reaped it yet).
alive() {
    local pid=$1 state
    kill -0 "$pid" 2>/dev/null || return 1
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
    [[ -n $state && $state != Z && $state != X ]]
}

# True if PID is alive and is a server started by these scripts for this data directory.
is_our_pid() {
    local pid=$1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    alive "$pid" || return 1
    tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qxF -- "-Dkgmatch.neo4j.home=$NEO4J_DIR"
}

# PID of our running server for this data directory, or nothing. Uses the pid file; falls back
# to an exact match of the JVM's -Dkgmatch.neo4j.home=<dir> argument (pid file lost).
find_server_pid() {
    local pid=""
    [[ -f $PID_FILE ]] && pid=$(tr -dc '0-9' <"$PID_FILE")
    if [[ -n $pid ]] && is_our_pid "$pid"; then echo "$pid"; return 0; fi
    local f p
    for f in /proc/[0-9]*/cmdline; do
        p=${f#/proc/}; p=${p%/cmdline}
        [[ $p = "$$" ]] && continue
        if tr '\0' '\n' <"$f" 2>/dev/null | grep -qxF -- "-Dkgmatch.neo4j.home=$NEO4J_DIR"; then
            echo "$p"; return 0
        fi
    done
    return 1
}

# Something accepts TCP connections on 127.0.0.1:$BOLT_PORT.
port_open() {
    timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$BOLT_PORT" 2>/dev/null
}

# A Bolt server answers on 127.0.0.1:$BOLT_PORT: performs the Bolt handshake (magic 0x6060B017,
# proposing 5.0-5.4, 4.2-4.4, 4.1, 3.0) and requires a non-zero agreed version. No auth needed.
bolt_handshake() {
    local reply
    reply=$(timeout 5 bash -c '
        exec 3<>/dev/tcp/127.0.0.1/'"$BOLT_PORT"' || exit 1
        printf "\x60\x60\xb0\x17\x00\x04\x04\x05\x00\x02\x04\x04\x00\x00\x01\x04\x00\x00\x00\x03" >&3
        head -c 4 <&3 | od -An -tx1 | tr -d " \n"' 2>/dev/null) || return 1
    [[ ${#reply} -eq 8 && $reply != 00000000 ]]
}

# Java 17 or 21 (what Neo4j 5.26 supports). Sets JAVA_BIN and exports JAVA_HOME for Maven.
java_major() {
    "$1/bin/java" -XshowSettings:properties -version 2>&1 |
        awk -F'= ' '/java.specification.version/ {print $2; exit}'
}
find_java() {
    local c m cands=("${KGMATCH_NEO4J_JAVA_HOME:-}" "${JAVA_HOME:-}"
        /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-21-openjdk-amd64
        /usr/lib/jvm/java-17-openjdk-arm64 /usr/lib/jvm/java-21-openjdk-arm64)
    if command -v java >/dev/null 2>&1; then
        cands+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
    fi
    for c in "${cands[@]}"; do
        [[ -n $c && -x $c/bin/java ]] || continue
        m=$(java_major "$c")
        if [[ $m = 17 || $m = 21 ]]; then
            JAVA_BIN=$c/bin/java
            export JAVA_HOME=$c
            return 0
        fi
    done
    log "no Java 17 or 21 found (Neo4j 5.26 needs one); set KGMATCH_NEO4J_JAVA_HOME"
    return 1
}
