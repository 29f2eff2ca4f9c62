// lwIP's compiler and platform header for the kernel: freestanding types,
// printf formats, byte order, and diagnostics into the kernel log.
#pragma once
#include "types.h"

#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H    1
#define LWIP_NO_UNISTD_H   1
#define LWIP_NO_LIMITS_H   1   // gcc's limits.h wants the libc's
#define INT_MAX            __INT_MAX__
#define SSIZE_MAX          INT64_MAX   // ssize_t is types.h's

#define X8_F  "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "lu"

#define BYTE_ORDER    LITTLE_ENDIAN
#define lwip_htons(x) __builtin_bswap16(x)
#define lwip_htonl(x) __builtin_bswap32(x)

void klog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define LWIP_PLATFORM_DIAG(x)                                                                      \
    do {                                                                                           \
        klog x;                                                                                    \
    } while (0)
#define LWIP_PLATFORM_ASSERT(x) panic("lwIP: %s (%s:%d)", (x), __FILE__, __LINE__)
