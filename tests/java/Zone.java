// The default time zone, which the JDK names from /etc/localtime's link
// (GMT when there is none), and a date printed in it.
public class Zone {
    public static void main(String[] args) {
        System.out.println(java.util.TimeZone.getDefault().getID() + " " + new java.util.Date(0));
        System.out.println(java.time.ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(1700000000),
                                                             java.time.ZoneId.systemDefault()));
    }
}
