// com.sun.net.httpserver on port args[0] with two worker threads: answers each path
// with its name, and stops after answering /stop.
import com.sun.net.httpserver.*;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.*;

public class Serve {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 16);
        CountDownLatch done = new CountDownLatch(1);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            byte[] body = ("hello from java " + path + "\n").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "text/plain");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
            if (path.equals("/stop")) done.countDown();
        });
        ExecutorService workers = Executors.newFixedThreadPool(2);
        server.setExecutor(workers);
        server.start();
        System.out.println("listening " + port);
        done.await();
        server.stop(1);
        workers.shutdown();
        System.out.println("stopped");
    }
}
