// <string.h> for lwIP's sources: the kernel's own string functions.
#pragma once
#include "lib/string.h"
