// The vDSO (kernel/vdso/, built and checked by the Makefile) in the kernel
// image: page aligned and padded to whole pages, so exec maps its pages into
// the program as they are and no other kernel data shares them.
    .section .rodata.vdso, "a"
    .balign 4096
    .globl vdso_image
vdso_image:
    .incbin VDSO_SO
    .balign 4096
