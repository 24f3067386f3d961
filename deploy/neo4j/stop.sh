#!/usr/bin/env bash
# Stop the local Neo4j dev server started by start.sh: SIGTERM (graceful: the JVM shutdown hook
# calls DatabaseManagementService.shutdown(), which checkpoints the stores), wait up to
# KGMATCH_NEO4J_STOP_TIMEOUT seconds (60), then SIGKILL. Exit 0 if nothing was running.
set -euo pipefail
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
resolve_neo4j_dir

if ! pid=$(find_server_pid); then
    rm -f "$PID_FILE" "$READY_FILE"
    log "not running (data $NEO4J_DIR)"
    exit 0
fi

log "stopping Neo4j (pid $pid) ..."
t0=$SECONDS
kill -TERM "$pid" 2>/dev/null || true
while alive "$pid" && (( SECONDS - t0 < STOP_TIMEOUT )); do
    sleep 0.2
done
if alive "$pid"; then
    log "still running after ${STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while alive "$pid"; do sleep 0.2; done
fi
rm -f "$PID_FILE" "$READY_FILE"
log "stopped in $((SECONDS - t0)) s"
