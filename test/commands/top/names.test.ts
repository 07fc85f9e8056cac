import { describe, expect, it } from "vitest";
import { NameBook } from "../../../src/commands/top/names.js";
import type { SocketRecord } from "../../../src/model/socket.js";

/**
 * `r` in top: names are asked for the rows on screen, each address once. A port is a name of
 * its own (the services database): a row whose address was named before but whose port was
 * never asked must still get its service name.
 */
const listener = (port: number): SocketRecord => ({
  proto: "tcp", family: "ipv4", localAddress: "127.0.0.1", localPort: port, remoteAddress: null, remotePort: null, state: "LISTEN",
  recvQ: 0, sendQ: 0, pid: null, process: null, uid: 0, user: "root", inode: port, timer: null,
});

describe("NameBook", () => {
  it("names a new port on an address it named before, and asks nothing twice", async () => {
    const book = new NameBook();
    expect(await book.fill([listener(22)])).toBe(true);
    expect(book.name(listener(22)).localService).toBe("ssh");
    expect(await book.fill([listener(80)])).toBe(true);
    expect(book.name(listener(80))).toMatchObject({ localService: "http", localHost: "localhost" });
    expect(await book.fill([listener(22), listener(80)])).toBe(false);
  });
});
