import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What sockets that never finish their startup cost a server: N sockets connect, declare a 10 000-byte startup
 * packet and then send one byte per second. Every second the server process's threads and resident memory are read
 * from /proc, the still-open sockets counted, and a legitimate client logs in (StartupMessage, trust
 * authentication, until ReadyForQuery) with its time measured.
 *
 * <p>Usage (single-file source launch, no dependencies):
 * {@code java bench/StalledSocketsBench.java SERVER_PID HOST PORT [SOCKETS] [SECONDS]}; see
 * bench/stalled-sockets.sh. Defaults: 2 000 sockets, 20 s.
 */
public class StalledSocketsBench {

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: StalledSocketsBench SERVER_PID HOST PORT [SOCKETS] [SECONDS]");
            System.exit(2);
        }
        long pid = Long.parseLong(args[0]);
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        int n = args.length > 3 ? Integer.parseInt(args[3]) : 2_000;
        int seconds = args.length > 4 ? Integer.parseInt(args[4]) : 20;

        double login = login(host, port); // warms the server up
        long baseThreads = status(pid, "Threads:");
        long baseRss = status(pid, "VmRSS:");
        System.out.printf("before: %d threads, %d MiB RSS, login %.1f ms%n", baseThreads, baseRss / 1024, login);

        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(host, port), 5_000);
                s.getOutputStream().write(new byte[] {0, 0, 0x27, 0x10}); // a 10 000-byte startup packet follows
                sockets.add(s);
            } catch (IOException e) {
                s.close();
            }
        }
        System.out.printf("%d of %d sockets connected%n", sockets.size(), n);
        System.out.printf("%4s %8s %9s %8s %10s %9s%n", "s", "threads", "RSS MiB", "open", "login ms", "failed");
        long peakThreads = 0;
        long peakRss = 0;
        int failedLogins = 0;
        double worstLogin = 0;
        for (int t = 1; t <= seconds; t++) {
            long next = System.nanoTime() + 1_000_000_000L;
            int open = 0;
            for (Socket s : sockets) {
                if (trickle(s)) {
                    open++;
                }
            }
            double ms;
            try {
                ms = login(host, port);
                worstLogin = Math.max(worstLogin, ms);
            } catch (IOException e) {
                ms = -1;
                failedLogins++;
            }
            long threads = status(pid, "Threads:");
            long rss = status(pid, "VmRSS:");
            peakThreads = Math.max(peakThreads, threads);
            peakRss = Math.max(peakRss, rss);
            System.out.printf("%4d %8d %9d %8d %10.1f %9d%n", t, threads, rss / 1024, open, ms, failedLogins);
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000);
            }
        }
        for (Socket s : sockets) {
            s.close();
        }
        System.out.printf("peak: %d threads (+%d), %d MiB RSS (+%d MiB); worst login %.1f ms, %d failed%n",
                peakThreads, peakThreads - baseThreads, peakRss / 1024, (peakRss - baseRss) / 1024, worstLogin,
                failedLogins);
    }

    /** Sends one more byte; false when the server has closed the socket. */
    private static boolean trickle(Socket s) {
        if (s.isClosed()) {
            return false;
        }
        try {
            // A closed peer shows as EOF (or a reset) on a read that does not block.
            if (s.getInputStream().available() == 0) {
                s.setSoTimeout(1);
                try {
                    if (s.getInputStream().read() < 0) {
                        s.close();
                        return false;
                    }
                } catch (java.net.SocketTimeoutException open) {
                    // nothing to read: still open
                }
            }
            OutputStream out = s.getOutputStream();
            out.write('x');
            out.flush();
            return true;
        } catch (IOException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closed anyway
            }
            return false;
        }
    }

    /** Logs in as a client would (trust authentication) and returns the time until ReadyForQuery, in ms. */
    private static double login(String host, int port) throws IOException {
        long start = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 5_000);
            s.setSoTimeout(10_000);
            byte[] params = "user\0bench\0database\0bench\0\0".getBytes(StandardCharsets.US_ASCII);
            byte[] packet = new byte[8 + params.length];
            int len = packet.length;
            packet[0] = (byte) (len >>> 24);
            packet[1] = (byte) (len >>> 16);
            packet[2] = (byte) (len >>> 8);
            packet[3] = (byte) len;
            packet[5] = 3; // protocol 3.0
            System.arraycopy(params, 0, packet, 8, params.length);
            s.getOutputStream().write(packet);
            DataInputStream in = new DataInputStream(s.getInputStream());
            while (true) {
                int type = in.read();
                if (type < 0) {
                    throw new IOException("closed during login");
                }
                byte[] body = new byte[in.readInt() - 4];
                in.readFully(body);
                if (type == 'E') {
                    throw new IOException("login refused: " + new String(body, StandardCharsets.UTF_8));
                }
                if (type == 'Z') {
                    s.getOutputStream().write(new byte[] {'X', 0, 0, 0, 4});
                    return (System.nanoTime() - start) / 1e6;
                }
            }
        }
    }

    private static long status(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException(field + " not in /proc/" + pid + "/status");
    }
}
