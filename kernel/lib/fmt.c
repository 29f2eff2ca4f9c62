// A small vsnprintf for kernel messages. Always NUL-terminates; returns the
// length it would have written, like C's.
#include "lib/fmt.h"
#include "lib/string.h"

struct out {
    char *buf;
    size_t size, len;
};

static void
put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void
put_num(struct out *o, uint64_t v, int base, bool neg, int width, char pad)
{
    char tmp[24];
    int n = 0;

    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (neg)
        tmp[n++] = '-';
    while (width-- > n)
        put(o, pad);
    while (n)
        put(o, tmp[--n]);
}

static void
put_str(struct out *o, const char *s, int width, bool left)
{
    int len = s ? (int)strlen(s) : 6;

    if (!s)
        s = "(null)";
    for (int i = len; !left && i < width; i++)
        put(o, ' ');
    while (*s)
        put(o, *s++);
    for (int i = len; left && i < width; i++)
        put(o, ' ');
}

// One conversion starting after '%'; returns the pointer past it.
static const char *
convert(struct out *o, const char *f, va_list *ap)
{
    bool left = false, is_long = false;
    char pad = ' ';
    int width = 0;

    if (*f == '-')
        left = true, f++;
    if (*f == '0')
        pad = '0', f++;
    while (*f >= '0' && *f <= '9')
        width = width * 10 + (*f++ - '0');
    while (*f == 'l' || *f == 'z')
        is_long = true, f++;

    switch (*f) {
    case 'd':
    case 'i': {
        int64_t v = is_long ? va_arg(*ap, int64_t) : va_arg(*ap, int);
        put_num(o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width, pad);
        break;
    }
    case 'u':
        put_num(o, is_long ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned), 10, false, width, pad);
        break;
    case 'x':
        put_num(o, is_long ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned), 16, false, width, pad);
        break;
    case 'o':
        put_num(o, is_long ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned), 8, false, width, pad);
        break;
    case 'p':
        put(o, '0'), put(o, 'x');
        put_num(o, (uint64_t)va_arg(*ap, void *), 16, false, 16, '0');
        break;
    case 's': put_str(o, va_arg(*ap, const char *), width, left); break;
    case 'c': put(o, (char)va_arg(*ap, int)); break;
    case '%': put(o, '%'); break;
    default: put(o, '%'), put(o, *f);
    }
    return *f ? f + 1 : f;
}

int
vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };
    va_list ap2;

    va_copy(ap2, ap);
    while (*fmt) {
        if (*fmt != '%')
            put(&o, *fmt++);
        else
            fmt = convert(&o, fmt + 1, &ap2);
    }
    va_end(ap2);
    if (size)
        buf[o.len < size ? o.len : size - 1] = 0;
    return (int)o.len;
}

int
snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
