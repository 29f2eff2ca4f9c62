# Builds the guest kernel: build/kernel/pkgload.elf (a PVH ELF that QEMU boots with -kernel).
# The kernel is linked twice: the second link embeds a table of its own function
# symbols (after .text, so text addresses do not move) for symbolised backtraces.

CC      ?= gcc
PYTHON  ?= python3
B       := build/kernel
GCCINC  := $(shell $(CC) -print-file-name=include)

# Linux UAPI headers (linux-libc-dev) give the ABI's constants and structs; nothing else
# from the host's include path is visible to the kernel.
UAPI    := $(B)/uapi

CFLAGS  := -std=gnu11 -Os -flto -g -Wall -Wextra -Werror=implicit-function-declaration \
           -Wno-unused-parameter -Wno-sign-compare \
           -ffreestanding -fno-builtin-printf -fno-stack-protector -fno-pic -fno-pie \
           -mcmodel=kernel -mno-red-zone -mgeneral-regs-only -fno-omit-frame-pointer \
           -fno-asynchronous-unwind-tables -fcf-protection=none -fno-strict-aliasing \
           -nostdinc -isystem $(GCCINC) -isystem $(UAPI) -I. -Ikernel -Ikernel/include -I$(B)/gen
CFLAGS  += $(EXTRA_CFLAGS)   # for experiments: make EXTRA_CFLAGS=...
# lwIP's headers for kernel/net and drivers: its own, then our port's (lwipopts.h, arch/cc.h,
# and <string.h>/<stdlib.h> mapped to the kernel's).
LWIP_SRC := build/third_party/lwip/src
CFLAGS  += -I$(LWIP_SRC)/include -Ikernel/net/lwip -Ikernel/net/lwip/shim
ASFLAGS := -g -Ikernel -Ikernel/include -nostdinc -isystem $(UAPI)
# Linked by gcc for link-time optimisation: inlining across files removes
# calls, and under TCG every translation block costs microseconds at boot.
LDFLAGS := $(CFLAGS) -flto-partition=one -nostdlib -no-pie \
           -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments \
           -Wl,-L,$(B)/gen -Wl,-T,kernel/arch/x86_64/kernel.ld

# kernel/vdso/ is not kernel code: it is the vDSO, built on its own (below).
C_SRCS  := $(shell find kernel syscalls -name '*.c' -not -path 'kernel/vdso/*' | sort)
S_SRCS  := $(shell find kernel -name '*.S' | sort)
# lwIP from Debian's source package (tools/fetch-lwip; nothing of it is committed): the core,
# IPv4, IPv6, TCP, UDP, DHCP, Ethernet; not its socket API (ours is kernel/net).
LWIP_C  := $(addprefix core/,init.c def.c inet_chksum.c ip.c mem.c memp.c netif.c pbuf.c \
             stats.c sys.c tcp.c tcp_in.c tcp_out.c timeouts.c udp.c) \
           $(addprefix core/ipv4/,dhcp.c etharp.c icmp.c ip4_frag.c ip4.c ip4_addr.c) \
           $(addprefix core/ipv6/,ethip6.c icmp6.c inet6.c ip6.c ip6_addr.c ip6_frag.c mld6.c \
             nd6.c) \
           netif/ethernet.c
LWIP_OBJS := $(patsubst %.c,$(B)/obj/lwip/%.o,$(LWIP_C))
OBJS    := $(patsubst %.c,$(B)/obj/%.o,$(C_SRCS)) $(patsubst %.S,$(B)/obj/%.o,$(S_SRCS)) \
           $(B)/obj/gen/syscall_table.o $(LWIP_OBJS)
ifneq ($(MAKECMDGOALS),clean)
ifeq ($(wildcard $(LWIP_SRC)/core/init.c),)
$(error lwIP's source is missing from $(LWIP_SRC): run tools/fetch-lwip (tools/setup does))
endif
endif

all: $(B)/pkgload.elf

$(UAPI)/.stamp:
	@mkdir -p $(UAPI)
	ln -sfn /usr/include/linux $(UAPI)/linux
	ln -sfn /usr/include/asm-generic $(UAPI)/asm-generic
	ln -sfn /usr/include/x86_64-linux-gnu/asm $(UAPI)/asm
	@touch $@

$(B)/gen/syscall_table.c $(B)/gen/syscall_nr.h $(B)/gen/syscalls.h &: syscalls/table.tsv tools/gen_syscalls.py \
                                                           loader/trace_spec.py
	@mkdir -p $(B)/gen
	$(PYTHON) tools/gen_syscalls.py syscalls/table.tsv $(B)/gen

# The manifest's layout (kernel/manifest.tsv), which the host reads too.
$(B)/gen/manifest_layout.h $(B)/gen/manifest.ld &: kernel/manifest.tsv tools/gen_manifest.py \
                                                  loader/manifest_layout.py
	@mkdir -p $(B)/gen
	$(PYTHON) tools/gen_manifest.py $(B)/gen

$(B)/obj/gen/syscall_table.o: $(B)/gen/syscall_table.c $(UAPI)/.stamp
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CFLAGS) -MMD -c $< -o $@

