// The program's standard streams: fd 0, 1, 2 as the host sees them.
#pragma once
#include "types.h"
void console_open_stdio(void);   // installs fds 0, 1, 2 in the current process
