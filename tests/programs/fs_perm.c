// Permission checks: root sets up files, then switches its filesystem ids
// (setfsuid/setfsgid, which also drop root's file capabilities) to another
// user and group and sees EACCES and EPERM where mode bits say so; access()
// keeps answering for the real ids (root), faccessat2(AT_EACCESS) for fs ids.
#include "fs_check.h"
#include <sys/fsuid.h>

#define DIR   "/tmp/pkgload-fs_perm"
#define USER  1000
#define GROUP 1000

#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif

static void
make(const char *path, unsigned mode, unsigned uid, unsigned gid)
{
    write_file(path, "data");
    if (chown(path, uid, gid) < 0 || chmod(path, mode) < 0)
        perror(path);
}

static void
make_dir(const char *path, unsigned mode, unsigned uid, unsigned gid)
{
    if (mkdir(path, 0700) < 0 || chown(path, uid, gid) < 0 || chmod(path, mode) < 0)
        perror(path);
}

static void
set_up(void)
{
    make("root_only", 0600, 0, 0);
    make("world_read", 0644, 0, 0);
    make("group_write", 0460, 0, GROUP);
    make("mine", 0600, USER, USER);
    make("mine_no_write", 0400, USER, USER);
    make("mine_root_group", 0644, USER, 0);
    make_dir("closed", 0700, 0, 0);
    make("closed/inside", 0644, 0, 0);
    make_dir("search_only", 0711, 0, 0);
    make("search_only/known", 0644, 0, 0);
    make_dir("sticky", 01777, 0, 0);
    make("sticky/roots", 0666, 0, 0);
    make_dir("my_dir", 0755, USER, USER);
    make_dir("my_dir/read_only", 0555, USER, USER);
}

static void
opens(void)
{
    CHECK("open root_only O_RDONLY", open("root_only", O_RDONLY));
    CHECK("open world_read O_RDONLY", open("world_read", O_RDONLY));
    close(3);
    CHECK("open world_read O_WRONLY", open("world_read", O_WRONLY));
    CHECK("open group_write O_RDONLY (group rw)", open("group_write", O_RDONLY));
    CHECK("open group_write O_WRONLY", open("group_write", O_WRONLY));
    close(3);
    CHECK("open mine O_RDWR", open("mine", O_RDWR));
    close(3);
    CHECK("open mine_no_write O_WRONLY (owner too)", open("mine_no_write", O_WRONLY));
    CHECK("open world_read O_RDONLY|O_TRUNC", open("world_read", O_RDONLY | O_TRUNC));
    CHECK("open closed/inside", open("closed/inside", O_RDONLY));
    CHECK("open closed/missing", open("closed/missing", O_RDONLY));
    CHECK("open search_only/known", open("search_only/known", O_RDONLY));
    close(3);
    CHECK("opendir search_only", open("search_only", O_RDONLY | O_DIRECTORY));
    CHECK("create in . (root's 0755)", open("new", O_WRONLY | O_CREAT, 0644));
    CHECK("create in my_dir", open("my_dir/new", O_WRONLY | O_CREAT, 0644));
    close(3);
    CHECK("create in search_only", open("search_only/new", O_WRONLY | O_CREAT, 0644));
    CHECK("truncate world_read", truncate("world_read", 0));
    CHECK("truncate mine", truncate("mine", 0));
}

static void
stat_mode(const char *path)
{
    struct stat st;

    if (lstat(path, &st) < 0)
        printf("lstat %s: -1 %s\n", path, errno_name(errno));
    else
        printf("lstat %s: mode=%04o uid=%u gid=%u\n", path, st.st_mode & 07777, st.st_uid,
               st.st_gid);
}

static void
names(void)
{
    CHECK("mkdir in .", mkdir("d", 0755));
    CHECK("mkdir in my_dir", mkdir("my_dir/d", 0755));
    CHECK("unlink world_read (dir not writable)", unlink("world_read"));
    CHECK("unlink sticky/roots (sticky, not owner)", unlink("sticky/roots"));
    CHECK("create sticky/mine", close(open("sticky/mine", O_WRONLY | O_CREAT, 0644)));
    CHECK("rename sticky/mine sticky/mine2", rename("sticky/mine", "sticky/mine2"));
    CHECK("rename over sticky/roots", rename("sticky/mine2", "sticky/roots"));
    CHECK("unlink sticky/mine2", unlink("sticky/mine2"));
    CHECK("rmdir my_dir/d", rmdir("my_dir/d"));
    CHECK("rename read_only within my_dir", rename("my_dir/read_only", "my_dir/ro"));
    CHECK("rename read_only to sticky (its .. changes)", rename("my_dir/ro", "sticky/ro"));
    CHECK("rename a root file out of sticky", rename("sticky/roots", "my_dir/roots"));
    CHECK("rmdir sticky (not writable: .)", rmdir("sticky"));
    CHECK("symlink in .", symlink("x", "l"));
    CHECK("symlink in my_dir", symlink("x", "my_dir/l"));
    stat_mode("my_dir/l");
    CHECK("link root_only into my_dir", link("root_only", "my_dir/h"));
    CHECK("stat closed/inside", stat("closed/inside", &(struct stat){ 0 }));
    CHECK("chdir closed", chdir("closed"));
    CHECK("readlink search_only/x", readlink("search_only/x", (char[8]){ 0 }, 8));
}

static void
attributes(void)
{
    struct timespec ts[2] = { { 1000, 0 }, { 2000, 0 } };

    CHECK("chmod mine 02755 (own group)", chmod("mine", 02755));
    stat_mode("mine");
    CHECK("chown mine to group 0 as root would", chown("mine", -1, 0));
    CHECK("chmod mine_root_group 02755 (not in its group)", chmod("mine_root_group", 02755));
    stat_mode("mine_root_group");
    CHECK("chmod mine 0640", chmod("mine", 0640));
    CHECK("chmod root_only 0777", chmod("root_only", 0777));
    CHECK("chown mine to root", chown("mine", 0, -1));
    CHECK("chown mine to itself", chown("mine", USER, -1));
    CHECK("chown mine -1 -1", chown("mine", -1, -1));
    CHECK("chown mine to group 0", chown("mine", -1, 0));
    CHECK("utimensat mine", utimensat(AT_FDCWD, "mine", ts, 0));
    CHECK("utimensat root_only", utimensat(AT_FDCWD, "root_only", ts, 0));
    CHECK("utimensat root_only now", utimensat(AT_FDCWD, "root_only", NULL, 0));
    CHECK("utimensat world_read now", utimensat(AT_FDCWD, "world_read", NULL, 0));
    CHECK("access root_only R_OK (real uid: root)", access("root_only", R_OK));
    CHECK("faccessat2 AT_EACCESS root_only R_OK",
          syscall(SYS_faccessat2, AT_FDCWD, "root_only", R_OK, AT_EACCESS));
    CHECK("faccessat2 AT_EACCESS mine R_OK|W_OK",
          syscall(SYS_faccessat2, AT_FDCWD, "mine", R_OK | W_OK, AT_EACCESS));
    CHECK("faccessat2 AT_EACCESS group_write W_OK",
          syscall(SYS_faccessat2, AT_FDCWD, "group_write", W_OK, AT_EACCESS));
}

int
main(void)
{
    enter_scratch(DIR);
    set_up();
    setfsgid(GROUP);
    setfsuid(USER);
    printf("fsuid now %d\n", setfsuid(-1));
    opens();
    names();
    attributes();
    setfsuid(0);
    setfsgid(0);
    show_dir("sticky", "sticky");
    show_dir("my_dir", "my_dir");
    leave_scratch(DIR);
    return 0;
}
