// uname(2): sysname and machine must be Linux's; release and nodename may
// legitimately differ from the host's, so only their presence is printed.
#include <stdio.h>
#include <sys/utsname.h>

int
main(void)
{
    struct utsname u;

    if (uname(&u) != 0) {
        perror("uname");
        return 1;
    }
    printf("sysname: %s\n", u.sysname);
    printf("machine: %s\n", u.machine);
    printf("release non-empty: %s\n", u.release[0] ? "yes" : "no");
    printf("release starts with a digit: %s\n",
           u.release[0] >= '0' && u.release[0] <= '9' ? "yes" : "no");
    printf("nodename non-empty: %s\n", u.nodename[0] ? "yes" : "no");
    return 0;
}
