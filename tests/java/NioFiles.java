// java.nio.file under the folder args[0]: write, read, copy, atomic move, a mapped
// FileChannel, a walk, a refused delete of a full folder, then everything removed.
import java.nio.file.*;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.util.*;
import java.util.stream.*;

public class NioFiles {
    public static void main(String[] args) throws Exception {
        Path dir = java.nio.file.Files.createTempDirectory(Paths.get(args[0]), "nio");
        Path a = dir.resolve("a.txt");
        java.nio.file.Files.write(a, List.of("one", "two", "three"), StandardCharsets.UTF_8);
        System.out.println(java.nio.file.Files.readAllLines(a));
        java.nio.file.Files.createDirectories(dir.resolve("sub/deeper"));
        java.nio.file.Files.copy(a, dir.resolve("sub/b.txt"));
        java.nio.file.Files.move(dir.resolve("sub/b.txt"), dir.resolve("sub/deeper/c.txt"), StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel ch = FileChannel.open(dir.resolve("big.bin"), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            for (int i = 0; i < 16; i++) { buf.clear(); while (buf.hasRemaining()) buf.put((byte) i); buf.flip(); ch.write(buf); }
            java.nio.MappedByteBuffer mb = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
            System.out.println("size " + ch.size() + " byte " + mb.get(5 << 16));
        }
        try (Stream<Path> s = java.nio.file.Files.walk(dir)) {
            System.out.println(s.map(p -> dir.relativize(p).toString()).sorted().collect(Collectors.toList()));
        }
        System.out.println("exists " + java.nio.file.Files.exists(dir.resolve("sub/b.txt")) + " " + java.nio.file.Files.size(dir.resolve("sub/deeper/c.txt")));
        try { java.nio.file.Files.delete(dir.resolve("sub")); } catch (DirectoryNotEmptyException e) { System.out.println("not empty"); }
        try (Stream<Path> s = java.nio.file.Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        System.out.println("gone " + !java.nio.file.Files.exists(dir));
    }
}
