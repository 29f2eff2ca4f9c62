// lwIP's configuration for the kernel (read by lwIP's opt.h). NO_SYS: lwIP's
// raw API, called only under the kernel lock, no threads or mailboxes of its
// own; its timeouts run from a kernel timer (net/lwip/sys_arch.c). Memory,
// pools included, comes from the kernel heap, so PCBs are not capped.
#pragma once

#define NO_SYS               1
#define SYS_LIGHTWEIGHT_PROT 0   // the kernel lock serialises every caller
#define LWIP_TIMERS          1
#define LWIP_NETCONN         0
#define LWIP_SOCKET          0   // the socket layer is ours (net/socket.c, net/inet*.c)

// Memory: kmalloc/kfree for the heap and for every pool.
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT   8
void *kmalloc(unsigned long size);
void *kzalloc(unsigned long size);
void kfree(void *p);
#define mem_clib_malloc       kmalloc
#define mem_clib_free         kfree
#define mem_clib_calloc(n, s) kzalloc((unsigned long)(n) * (s))

// Protocols: IPv4 and IPv6, TCP, UDP, ICMP, DHCP, Ethernet with ARP/ND.
#define LWIP_IPV4       1
#define LWIP_IPV6       1
#define LWIP_TCP        1
#define LWIP_UDP        1
#define LWIP_ICMP       1
#define LWIP_RAW        0
#define LWIP_DHCP       1
#define LWIP_AUTOIP     0
#define LWIP_IGMP       0
#define LWIP_DNS        0   // programs resolve names themselves
#define LWIP_ARP        1
#define ARP_QUEUEING    1   // packets wait for ARP as on Linux (3 each), not just the last
#define ARP_QUEUE_LEN   3
#define LWIP_ETHERNET   1
#define LWIP_IPV6_DHCP6 0
#define IP_REASSEMBLY   1
#define IP_FRAG         1
#define LWIP_IPV6_FRAG  1
#define LWIP_IPV6_REASS 1
#define IPV6_FRAG_COPYHEADER                                                                       \
    1   // 64-bit pointers do not fit the fragment header (ip6_frag.c asserts)
#define LWIP_BROADCAST_PING 0

// Interfaces: the loopback interface (127.0.0.1, ::1) always; a driver adds
// its own (net/netif.h). Loopback packets wait on the interface's queue
// until net_stack_poll() delivers them, at the end of every socket call.
#define LWIP_SINGLE_NETIF            0
#define LWIP_HAVE_LOOPIF             1
#define LWIP_NETIF_LOOPBACK          1
#define LWIP_LOOPBACK_MAX_PBUFS      0
#define LWIP_NETIF_STATUS_CALLBACK   1
#define LWIP_NETIF_LINK_CALLBACK     1
#define LWIP_NETIF_HOSTNAME          1
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1  // a driver may offload checksums
#define LWIP_NUM_NETIF_CLIENT_DATA   1

// TCP: Linux-like buffers (a 64 KiB window scaled, 256 KiB to send), a
// backlog per listener, keepalive, SO_REUSEADDR.
#define TCP_MSS                    1460
#define LWIP_WND_SCALE             1
#define TCP_RCV_SCALE              2
#define TCP_WND                    (128 * 1024)
#define TCP_SND_BUF                (256 * 1024)
#define TCP_SND_QUEUELEN           ((4 * TCP_SND_BUF) / TCP_MSS)
#define TCP_SNDLOWAT               (16 * 1024)
#define TCP_SNDQUEUELOWAT          (TCP_SND_QUEUELEN / 2)
#define TCP_WND_UPDATE_THRESHOLD   (TCP_WND / 4)
#define TCP_QUEUE_OOSEQ            1
#define TCP_LISTEN_BACKLOG         1
#define TCP_DEFAULT_LISTEN_BACKLOG 0xff
#define LWIP_TCP_KEEPALIVE         1
#define TCP_MSL                    10000 // TIME_WAIT lasts 2 * MSL: 20 s (Linux 60 s), docs/kernel.md
#define SO_REUSE                   1
#define LWIP_CALLBACK_API          1
#define TCP_OVERSIZE               TCP_MSS
#define LWIP_TCP_TIMESTAMPS        0
#define LWIP_TCP_PCB_NUM_EXT_ARGS  1 // tells a socket when lwIP frees its pcb

// ICMP errors for connected UDP sockets (net/inet_icmp.c)
struct pbuf;
struct netif;
int inet_icmp_hook4(struct pbuf *p, struct netif *inp);
int inet_icmp_hook6(struct pbuf *p, struct netif *inp);
#define LWIP_HOOK_IP4_INPUT(p, inp) inet_icmp_hook4((p), (inp))
#define LWIP_HOOK_IP6_INPUT(p, inp) inet_icmp_hook6((p), (inp))

// Ports picked for port 0 and automatic binds: Linux's ip_local_port_range.
#define TCP_LOCAL_PORT_RANGE_START        32768
#define TCP_LOCAL_PORT_RANGE_END          60999
#define TCP_ENSURE_LOCAL_PORT_RANGE(port) ((u16_t)(32768 + (port) % (60999 - 32768 + 1)))
#define UDP_LOCAL_PORT_RANGE_START        TCP_LOCAL_PORT_RANGE_START
#define UDP_LOCAL_PORT_RANGE_END          TCP_LOCAL_PORT_RANGE_END
#define UDP_ENSURE_LOCAL_PORT_RANGE(port) TCP_ENSURE_LOCAL_PORT_RANGE(port)

#define LWIP_STATS  0
#define LWIP_RAND() net_rand32()
unsigned int net_rand32(void);
