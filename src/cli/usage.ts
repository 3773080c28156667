// The text of `tcplab --help`.

export const USAGE = `tcplab: script real TCP sockets, watch the kernel's states, assert what happened.

Usage
  tcplab tour                         all eleven TCP states on this machine, explained and drawn
                                      (--long: wait out TIME_WAIT too; --lang zh; --json;
                                      --report FILE: the whole tour as one HTML page;
                                      --no-capture: ladders inferred, without packets)
  tcplab list                         the built-in labs, one line each
  tcplab run <lab | file.lab.ts>...   run labs by name or file
  tcplab run --all                    run every built-in lab
  tcplab count [--port P] [--pid N] [--netns PID] [--json] [--watch MS [--count K]]
                                      connections by state (like netstat -n | awk ..., faster)
  tcplab who PORT [--netns PID] [--json]
                                      which processes hold sockets on a port, in which state
  tcplab watch --port P | --pid N | --all
                                      every state transition, live (tcpstates' columns);
                                      --json, --csv, --duration S; root: the kernel's trace

Options of run
  --json                 one JSON document on stdout ({ "labs": [...] }); same as --reporter json
  --reporter <name[:file]>
                         human (default), json, junit (JUnit XML) or github (::error annotations
                         at the failing expectation's line); repeatable; without a file on
                         stdout, where only one of human, json and junit can go
  --report <file.html>   also write a self-contained HTML report: per lab a ladder diagram,
                         the state diagram with the path taken, expectations, the raw timeline
  --observer <name>      auto (default): trace where this user may trace, proc elsewhere;
                         trace (root: the kernel's own transitions from tracefs, with proc
                         for TIME_WAIT and request sockets), proc (reads /proc/net/tcp{,6}),
                         ss (spawns ss -tanoH), netstat (spawns netstat -tanoW)
  --period <ms>          target time between two samples (default: proc 1, ss 5, netstat 10)
  --family <4|6|mapped>  IPv4 127.0.0.1 (default), IPv6 ::1, or v4-mapped ::ffff:127.0.0.1
  --timeout <ms>         per-lab time limit unless the lab sets one (default 10000)
  --no-netns             run on the host's loopback instead of a private network namespace
                         per lab (labs that change sysctls or drop packets are then skipped)
  --no-capture           do not capture the labs' segments (ladders are then inferred, and
                         labs that assert on packets are skipped)
  --pcap <dir>           write each lab's capture to <dir>/<lab>.pcap (tshark, Wireshark)
  --long                 with --all, include the long labs
  -h, --help             this text
  -v, --version          the version

Exit status: 0 every lab passed, 1 a lab failed, 2 bad input, 130 interrupted, 141 stdout closed.
`;
