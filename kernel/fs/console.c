// The standard streams. Output goes to the host's stdout (COM1) and stderr
// (COM2) unchanged. Each stream is a terminal exactly when the host's fd is
// (the manifest says), so isatty(), buffering and TCGETS match a native run;
// otherwise it looks like a pipe. Input arrives on COM1's receive side,
// escaped by the host so that end of input can be told (docs/boot-protocol.md):
// 0xff 0x00 is a 0xff byte, 0xff 0x01 is end of file.
#include "fs/console.h"
#include "fs/file.h"
#include "drivers/uart.h"
#include "manifest.h"
#include "mm/heap.h"
#include "mm/uaccess.h"
#include "sched/proc.h"
#include "lib/string.h"
#include "log.h"
#include "lib/fmt.h"
#include "fs/vfs.h"
#include <asm-generic/errno.h>
#include <asm/stat.h>
#include <asm/termbits.h>
#include <asm-generic/termios.h>
#include <linux/stat.h>
#include <asm/ioctls.h>
#include <asm-generic/fcntl.h>
#include <asm-generic/poll.h>

#define TTY_MAJOR 136   // /dev/pts/N

struct console {
    int fd;             // which standard stream
    uint16_t port;      // UART for output, 0 for none
    bool tty;
};

static struct console consoles[3];
static struct termios termios = {
    .c_iflag = ICRNL | IXON,
    .c_oflag = OPOST | ONLCR,
    .c_cflag = B38400 | CS8 | CREAD | HUPCL,
    .c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | IEXTEN | ECHOCTL | ECHOKE,
    .c_cc = { [VINTR] = 3, [VQUIT] = 28, [VERASE] = 127, [VKILL] = 21, [VEOF] = 4, [VSTART] = 17,
              [VSTOP] = 19, [VSUSP] = 26, [VMIN] = 1 },
};
static struct winsize winsize = { .ws_row = 24, .ws_col = 80 };

#define STDIN_ESCAPE     0xff
#define STDIN_ESCAPE_FF  0x00
#define STDIN_ESCAPE_EOF 0x01
#define STDIN_ESCAPE_ACK 0x02   // the host applied the terminal modes last reported
#define IN_EOF (-1)
#define IN_ACK (-2)

static bool stdin_eof;

// Input that came in while waiting for the host's acknowledgement, kept for
// the program's reads; end of input may have come too. Allocated at the
// first wait: only a terminal session needs it, and .bss is zeroed at boot.
#define HELD_MAX (64 * 1024)
static uint8_t *held;
static size_t held_head, held_len;
static bool held_eof;

// The next item on the input channel: a data byte, IN_EOF or IN_ACK.
static int
stdin_decode(void)
{
    uint8_t b = uart_read_byte(UART_STDIN);

    if (b != STDIN_ESCAPE)
        return b;
    b = uart_read_byte(UART_STDIN);
    if (b == STDIN_ESCAPE_EOF)
        return IN_EOF;
    if (b == STDIN_ESCAPE_ACK)
        return IN_ACK;
    if (b != STDIN_ESCAPE_FF)
        klog("console: bad stdin escape 0x%x", b);
    return STDIN_ESCAPE;
}

// Whether a read would find something now. When not, a wait (poll, select)
// may follow: from then on a byte arriving interrupts and ends it. (Input
// not at its end means the host relays it: without a relay stdin_eof is set
// from the start.)
static bool
input_waiting(void)
{
    if (held_len || held_eof || uart_can_read(UART_STDIN))
        return true;
    if (!stdin_eof)
        uart_enable_rx_irq(UART_STDIN);
    return false;
}

// One decoded input byte, or -1 at end of input.
static int
stdin_next(void)
{
    int c;

    if (held_len) {
        c = held[held_head];
        held_head = (held_head + 1) % HELD_MAX;
        held_len--;
        return c;
    }
    if (held_eof)
        return IN_EOF;
    while ((c = stdin_decode()) == IN_ACK)
        ;
    return c;
}

// Wait until the host has applied the modes just reported (docs/boot-protocol.md,
// "The terminal"), keeping what is typed meanwhile: output after the change
// must meet the terminal in its new modes.
static void
wait_for_host_modes(void)
{
    int c;

    if (!held && !(held = kmalloc(HELD_MAX))) {
        klog("console: no memory to keep input during a terminal mode change; not waiting for the host");
        return;
    }
    while ((c = stdin_decode()) != IN_ACK) {
        if (c == IN_EOF) {
            held_eof = true;       // the host still acknowledges after end of input
        } else if (held_len == HELD_MAX) {
            klog("console: 64 KiB typed while the terminal modes changed; not waiting for the host");
            return;
        } else {
            held[(held_head + held_len++) % HELD_MAX] = c;
        }
    }
}

