import type { LessonLanguage } from "./types.js";

/** 简体中文。 */
export const zh: LessonLanguage = {
  labels: { segments: "报文段", path: "两端各自经过的状态" },
  lessons: {
    handshake: {
      title: "三次握手：TCP 连接如何建立",
      summary: "在传输任何数据之前，两端要用三个报文段商定这条连接：SYN、SYN+ACK、ACK。每一端各自选定自己字节流的起始序号，并且都要听到对方确认这个序号。",
      sides: {
        client: { name: "客户端", text: "主动打开方：程序调用 connect()。它发出 SYN，在 SYN_SENT 中等待；一收到 SYN+ACK 并回复 ACK，就进入 ESTABLISHED。" },
        server: { name: "服务端", text: "被动打开方：程序事先调用了 listen()。监听套接字始终停在 LISTEN；每个到达的 SYN 都会生成一个新的半连接（SYN_RECV），收到最后的 ACK 后变为 ESTABLISHED，然后在 accept 队列里等待程序调用 accept()。" },
      },
      segments: [
        "客户端发出 SYN，携带自己的初始序号 x。客户端进入 SYN_SENT；服务端收到后生成一个处于 SYN_RECV 的连接。",
        "服务端用一个报文段同时回答两件事：自己的 SYN（初始序号 y），以及对客户端 SYN 的确认（ACK x+1）。",
        "客户端确认服务端的 SYN（ACK y+1）。客户端发出它时已是 ESTABLISHED；服务端收到后也进入 ESTABLISHED。",
      ],
      sections: {
        "why-three": {
          heading: "为什么是三次而不是两次",
          text: "连接的两个方向各需要一个起始序号，而每个序号只有在对方确认之后才算数：这就是两个 SYN 加两个 ACK。服务端的 ACK 和它的 SYN 合并在同一个报文段里发出，所以一共三次。如果只有两次，服务端永远无法知道客户端是否收到了自己的起始序号；而且网络中滞留的、早已放弃的旧 SYN 会凭空建立一条没人要的连接。有了第三次，客户端可以对一个并不对应自己请求的 SYN+ACK 回以 RST，拒绝它。",
        },
        "in-the-listing": {
          heading: "在列表中能看到什么",
          text: "在同一台机器上一次握手远不到一毫秒，所以很难看到 SYN_SENT 和 SYN_RECV。大量 SYN_SENT 说明对端不应答；大量 SYN_RECV 说明最后的 ACK 迟迟不来（客户端链路丢包或 SYN 洪水）。LISTEN 套接字的 Recv-Q 是已完成握手、等待 accept() 的连接数。",
        },
        "try-it": { heading: "亲眼看一看", text: "`sudo tcpstat lab handshake` 在一个私有网络命名空间里真实地做一次握手并显示每次状态变迁；`tcpstat trace` 实时显示本机上的状态变迁。" },
      },
      after: "",
    },
    teardown: {
      title: "四次挥手：TCP 连接如何断开",
      summary: "TCP 连接是全双工的，包含两个方向互不依赖的字节流，每个方向要单独关闭：一端没有数据要发时就发出 FIN，每个 FIN 都要被确认。先关闭的一端是主动关闭方，另一端是被动关闭方。",
      sides: {
        "active-closer": { name: "主动关闭方", text: "先关闭的一端（客户端或服务端都可能，看谁先调用 close() 或 shutdown()）。它依次经过 FIN_WAIT1、FIN_WAIT2，发出最后的 ACK 后在 TIME_WAIT 中停留 2MSL。" },
        "passive-closer": { name: "被动关闭方", text: "收到第一个 FIN 的一端。内核自动确认这个 FIN，套接字进入 CLOSE_WAIT，等待程序调用 close()；之后发出自己的 FIN，在 LAST_ACK 中等待确认，收到后即消失（CLOSE），不经过 TIME_WAIT。" },
      },
      segments: [
        "主动关闭方的程序调用 close()（或 shutdown()）：发出 FIN，进入 FIN_WAIT1。被动关闭方收到后进入 CLOSE_WAIT，它的程序随后会读到文件结束。",
        "被动关闭方的内核立即确认这个 FIN，不必等程序。主动关闭方进入 FIN_WAIT2：它这个方向已关闭，另一个方向仍然开着。",
        "被动关闭方的程序调用 close() 时，发出自己的 FIN，进入 LAST_ACK。处于 FIN_WAIT2 的主动关闭方收到它，进入 TIME_WAIT。",
        "主动关闭方确认这个 FIN。被动关闭方就此结束（CLOSE）；主动关闭方留在 TIME_WAIT。",
      ],
      sections: {
        "why-four": {
          heading: "为什么握手三次，挥手却要四次",
          text: "握手时，服务端的 ACK 和 SYN 可以合成一个报文段，因为内核同时就能把两者准备好。关闭时不行：FIN 只表示对端不再发送数据。被动关闭方的内核会马上确认这个 FIN，但它的程序可能还有数据要发，只有程序自己知道什么时候发完；它自己的 FIN 要等程序调用 close() 才发出，可能晚很多。所以 ACK 和 FIN 是两个报文段。如果程序立刻关闭，Linux 可能把 ACK 和 FIN 放在同一个报文段里，抓包时就只看到三个。",
        },
        "half-close": {
          heading: "半关闭：FIN_WAIT2 与 CLOSE_WAIT",
          text: "在第二个和第三个报文段之间，连接处于半关闭状态：主动关闭方不能再发送，但仍能接收；被动关闭方仍可发送。程序可以用 shutdown(SHUT_WR) 主动进入这种状态（发送结束，继续读取）。只要对端不关闭它那一半，主动关闭方就一直停在 FIN_WAIT2；只有对程序已关闭的孤儿套接字，Linux 才会在 tcp_fin_timeout（60 秒）后结束等待。被动关闭方的程序若永远不调用 close()，就会永远停在 CLOSE_WAIT，同时让对端停在 FIN_WAIT2。",
        },
        "simultaneous-close": {
          heading: "同时关闭：CLOSING",
          text: "如果两端的程序在同一时刻关闭，两个 FIN 会在网络中交错而过。每一端在 FIN_WAIT1 中都先收到对方的 FIN，而不是对自己 FIN 的 ACK：它确认对方的 FIN，进入 CLOSING；等到自己 FIN 的 ACK 到达，再进入 TIME_WAIT。这时两端都是主动关闭方，都要经过 TIME_WAIT。",
        },
        "time-wait": {
          heading: "为什么 TIME_WAIT 要等 2MSL",
          text: "MSL 是报文段的最大生存时间，即一个报文段在网络中最多能存活多久；TIME_WAIT 持续它的两倍，即 2MSL（Linux 上为 60 秒，写死为 TCP_TIMEWAIT_LEN）。原因有两个。其一，最后的 ACK 可能丢失：处于 LAST_ACK 的被动关闭方会重发 FIN，主动关闭方必须还在，才能再次确认它，否则对方收到的将是 RST，看到的是一个错误。其二，旧的重复报文：这条连接在网络中滞留的报文必须先全部消失，相同的地址和端口才能被新连接使用，否则新连接可能把它们当成自己的数据。只有主动关闭方需要承担这段等待。",
        },
        killed: {
          heading: "被杀掉的程序留下了什么",
          text: "杀掉一个程序（Ctrl-C）时，内核替它关闭套接字：被杀的一端成为主动关闭方。它的连接进入 FIN_WAIT2，且不属于任何进程，因为进程已经不在了；另一端停在 CLOSE_WAIT，Recv-Q 为 1（FIN 占用一个序号），直到它的程序读到文件结束并关闭。",
        },
        "try-it": { heading: "亲眼看一看", text: "`sudo tcpstat lab time-wait`、`lab simultaneous-close`、`lab server-ctrl-c` 和 `lab close-wait-leak` 在私有网络命名空间中真实地演示这些情形；`tcpstat explain time-wait` 和 `tcpstat explain close` 讲解各个状态本身。" },
      },
      after: "2MSL 之后",
    },
  },
};
