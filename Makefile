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
ASFLAGS := -g -Ikernel -Ikernel/include -nostdinc -isystem $(UAPI)
# Linked by gcc for link-time optimisation: inlining across files removes
# calls, and under TCG every translation block costs microseconds at boot.
LDFLAGS := $(CFLAGS) -flto-partition=one -nostdlib -no-pie \
           -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments \
           -Wl,-L,$(B)/gen -Wl,-T,kernel/arch/x86_64/kernel.ld

C_SRCS  := $(shell find kernel syscalls -name '*.c' | sort)
S_SRCS  := $(shell find kernel -name '*.S' | sort)
OBJS    := $(patsubst %.c,$(B)/obj/%.o,$(C_SRCS)) $(patsubst %.S,$(B)/obj/%.o,$(S_SRCS)) \
           $(B)/obj/gen/syscall_table.o

all: $(B)/pkgload.elf

$(UAPI)/.stamp:
	@mkdir -p $(UAPI)
	ln -sfn /usr/include/linux $(UAPI)/linux
	ln -sfn /usr/include/asm-generic $(UAPI)/asm-generic
	ln -sfn /usr/include/x86_64-linux-gnu/asm $(UAPI)/asm
	@touch $@

$(B)/gen/syscall_table.c $(B)/gen/syscall_nr.h $(B)/gen/syscalls.h &: syscalls/table.tsv tools/gen_syscalls.py
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

$(B)/obj/%.o: %.S $(UAPI)/.stamp
	@mkdir -p $(dir $@)
	@echo "  AS $<"
	@$(CC) $(ASFLAGS) -MMD -c $< -o $@

# The IDT and the image's page table: linker-script data that kernel.ld includes.
BOOT_TABLES := $(B)/gen/idt.ld $(B)/gen/boot_pt.ld
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
-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
