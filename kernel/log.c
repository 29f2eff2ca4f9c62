// klog formats into a stack buffer and sends it to the debug console.
#include "log.h"
#include "lib/fmt.h"
#include "drivers/debugcon.h"
#include "lib/string.h"

void
klog_line(const char *line)
{
    debugcon_write(line, strlen(line));
    debugcon_write("\n", 1);
}

void
klog(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(buf) - 2)
        n = sizeof(buf) - 2;
    buf[n++] = '\n';
    debugcon_write(buf, n);
}
