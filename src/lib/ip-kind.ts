import type { IpFamily, SocketRecord } from "../model/socket.js";

/**
 * A record's protocol and family where only TCP and UDP can be (--watch, trace: -w and -x are
 * refused there): a raw or unix record reaching such a path is a bug, thrown as one.
 */
export function ipKind(r: Pick<SocketRecord, "proto" | "family">): { proto: "tcp" | "udp"; family: IpFamily } {
  const { proto, family } = r;
  if (proto === "raw" || proto === "unix" || family === "unix") throw new Error(`a ${proto} socket where only TCP and UDP are read`);
  return { proto, family };
}
