// The 8259 PICs come out of reset delivering IRQs on vectors 0-15, on top of
// the CPU's exceptions. Move them to 0x20-0x2f (ICW1-ICW4), then mask every line:
// the kernel uses the local APIC for its interrupts.
#include "drivers/pic.h"
#include "arch/x86_64/cpu.h"

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1

void
pic_disable(void)
{
    outb(PIC1_CMD, 0x11);     // ICW1: init, ICW4 follows
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, 0x20);    // ICW2: vector base
    outb(PIC2_DATA, 0x28);
    outb(PIC1_DATA, 0x04);    // ICW3: slave on IRQ2
    outb(PIC2_DATA, 0x02);
    outb(PIC1_DATA, 0x01);    // ICW4: 8086 mode
    outb(PIC2_DATA, 0x01);
    outb(PIC1_DATA, 0xff);    // mask all
    outb(PIC2_DATA, 0xff);
}
