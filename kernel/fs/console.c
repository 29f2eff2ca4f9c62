// The standard streams. The host (loader/vm.py) plugs a virtio-console with
// four ports (docs/boot-protocol.md): the program's stdin, stdout, stderr,
// and pkgload's control messages (end of input, terminal modes applied,
// signals, window size). Each stream is a terminal exactly when the host's
// fd is (the manifest says), so isatty(), buffering and TCGETS match a native
// run; otherwise it looks like a pipe. The device is set up at the first use
// of a stream, never at boot; without one, output falls back to the UARTs
// (COM1, COM2) and stdin is empty.
#include "fs/console.h"
#include "fs/file.h"
#include "drivers/uart.h"
#include "drivers/virtio/virtio_console.h"
#include "manifest.h"
#include "mm/uaccess.h"
#include "mm/heap.h"
#include "sched/proc.h"
#include "sched/process.h"
#include "sched/signal.h"
#include "sched/wait.h"
#include "syscalls/restart.h"
#include "lib/string.h"
#include "log.h"
#include "lib/fmt.h"
#include "fs/vfs.h"
#include <asm-generic/errno.h>
#include <asm/stat.h>
#include <asm/termbits.h>
#include <asm-generic/termios.h>
#include <asm/signal.h>
#include <asm-generic/siginfo.h>
#include <linux/stat.h>
#include <asm/ioctls.h>
#include <asm-generic/fcntl.h>
#include <asm-generic/poll.h>

#define TTY_MAJOR 136   // /dev/pts/N

// The ports loader/vm.py plugs (docs/boot-protocol.md, "The console").
#define PORT_STDIN   1
#define PORT_STDOUT  2
#define PORT_STDERR  3
#define PORT_CONTROL 4
#define PORT_BIT(p)  (1u << (p))

// Receive pages posted: stdin's 256 KiB let the host run well ahead of a
// reader (fewer stalls, fewer interrupts); 16-byte control messages need few.
#define STDIN_RX_PAGES   64
#define CONTROL_RX_PAGES 16

// The host's messages on the control port: 16 bytes, little-endian.
struct host_msg {
    uint32_t type;
    uint32_t arg;
    uint64_t value;
};
#define HOST_EOF     1   // value: how many bytes of stdin the host sent in all
#define HOST_ACK     2   // the terminal modes last reported are applied
#define HOST_SIGNAL  3   // arg: the signal; value: 1 when the terminal made it (^C, ^\, ^Z)
#define HOST_WINSIZE 4   // arg: rows << 16 | columns
#define HOST_CLOSED  5   // arg: the host's fd 1 or 2 takes no more (a pipe with no reader)

struct console {
    int fd;             // which standard stream
    unsigned int port;  // virtio-console port for output, 0 for none
    uint16_t uart;      // the fallback's UART for output
    bool tty;
};

static struct console consoles[3];
static struct termios termios = {
    .c_iflag = ICRNL | IXON,
    .c_oflag = OPOST | ONLCR,
    .c_cflag = B38400 | CS8 | CREAD | HUPCL,
    .c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | IEXTEN | ECHOCTL | ECHOKE,
    .c_cc = { [VINTR] = 3,
              [VQUIT] = 28,
              [VERASE] = 127,
              [VKILL] = 21,
              [VEOF] = 4,
              [VSTART] = 17,
              [VSTOP] = 19,
              [VSUSP] = 26,
              [VMIN] = 1 },
};
static struct winsize winsize = { .ws_row = 24, .ws_col = 80 };

// Protected by the kernel lock; the control port's handler (the device's
// interrupt, kernel context) changes the host_ fields.
static int backend;                 // 0: not set up yet, 1: virtio-console, -1: UARTs
static bool stdin_relayed;          // the host sends its stdin (manifest)
static uint64_t host_stdin_total = UINT64_MAX;   // bytes of stdin the host sent, once it says
static uint64_t host_acks, modes_reported;       // terminal mode reports acknowledged / made
static struct proc *console_proc;   // the terminal's process: the program
static int fg_pgrp; // the terminal's foreground process group (tcsetpgrp), 0: the program's
static uint8_t msg_buf[sizeof(struct host_msg)];
static size_t msg_len;

// A signal for the terminal's process: the program's, remembered when it
// got its standard streams (the handler may run on an idle CPU, whose
// current thread belongs to no process).
__after_boot static void
send_to_program(int sig, int code)
{
    struct sig_info info = { .code = code };

    if (signal_send_proc(console_proc, sig, &info) < 0)
        klog("console: signal %d from the host not queued", sig);
}

