// The node and domain names of the machine: one VM is one machine, so one
// pair for every process (Linux's initial UTS namespace).
#include "uts.h"
#include "manifest.h"
#include "lib/string.h"

static char nodename[UTS_NAME_MAX + 1];
static bool nodename_set;   // else the manifest's hostname
static char domainname[UTS_NAME_MAX + 1] = "(none)";

const char *
uts_nodename(void)
{
    return nodename_set ? nodename : manifest.hostname;
}

const char *
uts_domainname(void)
{
    return domainname;
}

void
uts_set_nodename(const char *name, size_t len)
{
    memset(nodename, 0, sizeof(nodename));
    memcpy(nodename, name, len);
    nodename_set = true;
}

void
uts_set_domainname(const char *name, size_t len)
{
    memset(domainname, 0, sizeof(domainname));
    memcpy(domainname, name, len);
}