// Wait for at least one byte, then take what has already arrived, like a pipe.
static ssize_t
console_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    uint8_t *p = buf;
    size_t got = 0;

    if (stdin_eof)
        return 0;
    if (f->flags & O_NONBLOCK && !input_waiting())
        return -EAGAIN;
    while (got < n && (got == 0 || input_waiting())) {
        int c = stdin_next();
        if (c < 0) {
            stdin_eof = true;
            break;
        }
        p[got++] = c;
        if (c == '\n' && ((struct console *)f->priv)->tty)
            break;    // a terminal in canonical mode returns one line per read
    }
    return got;
}

static ssize_t
console_write(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
    struct console *c = f->priv;

    if (!c->port)
        return -EBADF;
    uart_write(c->port, buf, n);
    return n;
}

// The host terminal's modes from the manifest: "IFLAG OFLAG CFLAG LFLAG CC,..." in hex.
static void
load_host_modes(const char *s)
{
    tcflag_t *flags[] = { &termios.c_iflag, &termios.c_oflag, &termios.c_cflag, &termios.c_lflag };
    const char *p = s;

    for (int i = 0; i < 4; i++) {
        *flags[i] = parse_u64(p, 16, &p);
        if (*p++ != ' ')
            return;
    }
    for (int i = 0; i < NCCS && *p; i++) {
        termios.c_cc[i] = parse_u64(p, 16, &p);
        if (*p == ',')
            p++;
    }
}

// Tell the host the program changed the terminal's modes: it applies them
// to the real terminal (docs/boot-protocol.md, "The terminal").
static void
report_modes(unsigned int cmd)
{
    char cc[NCCS * 3 + 1], *p = cc;

    for (int i = 0; i < NCCS; i++)
        p += snprintf(p, cc + sizeof(cc) - p, i ? ",%x" : "%x", termios.c_cc[i]);
    klog("tty: set %s %x %x %x %x %s", cmd == TCSETS ? "now" : cmd == TCSETSW ? "drain" : "flush",
         termios.c_iflag, termios.c_oflag, termios.c_cflag, termios.c_lflag, cc);
}

static long
tty_ioctl(struct console *c, unsigned int cmd, uint64_t arg)
{
    switch (cmd) {
    case TCGETS:
        return copy_to_user((void *)arg, &termios, sizeof(termios));
    case TCSETS:
    case TCSETSW:
    case TCSETSF: {
        long ret = copy_from_user(&termios, (void *)arg, sizeof(termios));
        if (ret == 0 && manifest.termios && manifest_stdin_relay()) {   // the host mirrors them
            report_modes(cmd);
            wait_for_host_modes();
        }
        return ret;
    }
    case TIOCGWINSZ:
        return copy_to_user((void *)arg, &winsize, sizeof(winsize));
    case TIOCSWINSZ:
        return copy_from_user(&winsize, (void *)arg, sizeof(winsize));
    case TIOCGPGRP: {
        int pgrp = current_proc()->pgid;   // the program's group is the foreground one
        return copy_to_user((void *)arg, &pgrp, sizeof(pgrp));
    }
    case TIOCSPGRP: {   // job control shells make their own group the foreground one
        int pgrp;
        if (copy_from_user(&pgrp, (void *)arg, sizeof(pgrp)) < 0)
            return -EFAULT;
        if (pgrp < 0)
            return -EINVAL;
        return pgrp == current_proc()->pgid ? 0 : -ESRCH;   // no other group exists
    }
    case TIOCGSID: {
        int sid = current_proc()->sid;
        return copy_to_user((void *)arg, &sid, sizeof(sid));
    }
    case TIOCSCTTY:     // it already is the controlling terminal
        return 0;
    default:
        return -ENOTTY;
    }
}

static long
console_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
    struct console *c = f->priv;
    int avail = c->fd == 0 && input_waiting();

    if (cmd == FIONREAD)
        return copy_to_user((void *)arg, &avail, sizeof(avail));
    if (cmd == FIONBIO) {
        int on;
        long ret = copy_from_user(&on, (void *)arg, sizeof(on));
        if (ret == 0)
            f->flags = on ? f->flags | O_NONBLOCK : f->flags & ~O_NONBLOCK;
        return ret;
    }
    return c->tty ? tty_ioctl(c, cmd, arg) : -ENOTTY;
}

