/**
 * Container names from the Docker Engine API (Podman's compatible service answers the same):
 *
 *   GET /containers/json  ->  [{"Id":"2c8c44ab...","Names":["/web"],...}, ...]
 *
 * over a unix socket: DOCKER_HOST when it names one (unix:///path), else /var/run/docker.sock,
 * then Podman's /run/podman/podman.sock. Asked once a run, with a short time limit.
 */
export const DOCKER_SOCKETS = ["/var/run/docker.sock", "/run/podman/podman.sock"];

export function dockerSockets(env: NodeJS.ProcessEnv = process.env): string[] {
  const host = env.DOCKER_HOST;
  if (host?.startsWith("unix://")) return [host.slice("unix://".length)];
  return DOCKER_SOCKETS;
}

/** id -> name, or the reason no socket answered. */
export async function dockerNames(sockets: readonly string[], timeoutMs = 1000): Promise<Map<string, string> | { error: string }> {
  const errors: string[] = [];
  for (const socketPath of sockets) {
    try {
      return parseContainerList(await getJson(socketPath, "/containers/json", timeoutMs));
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      errors.push(`${socketPath}: ${e.code === "ETIMEDOUT" || !e.code ? e.message : e.code}`);
    }
  }
  return { error: errors.join("; ") };
}

export function parseContainerList(body: string): Map<string, string> {
  const list = JSON.parse(body) as unknown;
  const names = new Map<string, string>();
  if (!Array.isArray(list)) throw new Error("not a container list");
  for (const c of list as Array<{ Id?: unknown; Names?: unknown }>) {
    const name = Array.isArray(c.Names) && typeof c.Names[0] === "string" ? c.Names[0].replace(/^\//, "") : null;
    if (typeof c.Id === "string" && name) names.set(c.Id, name);
  }
  return names;
}

/** node:http is loaded here, when a container was found: --who on a host without one never pays for it. */
async function getJson(socketPath: string, path: string, timeoutMs: number): Promise<string> {
  const { request } = await import("node:http");
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: "GET", headers: { Host: "docker" }, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" })));
    req.on("error", reject);
    req.end();
  });
}
