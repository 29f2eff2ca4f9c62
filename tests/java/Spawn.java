// ProcessBuilder children: /bin/sh -c with piped stdin, stdout, stderr and an exit
// status, then one that inherits the streams.
import java.io.*;
import java.nio.charset.StandardCharsets;

public class Spawn {
    public static void main(String[] args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", "echo out $0; echo err >&2; read x; echo got $x; exit 7", "arg0");
        Process p = pb.start();
        try (Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) { w.write("line\n"); }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        System.out.print(out);
        System.out.print(err);
        System.out.println("status " + p.waitFor());
        Process q = new ProcessBuilder("/bin/sh", "-c", "exit 3").inheritIO().start();
        System.out.println("status " + q.waitFor());
    }
}
