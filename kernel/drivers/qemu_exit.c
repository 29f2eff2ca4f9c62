// isa-debug-exit at port 0xf4: QEMU exits with status (code << 1) | 1.
#include "drivers/qemu_exit.h"
#include "drivers/uart.h"
#include "drivers/virtio/virtio_console.h"
#include "arch/x86_64/cpu.h"

#define DEBUG_EXIT_PORT 0xf4

// The program's last output leaves the VM first (not after a panic: a
// device in trouble must not keep the report from coming out).
__noreturn void
qemu_exit(uint32_t code)
{
    if (code == QEMU_EXIT_PROGRAM)
        vcon_drain();
    uart_flush(UART_COM1);
    uart_flush(UART_COM2);
    outl(DEBUG_EXIT_PORT, code);
    halt_forever();   // only reached when QEMU has no isa-debug-exit
}
