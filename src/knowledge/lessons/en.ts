import type { LessonLanguage } from "./types.js";

/** English. */
export const en: LessonLanguage = {
  labels: { segments: "The segments", path: "States each side passes through" },
  lessons: {
    handshake: {
      title: "The three-way handshake: how a TCP connection opens",
      summary:
        "Before any data flows, the two ends agree on the connection in three segments: SYN, SYN+ACK, ACK. Each side picks the number its own bytes will start from, and each side must hear the other acknowledge that number.",
      sides: {
        client: { name: "client", text: "The active opener: its program calls connect(). It sends the SYN, waits in SYN_SENT, and is ESTABLISHED as soon as the SYN+ACK arrives and it has answered with the ACK." },
        server: { name: "server", text: "The passive opener: its program called listen() earlier. The listening socket stays in LISTEN; each SYN creates a new half-open connection in SYN_RECV, which becomes ESTABLISHED when the final ACK arrives and then waits in the accept queue until the program calls accept()." },
      },
      segments: [
        "The client sends SYN with its initial sequence number x. The client is now in SYN_SENT; the server, on receiving it, creates a connection in SYN_RECV.",
        "The server answers with one segment carrying two things: its own SYN (initial number y) and the ACK of the client's SYN (x+1).",
        "The client acknowledges the server's SYN (ACK y+1). The client was ESTABLISHED when it sent this; the server becomes ESTABLISHED when it arrives.",
      ],
      sections: {
        "why-three": {
          heading: "Why three segments and not two",
          text: "Each direction of a connection needs its own starting sequence number, and each number counts only once the other end has acknowledged it: that is two SYNs and two ACKs. The server's ACK and its SYN travel together in one segment, which makes three. With two, the server would never learn whether the client received its starting number, and a delayed SYN from an old, abandoned attempt would open a connection nobody asked for: the third segment lets the client refuse (with a reset) a SYN+ACK that answers nothing it sent.",
        },
        "in-the-listing": {
          heading: "What a listing shows",
          text: "On one machine a handshake takes well under a millisecond, so SYN_SENT and SYN_RECV are rarely seen. Many SYN_SENT sockets mean peers that do not answer; many SYN_RECV sockets mean final ACKs that do not come (lossy clients or a SYN flood). A LISTEN socket's Recv-Q is the number of finished handshakes waiting for accept().",
        },
        "try-it": { heading: "See it happen", text: "`sudo tcpstat lab handshake` runs one in a private network namespace and shows each transition; `tcpstat trace` shows them live on this machine." },
      },
      after: "",
    },
    teardown: {
      title: "The four-way close: how a TCP connection ends",
      summary:
        "A TCP connection carries two independent byte streams, one each way, and each is ended on its own: each side sends a FIN when it has nothing more to send, and each FIN is acknowledged. The side that closes first is the active closer; the other is the passive closer.",
      sides: {
        "active-closer": { name: "active closer", text: "The end whose program closes first (client or server, whichever calls close() or shutdown() first). It goes through FIN_WAIT1 and FIN_WAIT2, and after the last ACK it stays in TIME_WAIT for 2MSL." },
        "passive-closer": { name: "passive closer", text: "The end that receives the first FIN. Its kernel acknowledges the FIN by itself and the socket waits in CLOSE_WAIT until its program calls close(); then it sends its own FIN, waits in LAST_ACK for the acknowledgement, and is gone (CLOSE), with no TIME_WAIT." },
      },
      segments: [
        "The active closer's program calls close() (or shutdown()): it sends FIN and enters FIN_WAIT1. On arrival the passive closer enters CLOSE_WAIT, and its program will read end-of-file.",
        "The passive closer's kernel acknowledges the FIN at once, without waiting for its program. The active closer moves to FIN_WAIT2: its direction is closed, the other one still open.",
        "When the passive closer's program calls close(), it sends its own FIN and enters LAST_ACK. The active closer, in FIN_WAIT2, receives it and enters TIME_WAIT.",
        "The active closer acknowledges that FIN. The passive closer is done (CLOSE); the active closer stays in TIME_WAIT.",
      ],
      sections: {
        "why-four": {
          heading: "Why four segments where the handshake needs three",
          text: "In the handshake the server's ACK and SYN go out together, because the kernel has both ready at once. In a close they cannot: the FIN only says that the peer has finished sending. The passive closer's kernel acknowledges that FIN immediately, but its program may still have data to send, and only the program knows when it is done; its own FIN follows when it calls close(), which may be much later. So the ACK and the FIN are two segments. When the program closes at once, Linux may carry the ACK and the FIN in one segment, and a capture then shows three.",
        },
        "half-close": {
          heading: "The half-close: FIN_WAIT2 and CLOSE_WAIT",
          text: "Between the second and the third segment the connection is half closed: the active closer can no longer send but can still receive, and the passive closer can still send. A program asks for this with shutdown(SHUT_WR) (send finished, keep reading). The active closer waits in FIN_WAIT2 as long as the other side keeps its half open; Linux ends the wait after tcp_fin_timeout (60 s) only for a socket its program has already closed (an orphan). A passive closer whose program never calls close() stays in CLOSE_WAIT for ever, and keeps its peer in FIN_WAIT2.",
        },
        "simultaneous-close": {
          heading: "The simultaneous close: CLOSING",
          text: "If both programs close at the same moment, both FINs cross in the network. Each side, in FIN_WAIT1, receives the peer's FIN before the ACK of its own: it acknowledges it and enters CLOSING. When the ACK of its own FIN arrives it enters TIME_WAIT. Both sides are active closers then, and both keep TIME_WAIT.",
        },
        "time-wait": {
          heading: "Why TIME_WAIT lasts 2MSL",
          text: "MSL is the maximum segment lifetime, the longest a segment may wander in the network; TIME_WAIT lasts twice that, 2MSL (60 s on Linux, fixed as TCP_TIMEWAIT_LEN). Two reasons. First, the last ACK may be lost: the passive closer in LAST_ACK then sends its FIN again, and the active closer must still be there to acknowledge it, otherwise the answer would be a reset and the peer would see an error. Second, old duplicates: segments of this connection delayed in the network must die out before the same pair of addresses and ports can be used by a new connection, which could otherwise take them as its own data. Only the active closer pays this wait.",
        },
        killed: {
          heading: "What a killed program leaves behind",
          text: "Killing a program (Ctrl-C) makes its kernel close its sockets: the killed side becomes the active closer. Its socket goes to FIN_WAIT2 and is owned by nobody, since the process is gone; the other side sits in CLOSE_WAIT with Recv-Q 1 (the FIN counts as one byte of sequence space) until its program reads end-of-file and closes.",
        },
        "try-it": { heading: "See it happen", text: "`sudo tcpstat lab time-wait`, `lab simultaneous-close`, `lab server-ctrl-c` and `lab close-wait-leak` run these cases in a private network namespace; `tcpstat explain time-wait` and `tcpstat explain close` tell the states themselves." },
      },
      after: "2MSL later",
    },
  },
};
