// 16550 UARTs COM1 and COM2: the program's stdout and stderr when the host
// gives no virtio-console (fs/console.c). Output only.
#pragma once
#include "types.h"

#define UART_COM1 0x3f8
#define UART_COM2 0x2f8

void uart_init(uint16_t base);
void uart_write(uint16_t base, const char *buf, size_t n);
void uart_flush(uint16_t base);
