// Formatting: a small vsnprintf with %d %i %u %x %p %s %c %%, widths, '0' pad, 'l'/'ll'/'z'.
#pragma once
#include "types.h"

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
