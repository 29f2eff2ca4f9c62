// 16550 UART output with the FIFO on: after the line status register says the
// transmitter is empty we may write 16 bytes, which cuts port reads 16-fold.
// The fallback for the program's output when there is no virtio-console
// (fs/console.c); the host keeps COM1 and COM2 on its stdout and stderr.
#include "drivers/uart.h"
#include "arch/x86_64/cpu.h"

#define REG_DATA 0
#define REG_FCR  2
#define REG_LSR  5
#define LSR_THRE 0x20   // transmit holding register (and FIFO) empty
#define LSR_TEMT 0x40   // transmitter completely idle
#define FIFO_LEN 16

// Only the FIFOs need turning on. The rest of a 16550's set-up (no
// interrupts, 8N1, divisor, modem lines) is what QEMU's UART already has
// after reset or ignores (it forwards bytes whatever the line settings), and
// every port access is an exit to QEMU.
__after_boot void
uart_init(uint16_t base)
{
    outb(base + REG_FCR, 0x07);   // FIFO on, both FIFOs cleared
}

__after_boot static void
wait_empty(uint16_t base)
{
    while (!(inb(base + REG_LSR) & LSR_THRE))
        cpu_relax();
}

__after_boot void
uart_write(uint16_t base, const char *buf, size_t n)
{
    while (n) {
        size_t chunk = n < FIFO_LEN ? n : FIFO_LEN;
        wait_empty(base);
        __asm__ volatile("rep outsb" : "+S"(buf), "+c"(chunk) : "d"(base + REG_DATA) : "memory");
        n -= n < FIFO_LEN ? n : FIFO_LEN;
    }
}

// Wait until every byte has left the UART, so nothing is lost when QEMU exits.
void
uart_flush(uint16_t base)
{
    while ((inb(base + REG_LSR) & (LSR_THRE | LSR_TEMT)) != (LSR_THRE | LSR_TEMT))
        cpu_relax();
}
