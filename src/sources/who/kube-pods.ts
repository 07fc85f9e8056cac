import { readdirSync } from "node:fs";

/**
 * Kubernetes pods and containers as the kubelet names their log directories:
 *
 *   /var/log/pods/<namespace>_<pod>_<uid>/<container>/0.log
 *   /var/log/containers/<pod>_<namespace>_<container>-<container id>.log
 *
 * Read once a run, only when a process sits in a kubepods cgroup.
 */
export interface KubeIndex {
  pods: Map<string, { namespace: string; name: string }>;
  containers: Map<string, string>;
}

export function readKubeIndex(root = "/var/log"): KubeIndex {
  const pods = new Map<string, { namespace: string; name: string }>();
  const containers = new Map<string, string>();
  for (const dir of list(`${root}/pods`)) {
    const m = /^([^_]+)_([^_]+)_([0-9a-f-]{36})$/.exec(dir);
    if (m) pods.set(m[3]!, { namespace: m[1]!, name: m[2]! });
  }
  for (const file of list(`${root}/containers`)) {
    const m = /^[^_]+_[^_]+_(.+)-([0-9a-f]{64})\.log$/.exec(file);
    if (m) containers.set(m[2]!, m[1]!);
  }
  return { pods, containers };
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
