// What an address space uses, counted from its regions and its page table
// when asked (mm/usage.c): /proc/PID/stat, statm and status report it.
#pragma once
#include "types.h"

struct mm;

// Sizes in pages, except where said; the fields /proc's files show.
struct mm_usage {
    uint64_t total;                     // every region: VmSize
    uint64_t rss_anon, rss_file, rss_shmem;  // present pages, by what backs the region
    uint64_t data, stack;               // private writable (not stack), and stack: VmData, VmStk
    uint64_t exec;                      // executable, not writable: VmExe + VmLib
    uint64_t start_code, end_code;      // the program's text (addresses): VmExe, statm's text
    uint64_t start_data, end_data;      // the program's writable segment (addresses)
    uint64_t table_bytes;               // page tables under the user half: VmPTE
    uint64_t peak_total, peak_rss;      // the highest total and RSS counted: VmPeak, VmHWM
};

// Count MM's use now, and raise its recorded peaks. Caller holds the kernel lock.
void mm_usage(struct mm *mm, struct mm_usage *out);
