package dev.kgmatch.neo4j;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Logging;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.logging.log4j.Log4jLogProvider;

/**
 * Local development Neo4j 5.26 Community server for kgmatch.
 *
 * <p>Runs the genuine Neo4j kernel and Cypher engine embedded ({@link DatabaseManagementService})
 * with the Bolt connector bound to 127.0.0.1 and authentication enabled. On every start, unless
 * neo4j/{@code KGMATCH_NEO4J_PASSWORD} already logs in over Bolt, the password of user
 * {@code neo4j} is set from it through the system database ({@code ALTER USER ... CHANGE NOT
 * REQUIRED}), so the environment is authoritative and restarts are idempotent.
 *
 * <p>Readiness: once a real Bolt round-trip ({@code RETURN 1} with the official Java driver,
 * authenticated as neo4j/password against database {@code neo4j}) has succeeded, the file
 * {@code $KGMATCH_NEO4J_HOME/ready} is written atomically (content: pid, port, start time).
 * It is removed on shutdown. start.sh waits for it.
 *
 * <p>Environment:
 * <ul>
 *   <li>KGMATCH_NEO4J_HOME (required here; start.sh passes an absolute path, default var/neo4j)</li>
 *   <li>KGMATCH_NEO4J_BOLT_PORT (default 7687)</li>
 *   <li>KGMATCH_NEO4J_PASSWORD (default kgmatch-dev-pass, at least 8 characters)</li>
 *   <li>KGMATCH_NEO4J_PAGECACHE (default 512m)</li>
 *   <li>KGMATCH_NEO4J_TX_TOTAL_MAX (default 1g), KGMATCH_NEO4J_TX_MAX (default 768m)</li>
 * </ul>
 */
public final class DevServer {
    static final String USER = "neo4j";
    static final String DEFAULT_PASSWORD = "kgmatch-dev-pass";
    static final String HOST = "127.0.0.1";

    private DevServer() {}

    static String env(String name, String def) {
        String v = System.getenv(name);
        return (v == null || v.isBlank()) ? def : v.trim();
    }

