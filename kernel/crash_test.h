// A crash on purpose, for tests only (kernel/crash_test.c).
#pragma once
#include "types.h"

__noreturn void crash_test_run(uint32_t kind);  // kind: the manifest's CRASH bits, 1..3