static int
foreground(void)
{
    return fg_pgrp ? fg_pgrp : console_proc ? console_proc->pgid : 0;
}

// A signal the terminal makes goes to every process of its foreground group.
__after_boot static void
send_to_foreground(int sig)
{
    struct sig_info info = { .code = SI_KERNEL };

    if (signal_send_pgrp(foreground(), sig, &info) < 0)
        klog("console: signal %d from the host not queued", sig);
}

__after_boot static void
host_signal(int sig, bool from_terminal)
{
    if (sig < 1 || sig > NSIG_LINUX) {
        klog("console: the host sent signal %d, which does not exist", sig);
        return;
    }
    // A terminal's signals come from the kernel (SI_KERNEL, as Linux's tty
    // sends them) to its foreground group; one sent to pkgload comes from
    // outside the VM, like a signal from another pid namespace: SI_USER
    // from pid 0, to the program.
    if (from_terminal)
        send_to_foreground(sig);
    else
        send_to_program(sig, SI_USER);
}

__after_boot static void
host_winsize(uint32_t arg)
{
    struct winsize ws = { .ws_row = arg >> 16, .ws_col = arg & 0xffff };

    if (!ws.ws_row || !ws.ws_col || (ws.ws_row == winsize.ws_row && ws.ws_col == winsize.ws_col))
        return;
    winsize = ws;
    send_to_foreground(SIGWINCH); // as Linux's tty does when TIOCSWINSZ changes the size
}

__after_boot static void
host_message(const struct host_msg *m)
{
    switch (m->type) {
    case HOST_EOF: host_stdin_total = m->value; break;
    case HOST_ACK: host_acks++; break;
    case HOST_SIGNAL: host_signal(m->arg, m->value == 1); break;
    case HOST_WINSIZE: host_winsize(m->arg); break;
    case HOST_CLOSED:
        if (m->arg == 1 || m->arg == 2)
            vcon_close(m->arg == 1 ? PORT_STDOUT : PORT_STDERR);
        break;
    default: klog("console: unknown message %u from the host", m->type);
    }
}

// The control port's bytes, as they come: whole messages are acted on at
// once, even while the program never reads (a signal must reach it).
__after_boot static void
control_input(unsigned int port)
{
    size_t n;

    while ((n = vcon_read(port, msg_buf + msg_len, sizeof(msg_buf) - msg_len, -1))) {
        msg_len += n;
        if (msg_len == sizeof(msg_buf)) {
            host_message((const struct host_msg *)msg_buf);
            msg_len = 0;
        }
    }
}

// Set up the device at the first use of a stream. Without one: the UARTs.
__after_boot static bool
console_virtio(void)
{
    if (backend)
        return backend > 0;
    if (vcon_start(PORT_BIT(PORT_STDIN) | PORT_BIT(PORT_CONTROL),
                   PORT_BIT(PORT_STDOUT) | PORT_BIT(PORT_STDERR))) {
        backend = 1;
        vcon_set_input_handler(PORT_CONTROL, control_input);
        vcon_rx_start(PORT_CONTROL, CONTROL_RX_PAGES);
        control_input(PORT_CONTROL); // what the host sent before the port was up
        return true;
    }
    backend = -1;
    klog("console: no virtio-console; output on the UARTs, stdin empty");
    uart_init(UART_COM1);
    uart_init(UART_COM2);
    return false;
}

__after_boot void
console_start(void)
{
    console_virtio();
}

__after_boot void
console_drain(void)
{
    vcon_drain();
}

// All of stdin has arrived and been read: the host said how much it sent.
__after_boot static bool
stdin_at_end(void)
{
    return !stdin_relayed || backend < 0 ||
           (!vcon_readable(PORT_STDIN) && vcon_received(PORT_STDIN) >= host_stdin_total);
}

// Whether a read of stdin would not wait. The host's stdin flows from the
// first time the program reads or polls it.
__after_boot static bool
input_ready(void)
{
    if (!stdin_relayed || !console_virtio())
        return true;
    vcon_rx_start(PORT_STDIN, STDIN_RX_PAGES);
    return vcon_readable(PORT_STDIN) || stdin_at_end();
}

__after_boot static bool
input_ready_cb(void *arg)
{
    return input_ready();
}