$(B)/obj/%.o: %.c $(UAPI)/.stamp $(B)/gen/syscall_nr.h $(B)/gen/syscalls.h $(B)/gen/manifest_layout.h
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CFLAGS) -MMD -c $< -o $@

# lwIP is compiled outside LTO so its code can be moved after the kernel's boot text
# (types.h, __after_boot): nothing of it runs before the program starts.
$(B)/obj/lwip/%.o: $(LWIP_SRC)/%.c $(UAPI)/.stamp
	@mkdir -p $(dir $@)
	@echo "  CC $< (lwIP)"
	@$(CC) $(CFLAGS) -fno-lto -Wno-address -MMD -c $< -o $@
	@objcopy --rename-section .text=.text_after_boot $@

$(B)/obj/%.o: %.S $(UAPI)/.stamp
	@mkdir -p $(dir $@)
	@echo "  AS $<"
	@$(CC) $(ASFLAGS) -MMD -c $< -o $@

# The vDSO: a shared object of our own that exec maps into every program,
# embedded in the kernel (kernel/exec/vdso_image.S) once tools/check_vdso.py
# has found it fit: no relocations, nothing undefined, nothing writable, the
# symbols and the version glibc, musl and Go look for.
VDSO    := $(B)/vdso/vdso.so
VDSO_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -fPIC -fvisibility=hidden -ffreestanding \
           -fno-stack-protector -fcf-protection=none \
           -nostdinc -isystem $(GCCINC) -isystem $(UAPI) -Ikernel
VDSO_LDFLAGS := -shared -nostdlib -Wl,-T,kernel/vdso/vdso.lds -Wl,--hash-style=both -Wl,-Bsymbolic \
           -Wl,-soname=linux-vdso.so.1 -Wl,--no-undefined -Wl,-z,max-page-size=4096 \
           -Wl,--eh-frame-hdr -Wl,--build-id=sha1

$(B)/vdso/vdso.o: kernel/vdso/vdso.c $(UAPI)/.stamp
	@mkdir -p $(dir $@)
	@echo "  CC $< (vDSO)"
	@$(CC) $(VDSO_CFLAGS) -MMD -c $< -o $@

$(VDSO): $(B)/vdso/vdso.o kernel/vdso/vdso.lds tools/check_vdso.py
	$(CC) $(VDSO_LDFLAGS) -o $@.tmp $<
	$(PYTHON) tools/check_vdso.py $@.tmp
	mv $@.tmp $@

# Its size in pages, a constant for exec's mapping (kernel/exec/vdso.c).
$(B)/gen/vdso_pages.h: $(VDSO)
	@mkdir -p $(B)/gen
	echo "#define VDSO_PAGES $$(( ($$(stat -c %s $<) + 4095) / 4096 ))" > $@

$(B)/obj/kernel/exec/vdso_image.o: ASFLAGS += -DVDSO_SO='"$(VDSO)"'
$(B)/obj/kernel/exec/vdso_image.o: $(VDSO)
$(B)/obj/kernel/exec/vdso.o: $(B)/gen/vdso_pages.h

# The IDT and the image's page table: linker-script data that kernel.ld includes.
BOOT_TABLES := $(B)/gen/idt.ld $(B)/gen/boot_pt.ld $(B)/gen/boot_pt_direct.ld $(B)/gen/boot_pd_direct.ld
LD_INCLUDES := $(BOOT_TABLES) $(B)/gen/manifest.ld
$(BOOT_TABLES) &: tools/gen_boot_tables.py
	@mkdir -p $(B)/gen
	$(PYTHON) tools/gen_boot_tables.py $(B)/gen

# Pass 1 links with an empty symbol table; pass 2 with the real one.
$(B)/ksyms0.o: tools/gen_ksyms.py
	@mkdir -p $(B)
	$(PYTHON) tools/gen_ksyms.py /dev/null $(B)/ksyms0.S
	$(CC) $(ASFLAGS) -c $(B)/ksyms0.S -o $@

$(B)/pass1.elf: $(OBJS) $(B)/ksyms0.o kernel/arch/x86_64/kernel.ld $(LD_INCLUDES)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(B)/ksyms0.o

$(B)/ksyms.o: $(B)/pass1.elf tools/gen_ksyms.py
	nm -n --defined-only $< > $(B)/pass1.nm
	$(PYTHON) tools/gen_ksyms.py $(B)/pass1.nm $(B)/ksyms.S
	$(CC) $(ASFLAGS) -c $(B)/ksyms.S -o $@

$(B)/pkgload.elf: $(OBJS) $(B)/ksyms.o kernel/arch/x86_64/kernel.ld $(LD_INCLUDES)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(B)/ksyms.o
	$(PYTHON) tools/check_ksyms.py $(B)/pass1.elf $@

clean:
	rm -rf $(B)

.PHONY: all clean
-include $(shell find $(B)/obj $(B)/vdso -name '*.d' 2>/dev/null)
