// java.nio.file.WatchService (the JDK's LinuxWatchService, on inotify): a
// folder's create, modify and delete as this program makes them; it waits
// at most 20 s for each, so without inotify it fails instead of hanging.
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;

public class Watch {
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("pkgload-watch");
        try (WatchService ws = FileSystems.getDefault().newWatchService()) {
            dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE,
                         StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
            Path f = dir.resolve("a.txt");
            Files.writeString(f, "x");
            expect(ws, "ENTRY_CREATE a.txt");
            Files.delete(f);
            expect(ws, "ENTRY_DELETE a.txt");
        }
        Files.delete(dir);
        System.out.println("done");
    }

    // Print events until WANT is among them.
    static void expect(WatchService ws, String want) throws Exception {
        for (;;) {
            WatchKey key = ws.poll(20, TimeUnit.SECONDS);
            if (key == null) {
                System.out.println("no event in 20 s");
                System.exit(1);
            }
            boolean found = false;
            for (WatchEvent<?> e : key.pollEvents()) {
                String s = e.kind().name() + " " + e.context();
                System.out.println(s);
                found |= s.equals(want);
            }
            key.reset();
            if (found)
                return;
        }
    }
}
