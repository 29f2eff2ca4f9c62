// 16550 UARTs: COM1 carries the program's stdout, COM2 its stderr, COM3's
// receive side its stdin (docs/boot-protocol.md: output and input need
// different QEMU chardevs, so they are on different UARTs).
#pragma once
#include "types.h"

#define UART_COM1 0x3f8
#define UART_COM2 0x2f8
#define UART_COM3 0x3e8
#define UART_STDIN UART_COM3
#define UART_COM3_IRQ 5     // ISA IRQ (loader/vm.py: isa-serial ... irq=5)

void uart_init(uint16_t base);
void uart_write(uint16_t base, const char *buf, size_t n);
void uart_flush(uint16_t base);
bool uart_can_read(uint16_t base);
uint8_t uart_read_byte(uint16_t base);     // waits for one (halted, not spinning)
void uart_enable_rx_irq(uint16_t base);    // COM3: a received byte interrupts (ends a wait)
