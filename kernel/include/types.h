// Basic types and helpers every kernel file uses.
#pragma once
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

#define __user         // marks a pointer into the program's memory: never dereference it
#define __noreturn     __attribute__((noreturn))
#define __packed       __attribute__((packed))
#define __maybe_unused __attribute__((unused))
// Code that never runs before the program's first instruction: linked after
// all other text (kernel.ld), so adding or changing it cannot move boot code
// across page boundaries, where TCG's translation blocks end (more blocks
// and re-translated instructions at boot: docs/kernel.md, "Boot code").
#define __after_boot     __attribute__((section(".text_after_boot")))
#define ARRAY_SIZE(a)    (sizeof(a) / sizeof((a)[0]))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define ALIGN_UP(x, a)   ALIGN_DOWN((x) + (a) - 1, (a))
#define MIN(a, b)        ((a) < (b) ? (a) : (b))
#define MAX(a, b)        ((a) > (b) ? (a) : (b))
#define likely(x)        __builtin_expect(!!(x), 1)
#define unlikely(x)      __builtin_expect(!!(x), 0)

typedef int64_t ssize_t;
typedef int64_t off_t;
