// Starting the application processors (smp.c): once, when the program
// first makes a thread, so a single-threaded program never pays for them.
#pragma once

void smp_start(void);       // caller holds the kernel lock; later calls return at once
#include "types.h"
uint32_t smp_cpus_present(void);   // what the program sees as its CPUs, started or not
