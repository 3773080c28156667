// The pcap link types tcplab reads and writes (https://www.tcpdump.org/linktypes.html): what
// precedes the IP header in each captured frame.

/** LINKTYPE_ETHERNET: dumpcap's type for Linux `lo` (14-byte header, zero MAC addresses). */
export const LINKTYPE_ETHERNET = 1;
/** LINKTYPE_RAW: the frame is the IP packet, version in its first nibble. */
export const LINKTYPE_RAW = 101;
/** LINKTYPE_LINUX_SLL: Linux "cooked" capture, `-i any` in older libpcap (16-byte header). */
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
/** LINKTYPE_LINUX_SLL2: Linux cooked capture v2, `-i any` in libpcap >= 1.10 (20-byte header). */
export const LINKTYPE_LINUX_SLL2 = 276;
