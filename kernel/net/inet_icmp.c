// ICMP "port unreachable" to connected UDP sockets: lwIP ignores ICMP
// errors, while Linux gives a connected UDP socket ECONNREFUSED at its next
// send or receive. lwIP's IP input hooks look at each arriving ICMP and
// ICMPv6 error and find the socket from the datagram it quotes.
#include "net/inet.h"
#include "lwip/udp.h"
#include "lwip/pbuf.h"
#include "lib/string.h"
#include <asm-generic/errno.h>
#include <asm-generic/poll.h>

#define QUOTE_MAX 128       // IP header, ICMP header, the quoted IP and UDP headers

// The connected UDP socket that sent from LPORT to RIP:RPORT learns of the refusal.
__after_boot static void
udp_refused(const ip_addr_t *rip, uint16_t lport, uint16_t rport)
{
    struct udp_pcb *pcb;
    struct inet_sock *is;

    for (pcb = udp_pcbs; pcb; pcb = pcb->next) {
        if (pcb->local_port != lport || pcb->remote_port != rport ||
            !(pcb->flags & UDP_FLAGS_CONNECTED) || !ip_addr_cmp(&pcb->remote_ip, rip))
            continue;
        if ((is = pcb->recv_arg)) {
            is->sk.error = ECONNREFUSED;
            inet_wake(is, POLLIN | POLLOUT);
        }
    }
}

static inline uint16_t
be16(const uint8_t *b)
{
    return (uint16_t)(b[0] << 8 | b[1]);
}

// IPv4: ICMP type 3 (destination unreachable) code 3 (port) quoting UDP.
__after_boot int
inet_icmp_hook4(struct pbuf *p, struct netif *inp)
{
    uint8_t b[QUOTE_MAX], *q;
    size_t n = pbuf_copy_partial(p, b, sizeof(b), 0), ihl = (b[0] & 0xf) * 4, qihl;
    ip_addr_t rip;

    if (n < 20 || b[9] != 1 || n < ihl + 8 + 20 || b[ihl] != 3 || b[ihl + 1] != 3)
        return 0;
    q = b + ihl + 8;            // the quoted IP header
    qihl = (q[0] & 0xf) * 4;
    if (q[9] != 17 || n < ihl + 8 + qihl + 8)
        return 0;
    ip_addr_set_ip4_u32_val(rip, *(uint32_t *)(q + 16));
    udp_refused(&rip, be16(q + qihl), be16(q + qihl + 2));
    return 0;                   // lwIP goes on (and ignores it)
}

// IPv6: ICMPv6 type 1 (destination unreachable) code 4 (port), no extension headers.
__after_boot int
inet_icmp_hook6(struct pbuf *p, struct netif *inp)
{
    uint8_t b[QUOTE_MAX], *q;
    size_t n = pbuf_copy_partial(p, b, sizeof(b), 0);
    ip_addr_t rip;

    if (n < 40 + 8 + 40 + 8 || b[6] != 58 || b[40] != 1 || b[41] != 4)
        return 0;
    q = b + 48;                 // the quoted IPv6 header
    if (q[6] != 17)
        return 0;
    memset(&rip, 0, sizeof(rip));
    memcpy(ip_2_ip6(&rip)->addr, q + 24, 16);
    IP_SET_TYPE_VAL(rip, IPADDR_TYPE_V6);
    udp_refused(&rip, be16(q + 40), be16(q + 42));
    return 0;
}
