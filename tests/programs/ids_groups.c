// Supplementary groups: setgroups/getgroups and their errors, the sorted
// list /proc/self/status shows, a fork inheriting it, and the groups
// counting in file permission checks, chown and chmod once root has
// dropped to another user (in children, so the parent stays root).
#include "fs_check.h"
#include <grp.h>
#include <sys/wait.h>

#define DIR  "/tmp/pkgload-ids_groups"
#define USER 1000

static void
show_groups(const char *who)
{
    gid_t list[16];
    int n = getgroups(16, list);

    printf("%s: %d:", who, n);
    for (int i = 0; i < n; i++)
        printf(" %u", list[i]);
    printf("\n");
}

static void
show_status_groups(void)
{
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");

    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "Groups:", 7))
            printf("status %s", line);
    if (f)
        fclose(f);
}

static void
errors(void)
{
    gid_t bad[2] = { 5, (gid_t)-1 }, two[2];

    CHECK("setgroups too many", syscall(SYS_setgroups, 65537, two));
    CHECK("setgroups negative", syscall(SYS_setgroups, -1, two));
    CHECK("setgroups gid -1", syscall(SYS_setgroups, 2, bad));
    CHECK("setgroups bad pointer", syscall(SYS_setgroups, 2, BAD_PTR));
    CHECK("getgroups negative", syscall(SYS_getgroups, -1, two));
    CHECK("getgroups short", syscall(SYS_getgroups, 1, two));
    CHECK("getgroups bad pointer", syscall(SYS_getgroups, 8, BAD_PTR));
    CHECK("getgroups count", syscall(SYS_getgroups, 0, NULL));
}

// As USER (real, effective, saved) with group 7 and the groups set before:
// what the mode bits of files owned by other groups allow.
static void
as_user(void)
{
    if (setresgid(7, 7, 7) < 0 || setresuid(USER, USER, USER) < 0)
        perror("drop");
    show_groups("as user");
    CHECK("setgroups as user", setgroups(0, NULL));
    CHECK("read group 5 file", open("g5", O_RDONLY));
    CHECK("read group 6 file", open("g6", O_RDONLY));
    CHECK("chown mine to group 5", chown("mine", -1, 5));
    CHECK("chown mine to group 6", chown("mine", -1, 6));
    CHECK("chmod g+s mine (group 5)", chmod("mine", 02755));
    struct stat st;
    stat("mine", &st);
    printf("mine mode %o gid %u\n", st.st_mode & 07777, st.st_gid);
    CHECK("mkdir in group 5 folder", mkdir("d5/sub", 0755));
    CHECK("mkdir in group 6 folder", mkdir("d6/sub", 0755));
}

int
main(void)
{
    gid_t set[] = { 9, 5, 2, 5 };
    pid_t pid;
    int status;

    enter_scratch(DIR);
    show_groups("start");
    CHECK("setgroups", setgroups(4, set));
    show_groups("after setgroups");
    errors();
    show_status_groups();
    write_file("g5", "five");
    write_file("g6", "six");
    write_file("mine", "mine");
    chown("g5", 0, 5), chmod("g5", 0640);
    chown("g6", 0, 6), chmod("g6", 0640);
    chown("mine", USER, 7), chmod("mine", 0644);
    mkdir("d5", 0775), chown("d5", 0, 5), chmod("d5", 0775);
    mkdir("d6", 0775), chown("d6", 0, 6), chmod("d6", 0775);
    fflush(stdout);
    if ((pid = fork()) == 0) {
        as_user();
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    printf("child status %d\n", status);
    CHECK("setgroups empty", setgroups(0, NULL));
    show_groups("end");
    show_status_groups();
    chdir("/");
    remove_tree(DIR);
    return 0;
}