// A process outside the terminal's foreground group that reads it (SIG:
// SIGTTIN), or writes with TOSTOP or changes its modes (SIGTTOU), stops
// with its group, as a tty makes it: the signal goes to its group and the
// call restarts once it is continued. One that ignores or blocks the
// signal gets EIO for a read and goes on for the rest (tty(4), Linux's
// tty_check_change).
__after_boot static long
background_check(int sig)
{
    struct proc *p = current_proc();
    struct sig_info info = { .code = SI_KERNEL };
    bool ignored = p->sigactions[sig].handler == (uint64_t)SIG_IGN ||
                   (current_thread()->sig_blocked & (1ull << (sig - 1)));

    if (!manifest.termios || !console_proc || p->sid != console_proc->sid ||
        p->pgid == foreground())
        return 0;
    if (ignored)
        return sig == SIGTTIN ? -EIO : 0;
    if (pgrp_is_orphaned(p->pgid))
        return -EIO; // nobody could continue it: Linux's tty says EIO
    signal_send_pgrp(p->pgid, sig, &info);
    return -ERESTARTSYS;
}

// Wait for at least one byte, then take what has already arrived, like a
// pipe; a terminal in canonical mode gives at most one line per read. A
// signal ends the wait as it ends a tty's read on Linux (ERESTARTSYS).
// 1: bytes may be read now; 0: end of input; or the error.
__after_boot static long
wait_for_input(struct file *f)
{
    struct console *c = f->priv;
    long ret;

    if (c->tty && (ret = background_check(SIGTTIN)) < 0)
        return ret;
    if (!input_ready()) {
        if (f->flags & O_NONBLOCK)
            return -EAGAIN;
        if (wait_event(WAIT_FOREVER, input_ready_cb, NULL, true) == -EINTR)
            return -ERESTARTSYS;
    }
    return stdin_relayed && backend > 0;
}

// The byte a read stops after: a newline for a terminal in canonical mode.
__after_boot static int
read_stop(const struct console *c)
{
    return c->tty && (termios.c_lflag & ICANON) ? '\n' : -1;
}

__after_boot static ssize_t
console_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    long ret = wait_for_input(f);

    if (ret <= 0)
        return ret;
    return vcon_read(PORT_STDIN, buf, n, read_stop(f->priv));
}

// As console_read, copying from the receive buffers straight to the program.
__after_boot static ssize_t
console_read_user(struct file *f, char __user *buf, size_t n, uint64_t *pos)
{
    int stop = read_stop(f->priv);
    const uint8_t *src;
    size_t got = 0, k;
    long ret = wait_for_input(f);

    if (ret <= 0)
        return ret;
    while (got < n && (k = vcon_peek(PORT_STDIN, &src))) {
        const uint8_t *end = stop >= 0 ? memchr(src, stop, MIN(k, n - got)) : NULL;
        k = end ? (size_t)(end - src) + 1 : MIN(k, n - got);
        if (copy_to_user(buf + got, src, k) < 0)
            return got ? (ssize_t)got : -EFAULT;
        got += k;
        vcon_consume(PORT_STDIN, k);
        if (end)
            break;
    }
    return got;
}

__after_boot static bool
writable(void *port)
{
    return vcon_writable((uintptr_t)port);
}

// Bytes for a write: from the kernel's buffer, or (USER) the program's memory.
struct write_src {
    const char *buf;
    bool user;
};

__after_boot static long
copy_in(void *dst, const struct write_src *src, size_t off, size_t n)
{
    if (src->user)
        return copy_from_user(dst, (const char __user *)src->buf + off, n);
    memcpy(dst, src->buf + off, n);
    return 0;
}

// Without the device: to the UART, through a small buffer when from the program.
__after_boot static ssize_t
write_uart(struct console *c, const struct write_src *src, size_t n)
{
    char chunk[256];

    for (size_t done = 0, k; done < n; done += k) {
        k = MIN(n - done, sizeof(chunk));
        if (copy_in(chunk, src, done, k) < 0)
            return done ? (ssize_t)done : -EFAULT;
        uart_write(c->uart, chunk, k);
    }
    return n;
}

// One page's worth of SRC from DONE into the port's transmit page: the bytes
// queued, or -EAGAIN (the device holds the page), -EPIPE, -EIO, -EFAULT.
__after_boot static ssize_t
queue_page(unsigned int port, const struct write_src *src, size_t done, size_t n)
{
    void *page;
    ssize_t room = vcon_tx_page(port, &page);

    if (room < 0)
        return room;
    room = MIN((size_t)room, n - done);
    if (copy_in(page, src, done, room) < 0)
        return -EFAULT;
    vcon_tx_send(port, room);
    return room;
}

