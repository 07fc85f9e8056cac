import type { Container } from "../../model/socket.js";

/**
 * What a process's cgroup says about it: the systemd unit and the container. Pure: the text
 * of /proc/PID/cgroup in, names out. Lines are "hierarchy:controllers:path"; the path of
 * the v1 `name=systemd` hierarchy is read first, then v2's (`0::`), then the others:
 *
 *   9:name=systemd:/system.slice/nginx.service             -> unit nginx.service
 *   0::/user.slice/user-1000.slice/session-3.scope         -> unit session-3.scope
 *   0::/system.slice/docker-<64 hex>.scope                 -> docker <id> (systemd driver)
 *   9:name=systemd:/docker/<64 hex>                        -> docker <id> (cgroupfs driver)
 *   0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice/cri-containerd-<id>.scope
 *                                                          -> containerd <id>, pod <uid>
 *   0::/kubepods/besteffort/pod<uid>/<id>                  -> cri <id>, pod <uid> (cgroupfs: runtime unnamed)
 *   0::/machine.slice/libpod-<id>.scope, /libpod_parent/libpod-<id>  -> podman <id>
 *   0::/lxc.payload.web/..., 4:memory:/lxc/web             -> lxc web
 */
export interface CgroupFacts {
  unit: string | null;
  container: Omit<Container, "name" | "pod"> & { podUid?: string } | null;
}

const HEX64 = "[0-9a-f]{64}";
const UNIT = /^[^/]+\.(service|scope)$/;

export function cgroupPaths(text: string): string[] {
  const systemd: string[] = [];
  const v2: string[] = [];
  const other: string[] = [];
  for (const line of text.split("\n")) {
    const first = line.indexOf(":");
    const second = line.indexOf(":", first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    if (controllers === "name=systemd") systemd.push(path);
    else if (line.slice(0, first) === "0" && controllers === "") v2.push(path);
    else other.push(path);
  }
  return [...systemd, ...v2, ...other];
}

/** The innermost systemd unit on a path: nginx.service, session-3.scope, user@1000.service. */
export function unitOf(path: string): string | null {
  const parts = path.split("/");
  for (let i = parts.length - 1; i >= 0; i--) if (UNIT.test(parts[i]!)) return parts[i]!;
  return null;
}

const KUBE_RUNTIME: Readonly<Record<string, Container["runtime"]>> = { "cri-containerd": "containerd", crio: "cri-o", docker: "docker" };

// Made once: thousands of processes are read in one run.
const POD = /pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})/;
const KUBE_SCOPE = new RegExp(`/(cri-containerd|crio|docker)-(${HEX64})\\.scope(?:/|$)`);
const KUBE_BARE = new RegExp(`/(${HEX64})(?:/|$)`);
const DOCKER_SCOPE = new RegExp(`/docker-(${HEX64})\\.scope(?:/|$)`);
const DOCKER_FS = new RegExp(`/docker/(${HEX64})(?:/|$)`);
const LIBPOD = new RegExp(`/libpod-(${HEX64})(?:\\.scope)?(?:/|$)`);
const LXC = /\/lxc(?:\.payload)?[./]([^/]+)/;

export function containerOf(path: string): CgroupFacts["container"] {
  let m: RegExpExecArray | null;
  if (path.includes("kubepods")) {
    const pod = POD.exec(path);
    const podUid = pod ? pod[1]!.replace(/_/g, "-") : undefined;
    if ((m = KUBE_SCOPE.exec(path))) return { runtime: KUBE_RUNTIME[m[1]!]!, id: m[2]!, ...(podUid && { podUid }) };
    if ((m = KUBE_BARE.exec(path))) return { runtime: "cri", id: m[1]!, ...(podUid && { podUid }) };
    return null;
  }
  if ((m = DOCKER_SCOPE.exec(path)) || (m = DOCKER_FS.exec(path))) return { runtime: "docker", id: m[1]! };
  if ((m = LIBPOD.exec(path))) return { runtime: "podman", id: m[1]! };
  if ((m = LXC.exec(path))) return { runtime: "lxc", id: m[1]! };
  return null;
}

export function parseCgroup(text: string): CgroupFacts {
  const paths = cgroupPaths(text);
  let unit: string | null = null;
  let container: CgroupFacts["container"] = null;
  for (const p of paths) {
    unit ??= unitOf(p);
    container ??= containerOf(p);
  }
  return { unit, container };
}