    static void log(String msg) {
        System.out.println(Instant.now() + " [kgmatch-neo4j] " + msg);
        System.out.flush();
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(env("KGMATCH_NEO4J_HOME", "var/neo4j")).toAbsolutePath().normalize();
        int port = Integer.parseInt(env("KGMATCH_NEO4J_BOLT_PORT", "7687"));
        String password = System.getenv("KGMATCH_NEO4J_PASSWORD");
        if (password == null || password.isEmpty()) {
            password = DEFAULT_PASSWORD;
        }
        if (password.length() < 8) {
            System.err.println("KGMATCH_NEO4J_PASSWORD must be at least 8 characters (Neo4j 5 policy)");
            System.exit(2);
        }
        Path ready = home.resolve("ready");
        Files.createDirectories(home);
        Files.deleteIfExists(ready);

        Map<String, String> cfg = new LinkedHashMap<>();
        // --- network: Bolt only, loopback only, no TLS (local dev) ---
        cfg.put("server.default_listen_address", HOST);
        cfg.put("server.default_advertised_address", HOST);
        cfg.put("server.bolt.enabled", "true");
        cfg.put("server.bolt.listen_address", HOST + ":" + port);
        cfg.put("server.bolt.advertised_address", HOST + ":" + port);
        cfg.put("server.bolt.tls_level", "DISABLED");
        // --- security ---
        cfg.put("dbms.security.auth_enabled", "true");
        // --- memory (heap is set on the JVM command line by start.sh) ---
        cfg.put("server.memory.pagecache.size", env("KGMATCH_NEO4J_PAGECACHE", "512m"));
        cfg.put("dbms.memory.transaction.total.max", env("KGMATCH_NEO4J_TX_TOTAL_MAX", "1g"));
        cfg.put("db.memory.transaction.max", env("KGMATCH_NEO4J_TX_MAX", "768m"));
        // --- housekeeping for a dev box ---
        cfg.put("db.tx_log.rotation.retention_policy", "256M size");
        cfg.put("dbms.usage_report.enabled", "false");
        // Bolt waits 5 s + 5 s for its thread pool/connections on shutdown by default; the
        // databases are already checkpointed and closed by then, so 1 s each is plenty here.
        cfg.put("internal.server.bolt.thread_pool_shutdown_wait_time", "1s");
        cfg.put("internal.server.bolt.connection_shutdown_wait_time", "1s");

        log("starting Neo4j (embedded DBMS) home=" + home + " bolt=" + HOST + ":" + port);
        long t0 = System.nanoTime();
        // The embedded builder takes string settings only from a properties file: generate it
        // on every start (so the environment is authoritative) and let Neo4j validate it strictly.
        Path conf = home.resolve("neo4j.conf");
        StringBuilder sb = new StringBuilder(
                "# GENERATED by deploy/neo4j (DevServer) on every start; edits are overwritten.\n");
        cfg.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        Files.writeString(conf, sb.toString(), StandardCharsets.UTF_8);
        Log4jLogProvider userLog = new Log4jLogProvider(System.out);
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .loadPropertiesFromFile(conf)
                .setUserLogProvider(userLog)
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log("shutdown requested; stopping DBMS");
            try {
                Files.deleteIfExists(ready);
            } catch (IOException ignored) {
                // best effort
            }
            try {
                dbms.shutdown();
                log("DBMS stopped cleanly");
            } catch (Throwable t) {
                log("error during shutdown: " + t);
            } finally {
                stopped.countDown();
            }
        }, "kgmatch-neo4j-shutdown"));

        try {
            // Fast path for restarts: if neo4j/<password> already works over Bolt, keep it.
            // Otherwise (first start: neo4j/neo4j with forced change; or a new password in the
            // environment) set it through the system database, then verify over Bolt.
            RuntimeException first = tryBolt(port, password);
            if (first == null) {
                log("password of user '" + USER + "' already up to date");
            } else {
                log("Bolt login with the configured password failed (" + first.getClass().getSimpleName()
                        + "); setting the password");
                setPassword(dbms, password);
                waitForBolt(port, password, Duration.ofSeconds(120));
            }
        } catch (Throwable t) {
            log("FATAL: " + t);
            t.printStackTrace(System.out);
            System.exit(1);
        }

        String marker = "pid=" + ProcessHandle.current().pid() + "\nport=" + port
                + "\nstarted=" + Instant.now() + "\n";
        Path tmp = home.resolve("ready.tmp");
        Files.writeString(tmp, marker, StandardCharsets.UTF_8);
        Files.move(tmp, ready, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        log(String.format("READY: Bolt round-trip ok on bolt://%s:%d (%.1f s)", HOST, port,
                (System.nanoTime() - t0) / 1e9));

        stopped.await();
    }

    /** Sets neo4j's password via the system database; tolerates "same password" on restarts. */
    static void setPassword(DatabaseManagementService dbms, String password) {
        GraphDatabaseService system = dbms.database("system");
        try {
            system.executeTransactionally(
                    "ALTER USER " + USER + " SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
            log("password of user '" + USER + "' set from KGMATCH_NEO4J_PASSWORD (or default)");
        } catch (RuntimeException e) {
            String m = String.valueOf(e.getMessage()) + " " + String.valueOf(e.getCause());
            if (m.toLowerCase().contains("cannot be the same")) {
                log("password of user '" + USER + "' already up to date");
            } else {
                throw e;
            }
        }
    }

    /**
     * One real Bolt round-trip ({@code RETURN 1} on database neo4j, authenticated) with the
     * official Java driver. Returns null on success, else the failure.
     */
    static RuntimeException tryBolt(int port, String password) {
        Config config = Config.builder()
                .withoutEncryption()
                .withConnectionTimeout(5, TimeUnit.SECONDS)
                .withMaxConnectionPoolSize(1)
                .withLogging(Logging.none())
                .build();
        try (Driver driver = GraphDatabase.driver(
                        "bolt://" + HOST + ":" + port, AuthTokens.basic(USER, password), config);
                Session session = driver.session(SessionConfig.forDatabase("neo4j"))) {
            long one = session.run("RETURN 1 AS ok").single().get("ok").asLong();
            return one == 1 ? null : new IllegalStateException("RETURN 1 gave " + one);
        } catch (RuntimeException e) {
            return e;
        }
    }

    /** Retries {@link #tryBolt} until it succeeds or the timeout passes. */
    static void waitForBolt(int port, String password, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        RuntimeException last;
        do {
            last = tryBolt(port, password);
            if (last == null) {
                return;
            }
            Thread.sleep(250);
        } while (Instant.now().isBefore(deadline));
        throw new IllegalStateException("Bolt round-trip did not succeed within " + timeout, last);
    }
}
