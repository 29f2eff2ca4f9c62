// 16550 UART output with the FIFO on: after the line status register says the
// transmitter is empty we may write 16 bytes, which cuts port reads 16-fold.
// Input (COM3 only) is read when the line status says a byte waits; a wait for
// one halts the CPU until COM3's receive interrupt.
#include "drivers/uart.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "sched/wait.h"

#define REG_DATA 0
#define REG_IER  1
#define REG_FCR  2
#define REG_LSR  5
#define LSR_DR   0x01   // a received byte is waiting
#define LSR_THRE 0x20   // transmit holding register (and FIFO) empty
#define LSR_TEMT 0x40   // transmitter completely idle
#define IER_RX   0x01   // interrupt when a received byte is waiting
#define FIFO_LEN 16

// A byte that arrived before uart_init: turning the FIFOs on resets them
// (QEMU's 16550 does, like the real part), so it is read out first and kept.
// Index 0 is COM1, 1 is COM2, 2 is COM3.
static int early_byte[3] = { -1, -1, -1 };

static int *
early_slot(uint16_t base)
{
    return &early_byte[base == UART_COM1 ? 0 : base == UART_COM2 ? 1 : 2];
}

// Only the FIFOs need turning on. The rest of a 16550's set-up (no
// interrupts, 8N1, divisor, modem lines) is what QEMU's UART already has
// after reset or ignores (it forwards bytes whatever the line settings), and
// every port access is an exit to QEMU: seven fewer per port at boot.
void
uart_init(uint16_t base)
{
    if (inb(base + REG_LSR) & LSR_DR)
        *early_slot(base) = inb(base + REG_DATA);
    outb(base + REG_FCR, 0x07);   // FIFO on, both FIFOs cleared
}

static void
wait_empty(uint16_t base)
{
    while (!(inb(base + REG_LSR) & LSR_THRE))
        cpu_relax();
}

void
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

bool
uart_can_read(uint16_t base)
{
    return *early_slot(base) >= 0 || (inb(base + REG_LSR) & LSR_DR);
}

// Let COM3's IRQ (5, loader/vm.py) end a wait: called before a wait for input
// first finds none. Only COM3 receives, so only it has an interrupt. With the
// FIFO trigger at one byte (uart_init's FCR), every byte that finds the FIFO
// empty raises the line; turning IER on with a byte already waiting raises
// it too, so no byte can slip between a check and the halt unnoticed.
__after_boot void
uart_enable_rx_irq(uint16_t base)
{
    static bool on;

    if (on || base != UART_COM3)
        return;
    irq_route_isa(UART_COM3_IRQ, IRQ_VEC_INPUT);
    outb(base + REG_IER, IER_RX);
    on = true;
}

__after_boot static bool
can_read(void *base)
{
    return uart_can_read((uint16_t)(uintptr_t)base);
}

// Halts until a byte comes (sched/wait.c): a program waiting for input costs
// the host nothing.
uint8_t
uart_read_byte(uint16_t base)
{
    int *early = early_slot(base);

    if (*early >= 0) {
        uint8_t b = *early;
        *early = -1;
        return b;
    }
    if (!uart_can_read(base)) {
        uart_enable_rx_irq(base);
        wait_until(WAIT_FOREVER, can_read, (void *)(uintptr_t)base);
    }
    return inb(base + REG_DATA);
}