// Queue the bytes a page at a time, copied into the transmit page straight
// from where they are; wait until the device has taken the last (a write
// returns once its bytes are out, as into a pipe). A signal ends the wait:
// what was queued by then counts as written. When the host's end has no
// reader any more, EPIPE and SIGPIPE, as for a pipe.
__after_boot static ssize_t
write_out(struct file *f, const struct write_src *src, size_t n)
{
    struct console *c = f->priv;
    void *port = (void *)(uintptr_t)c->port;
    size_t done = 0;
    long ret;

    if (!c->port)
        return -EBADF;
    if (c->tty && (termios.c_lflag & TOSTOP) && (ret = background_check(SIGTTOU)) < 0)
        return ret;
    if (!console_virtio())
        return write_uart(c, src, n);
    while (done < n) {
        ssize_t w = queue_page(c->port, src, done, n);
        if (w == -EAGAIN && (f->flags & O_NONBLOCK))
            return done ? (ssize_t)done : -EAGAIN;
        if (w == -EAGAIN && wait_event(WAIT_FOREVER, writable, port, true) == -EINTR)
            return done ? (ssize_t)done : -ERESTARTSYS;
        if (w == -EPIPE && !current_thread()->rw_nosignal)
            signal_send(SIGPIPE);
        if (w < 0 && w != -EAGAIN)
            return done ? (ssize_t)done : w;
        done += w > 0 ? w : 0;
    }
    if (!(f->flags & O_NONBLOCK))
        wait_event(WAIT_FOREVER, writable, port, true);
    return n;
}

__after_boot static ssize_t
console_write(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
    struct write_src src = { .buf = buf, .user = false };

    return write_out(f, &src, n);
}

