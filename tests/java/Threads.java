// A fixed pool of 4 threads: futures summed, a ConcurrentHashMap merged from 4 tasks,
// a latch and an orderly shutdown; the vCPU count on the last line.
import java.util.*;
import java.util.concurrent.*;

public class Threads {
    public static void main(String[] args) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Long>> parts = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            final long lo = t * 250_000L, hi = lo + 250_000L;
            parts.add(pool.submit(() -> { long s = 0; for (long i = lo; i < hi; i++) s += i * i % 7; return s; }));
        }
        long sum = 0;
        for (Future<Long> f : parts) sum += f.get();
        ConcurrentHashMap<Integer, Integer> m = new ConcurrentHashMap<>();
        CountDownLatch done = new CountDownLatch(4);
        for (int t = 0; t < 4; t++) {
            pool.execute(() -> { for (int i = 0; i < 10000; i++) m.merge(i % 100, 1, Integer::sum); done.countDown(); });
        }
        done.await();
        pool.shutdown();
        System.out.println("terminated " + pool.awaitTermination(30, TimeUnit.SECONDS));
        System.out.println("sum " + sum + " keys " + m.size() + " total " + m.values().stream().mapToInt(i -> i).sum());
        System.out.println("cpus " + Runtime.getRuntime().availableProcessors());
    }
}
