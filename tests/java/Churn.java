// The garbage collector under pressure: args[0] blocks of 64 KiB churned through a
// bounded list, then the heap filled until OutOfMemoryError (run with a small -Xmx).
import java.util.*;

public class Churn {
    public static void main(String[] args) {
        int rounds = Integer.parseInt(args[0]);
        List<byte[]> keep = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < rounds; i++) {
            byte[] b = new byte[64 * 1024];
            b[i % b.length] = (byte) i;
            total += b.length;
            keep.add(b);
            if (keep.size() > 200) keep.subList(0, 100).clear();
        }
        long gcs = 0;
        for (java.lang.management.GarbageCollectorMXBean g : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) gcs += g.getCollectionCount();
        System.out.println("allocated " + (total >> 20) + " MiB, kept " + keep.size() + ", collected " + (gcs > 0));
        try {
            List<long[]> hog = new ArrayList<>();
            while (true) hog.add(new long[1 << 20]);
        } catch (OutOfMemoryError e) {
            System.out.println("OutOfMemoryError " + e.getMessage());
        }
    }
}
