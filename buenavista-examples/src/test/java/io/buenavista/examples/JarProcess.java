package io.buenavista.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code buenavista.jar} run as users run it, in a child JVM; its output is collected line by line. */
final class JarProcess implements AutoCloseable {
    private static final Pattern CONNECT = Pattern.compile("Connect with: psql -h (\\S+) -p (\\d+)");

    final Process process;
    final int port;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();

    private JarProcess(Process process) throws IOException, InterruptedException {
        this.process = process;
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "jar-output");
        pump.setDaemon(true);
        pump.start();
        this.port = awaitPort();
    }

    static Path jar() {
        Path jar = Path.of(System.getProperty("buenavista.jar", "target/buenavista.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("build the jar first (mvn package): " + jar.toAbsolutePath());
        }
        return jar;
    }

    /** Starts {@code java [jvmOptions] -jar buenavista.jar args…} and waits until it prints its port. */
    static JarProcess start(List<String> jvmOptions, String... args) throws IOException, InterruptedException {
        return start(java.util.Map.of(), jvmOptions, args);
    }

    /** As {@link #start(List, String...)}, with these variables added to the child's environment. */
    static JarProcess start(java.util.Map<String, String> env, List<String> jvmOptions, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar().toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            return new JarProcess(p);
        } catch (RuntimeException | IOException | InterruptedException e) {
            p.destroyForcibly();
            throw e;
        }
    }

    private int awaitPort() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(1, TimeUnit.SECONDS);
            if (line == null) {
                if (!process.isAlive()) {
                    break;
                }
                continue;
            }
            seen.add(line);
            Matcher m = CONNECT.matcher(line);
            if (m.find()) {
                return Integer.parseInt(m.group(2));
            }
        }
        throw new IllegalStateException("the server did not print its port; output: " + seen);
    }

    /** Everything printed so far. */
    List<String> output() {
        lines.drainTo(seen);
        return List.copyOf(seen);
    }

    /** Peak resident set size of the child, from /proc (Linux), in KiB; -1 if unknown. */
    long peakRssKib() throws IOException {
        Path status = Path.of("/proc", Long.toString(process.pid()), "status");
        if (!Files.exists(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** Sends SIGTERM and waits for the exit code. */
    int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("the server did not stop on SIGTERM");
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
