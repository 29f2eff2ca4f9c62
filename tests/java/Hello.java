// The smallest program: its arguments back on stdout.
public class Hello {
    public static void main(String[] args) {
        System.out.println("hello " + String.join(",", args));
    }
}
