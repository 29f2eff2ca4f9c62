// The machine's names uname(2) reports: the node name (the manifest's
// hostname until sethostname(2)) and the NIS domain name ("(none)" until
// setdomainname(2)).
#pragma once
#include "types.h"

#define UTS_NAME_MAX 64   // Linux's __NEW_UTS_LEN: the longest name, without its NUL

const char *uts_nodename(void);
const char *uts_domainname(void);
// Set one of them to the LEN bytes at NAME (LEN <= UTS_NAME_MAX; NUL bytes kept, as Linux).
void uts_set_nodename(const char *name, size_t len);
void uts_set_domainname(const char *name, size_t len);