static long
console_stat(struct file *f, struct stat *st)
{
    struct console *c = f->priv;

    memset(st, 0, sizeof(*st));
    st->st_dev = c->tty ? 0x19 : 0xd;     // devpts, or pipefs
    st->st_ino = 3 + c->fd;
    st->st_nlink = 1;
    if (c->tty) {
        st->st_mode = S_IFCHR | 0620;
        st->st_rdev = (TTY_MAJOR << 8);
        st->st_blksize = 1024;
    } else {
        st->st_mode = S_IFIFO | 0600;
        st->st_blksize = 4096;
    }
    return 0;
}

static uint32_t
console_poll(struct file *f)
{
    uint32_t ev = 0;

    if ((f->flags & O_ACCMODE) != O_RDONLY)
        ev |= POLLOUT | POLLWRNORM;
    if ((f->flags & O_ACCMODE) != O_WRONLY && (stdin_eof || input_waiting()))
        ev |= POLLIN | POLLRDNORM | (stdin_eof ? POLLHUP : 0);
    return ev;
}

static const struct file_ops console_ops = {
    .poll = console_poll,
    .read = console_read,
    .write = console_write,
    .ioctl = console_ioctl,
    .stat = console_stat,
};

// Every field written, none left to a zeroing pass: one block of code at boot.
static struct file *
open_console(int fd, uint16_t port, uint32_t flags, uint32_t manifest_flags)
{
    struct file *f = kmalloc(sizeof(*f));

    if (!f)
        panic("out of memory opening the console");
    consoles[fd].fd = fd;
    consoles[fd].port = port;
    consoles[fd].tty = manifest_flags & (MANIFEST_TTY0 << fd);
    f->ops = &console_ops;
    f->refs = 1;
    f->flags = flags;
    f->pos = 0;
    f->vn = NULL;
    f->path = NULL;
    f->priv = &consoles[fd];
    return f;
}

// Straight into the new process's empty table: nothing to close or search.
void
console_open_stdio(void)
{
    uint32_t flags = manifest.raw->flags, rows = manifest.raw->win_rows, cols = manifest.raw->win_cols;
    bool relay = flags & MANIFEST_STDIN_RELAY, tty0 = flags & MANIFEST_TTY0;
    struct file **files = current_proc()->fds->files;

    stdin_eof = !relay;
    if (manifest.termios)
        load_host_modes(manifest.termios);
    if ((rows != 0) & (cols != 0))
        winsize = (struct winsize){ .ws_row = rows, .ws_col = cols };
    uart_init(UART_COM1);
    uart_init(UART_COM2);
    // A terminal stdin is opened read-write on Linux; /dev/null or a pipe
    // read-only (O_RDONLY is 0), and reads nothing from COM1 (port 0).
    files[0] = open_console(0, tty0 * UART_COM1, tty0 * O_RDWR, flags);
    files[1] = open_console(1, UART_COM1, O_WRONLY, flags);
    files[2] = open_console(2, UART_COM2, O_WRONLY, flags);
    // The host holds its stdin back until this line: a byte that reached COM3
    // before its FIFOs were set up would have been reset away.
    if (relay) {
        uart_init(UART_STDIN);
        klog_line("console: input ready");
    }
}

// /dev/tty: opening it reaches the terminal on COM1, or fails with ENXIO
// (no controlling terminal) when the host's stdin is not one, as on Linux.
static struct console tty_console = { .fd = 0, .port = UART_COM1, .tty = true };

static long
tty_open(struct file *f)
{
    if (!manifest_tty(0) && !manifest_tty(1))
        return -ENXIO;
    f->priv = &tty_console;
    return 0;
}

static const struct file_ops tty_ops = {
    .open = tty_open,
    .read = console_read,
    .write = console_write,
    .ioctl = console_ioctl,
    .poll = console_poll,
};

const struct file_ops *
console_tty_ops(void)
{
    return &tty_ops;
}

bool
console_describe(struct file *f, char *buf, size_t len)
{
    struct console *c;

    if (f->ops != &console_ops)
        return false;
    c = f->priv;
    if (c->tty)
        strlcpy(buf, "/dev/pts/0", len);
    else
        snprintf(buf, len, "pipe:[%d]", 1000 + c->fd);
    return true;
}