// As console_write, copying from the program straight into the transmit page.
__after_boot static ssize_t
console_write_user(struct file *f, const char __user *buf, size_t n, uint64_t *pos)
{
    struct write_src src = { .buf = (const char *)buf, .user = true };

    return write_out(f, &src, n);
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
__after_boot static void
report_modes(unsigned int cmd)
{
    char cc[NCCS * 3 + 1], *p = cc;

    for (int i = 0; i < NCCS; i++)
        p += snprintf(p, cc + sizeof(cc) - p, i ? ",%x" : "%x", termios.c_cc[i]);
    klog("tty: set %s %x %x %x %x %s",
         cmd == TCSETS    ? "now"
         : cmd == TCSETSW ? "drain"
                          : "flush",
         termios.c_iflag, termios.c_oflag, termios.c_cflag, termios.c_lflag, cc);
    modes_reported++;
}

__after_boot static bool
host_caught_up(void *arg)
{
    return host_acks >= modes_reported;
}

// Wait until the host has applied the modes just reported, so that what
// the program prints next meets the terminal in its new modes. Input that
// comes meanwhile stays in the stdin port's buffers.
__after_boot static void
wait_for_host_modes(void)
{
    if (console_virtio())
        wait_until(WAIT_FOREVER, host_caught_up, NULL);
}

// tcsetpgrp(3): a group of the caller's session (ESRCH when none has that
// id, EPERM in another session); a background caller is sent SIGTTOU
// first, as by a write, unless it ignores or blocks it.
__after_boot static long
set_foreground(uint64_t arg)
{
    struct proc *p = current_proc();
    long ret;
    int pgrp;

    if (copy_from_user(&pgrp, (void *)arg, sizeof(pgrp)) < 0)
        return -EFAULT;
    if (pgrp < 0)
        return -EINVAL;
    if ((ret = background_check(SIGTTOU)) < 0)
        return ret;
    if (!proc_group_exists(pgrp, -1))
        return -ESRCH;
    if (!proc_group_exists(pgrp, p->sid))
        return -EPERM;
    fg_pgrp = pgrp;
    return 0;
}

static long
tty_ioctl(struct console *c, unsigned int cmd, uint64_t arg)
{
    switch (cmd) {
    case TCGETS: return copy_to_user((void *)arg, &termios, sizeof(termios));
    case TCSETS:
    case TCSETSW:
    case TCSETSF: {
        long ret = background_check(SIGTTOU);
        if (ret < 0)
            return ret;
        ret = copy_from_user(&termios, (void *)arg, sizeof(termios));
        if (ret == 0 && manifest.termios && manifest_stdin_relay()) { // the host mirrors them
            report_modes(cmd);
            wait_for_host_modes();
        }
        return ret;
    }
    case TIOCGWINSZ: return copy_to_user((void *)arg, &winsize, sizeof(winsize));
    case TIOCSWINSZ: return copy_from_user(&winsize, (void *)arg, sizeof(winsize));
    case TIOCGPGRP: {
        int pgrp = foreground();
        return copy_to_user((void *)arg, &pgrp, sizeof(pgrp));
    }
    case TIOCSPGRP: // job control shells make a job's group the foreground one
        return set_foreground(arg);
    case TIOCGSID: {
        int sid = current_proc()->sid;
        return copy_to_user((void *)arg, &sid, sizeof(sid));
    }
    case TIOCSCTTY: // it already is the controlling terminal
        return 0;
    default: return -ENOTTY;
    }
}

// FIONREAD: bytes a read would return now without waiting (those of the
// receive buffer being read: never more than are there).
__after_boot static int
input_available(void)
{
    if (!stdin_relayed || !console_virtio())
        return 0;
    vcon_rx_start(PORT_STDIN, STDIN_RX_PAGES);
    return vcon_readable(PORT_STDIN) ? vcon_buffered(PORT_STDIN) : 0;
}

static long
console_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
    struct console *c = f->priv;

    if (cmd == FIONREAD) {
        int avail = c->fd == 0 ? input_available() : 0;
        return copy_to_user((void *)arg, &avail, sizeof(avail));
    }
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
    st->st_dev = c->tty ? 0x19 : 0xd; // devpts, or pipefs
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

__after_boot static uint32_t
console_poll(struct file *f)
{
    uint32_t ev = 0;

    if ((f->flags & O_ACCMODE) != O_RDONLY)
        ev |= POLLOUT | POLLWRNORM;
    if ((f->flags & O_ACCMODE) != O_WRONLY && input_ready())
        ev |= POLLIN | POLLRDNORM | (stdin_at_end() ? POLLHUP : 0);
    return ev;
}

static const struct file_ops console_ops = {
    .poll = console_poll,
    .read = console_read,
    .read_user = console_read_user,
    .write = console_write,
    .write_user = console_write_user,
    .ioctl = console_ioctl,
    .stat = console_stat,
};

// Every field written, none left to a zeroing pass: one block of code at boot.
static struct file *
open_console(int fd, unsigned int port, uint16_t uart, uint32_t flags, uint32_t manifest_flags)
{
    struct file *f = kmalloc(sizeof(*f));

    if (!f)
        panic("out of memory opening the console");
    consoles[fd].fd = fd;
    consoles[fd].port = port;
    consoles[fd].uart = uart;
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

// Straight into the new process's empty table: nothing to close or search,
// and no device touched (console_virtio does that at the first use).
void
console_open_stdio(void)
{
    uint32_t flags = manifest.raw->flags, rows = manifest.raw->win_rows,
             cols = manifest.raw->win_cols;
    bool tty0 = flags & MANIFEST_TTY0;
    struct file **files = current_proc()->fds->files;

    stdin_relayed = flags & MANIFEST_STDIN_RELAY;
    console_proc = current_proc();
    if (manifest.termios)
        load_host_modes(manifest.termios);
    if ((rows != 0) & (cols != 0))
        winsize = (struct winsize){ .ws_row = rows, .ws_col = cols };
    // A terminal stdin is opened read-write on Linux (writing it reaches the
    // terminal: stdout's port); /dev/null or a pipe read-only (O_RDONLY is 0).
    files[0] = open_console(0, tty0 * PORT_STDOUT, tty0 * UART_COM1, tty0 * O_RDWR, flags);
    files[1] = open_console(1, PORT_STDOUT, UART_COM1, O_WRONLY, flags);
    files[2] = open_console(2, PORT_STDERR, UART_COM2, O_WRONLY, flags);
}

// /dev/tty: opening it reaches the terminal (stdout's port), or fails with
// ENXIO (no controlling terminal) when the host's stdin is not one, as on Linux.
static struct console tty_console = { .fd = 0,
                                      .port = PORT_STDOUT,
                                      .uart = UART_COM1,
                                      .tty = true };

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
    .read_user = console_read_user,
    .write = console_write,
    .write_user = console_write_user,
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
