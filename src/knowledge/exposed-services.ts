import { formatEndpoint } from "../lib/endpoint.js";
import { isExposed } from "../lib/exposure.js";
import type { Finding } from "../model/report.js";
import type { Owner, SocketRecord } from "../model/socket.js";

/**
 * Ports of services meant for the machines behind a firewall, not for everyone: databases,
 * caches, queues, search and coordination stores. Each listens on every interface by some
 * default or old habit, and each has been found open to the internet by the thousands.
 */
export const INTERNAL_SERVICES: ReadonlyMap<number, string> = new Map([
  [5432, "PostgreSQL"],
  [3306, "MySQL/MariaDB"],
  [1433, "Microsoft SQL Server"],
  [6379, "Redis"],
  [27017, "MongoDB"],
  [9200, "Elasticsearch/OpenSearch"],
  [9300, "Elasticsearch transport"],
  [11211, "memcached"],
  [2379, "etcd"],
  [2380, "etcd peer"],
  [5672, "RabbitMQ (AMQP)"],
  [15672, "RabbitMQ management"],
  [9092, "Kafka"],
  [2181, "ZooKeeper"],
  [5984, "CouchDB"],
  [8086, "InfluxDB"],
  [9042, "Cassandra"],
  [7000, "Cassandra inter-node"],
  [4222, "NATS"],
  [8500, "Consul"],
]);

/** "postgres (pid 812), container db (docker 2c8c44ab2d8f), unit postgresql.service". */
export function whoText(r: SocketRecord): string {
  if (r.pid === null) return "no process named (run as root, or the socket is held by none)";
  const o: Owner | undefined = r.owners?.find((x) => x.pid === r.pid);
  let text = `${r.process ?? "?"} (pid ${r.pid})`;
  if (o?.container) text += `, container ${o.container.name ?? o.container.id.slice(0, 12)} (${o.container.runtime} ${o.container.id.slice(0, 12)})`;
  if (o?.unit) text += `, unit ${o.unit}`;
  return text;
}

/** A listener exposedServices() reports: a well-known internal port, on every interface or a public address. */
export const isExposedService = (r: SocketRecord): boolean => INTERNAL_SERVICES.has(r.localPort) && r.state === "LISTEN" && isExposed(r.exposure);

/**
 * A well-known internal service listening on every interface or a public address: one finding
 * a listener. Loopback and private addresses stay quiet; the listener needs `exposure` set.
 */
export function exposedServices(records: readonly SocketRecord[]): Finding[] {
  const out: Finding[] = [];
  for (const r of records) {
    if (!isExposedService(r)) continue;
    const service = INTERNAL_SERVICES.get(r.localPort)!;
    const where = formatEndpoint(r.localAddress, r.localPort, r.family);
    out.push({
      rule: "exposed-service",
      severity: "warning",
      title: `${service} port ${r.localPort} listens on ${r.exposure === "public" ? "a public address" : "every interface"}`,
      state: "LISTEN",
      count: 1,
      threshold: 1,
      pid: r.pid,
      process: r.process,
      port: r.localPort,
      peer: null,
      oldestTimerMs: null,
      evidence: [
        `${where} is a listener with exposure "${r.exposure}"${r.exposure === "all" ? " (every address of every interface, IPv4 too)" : ""}`,
        `held by ${whoText(r)}`,
      ],
      cause: `Port ${r.localPort} is where ${service} usually listens; such a service trusts the network it is on, and bound to ${r.localAddress} it answers anyone who can reach this machine.`,
      fix: "Bind it to 127.0.0.1 or a private address (listen_addresses, bind-address, bind in its config), or publish a container's port on 127.0.0.1 only (-p 127.0.0.1:PORT:PORT); keep a firewall rule in front of it either way.",
    });
  }
  return out;
}
