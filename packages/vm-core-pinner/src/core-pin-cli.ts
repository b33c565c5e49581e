import { formatCpuList, parseCpuList } from "./cpu-list";
import { VmCorePinnerError } from "./errors";
import type { TopologyManagerPolicy } from "./kubelet-static";
import { loadTopology } from "./load";
import { CorePinner, PIN_POLICIES, type PinPolicy } from "./pinner";

/**
 * Usage text of `core-pin`.
 *
 * @example
 * ```ts
 * console.log(CORE_PIN_USAGE);
 * ```
 */
export const CORE_PIN_USAGE = `usage: core-pin --topology FILE --policy kubelet-static|nova-prefer|nova-isolate|nova-require|nohype
                [--option NAME ...] [--available CPULIST] [--reserved CPULIST]
                [--topology-manager none|best-effort|restricted|single-numa-node]
                --request N [--request N ...] [--json]

FILE: hwloc XML (v1/v2/v3), libvirt capabilities XML, a sysfs directory or hwloc sysfs tarball,
a sysfs dump, or "synthetic:<hwloc synthetic description>".
Prints one line per request, in order: the allocated cpu-list (kernel syntax), or
"refused: <reason>" (then exits 1). --json prints one JSON document instead.`;

/** Where {@link corePinMain} writes. */
export interface CorePinMainIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

/**
 * The `core-pin` command: parse arguments, load the topology, serve the requests in order.
 * Returns the exit status: 0 all granted, 1 some refused, 2 usage or input error.
 *
 * @example
 * ```ts
 * corePinMain(["--topology", "synthetic:pack:1 core:4 pu:2", "--policy", "nohype", "--request", "2"], {
 *   stdout: (s) => process.stdout.write(s),
 *   stderr: (s) => process.stderr.write(s),
 * }); // prints "0-1", returns 0
 * ```
 */
export function corePinMain(argv: readonly string[], io: CorePinMainIo): number {
  let topologyPath: string | undefined;
  let policy: string | undefined;
  const options: string[] = [];
  let available: number[] | undefined;
  let reserved: number[] | undefined;
  let tm: TopologyManagerPolicy | undefined;
  const requests: number[] = [];
  let json = false;
  const usage = (msg: string): number => {
    io.stderr(`core-pin: ${msg}\n${CORE_PIN_USAGE}\n`);
    return 2;
  };
  try {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i] as string;
      const eq = a.startsWith("--") ? a.indexOf("=") : -1;
      const name = eq > 0 ? a.slice(0, eq) : a;
      const value = (): string => {
        if (eq > 0) return a.slice(eq + 1);
        const v = argv[i + 1];
        if (v === undefined)
          throw new VmCorePinnerError("USAGE", `${name} needs a value`, { field: name });
        i++;
        return v;
      };
      switch (name) {
        case "--topology":
          topologyPath = value();
          break;
        case "--policy":
          policy = value();
          break;
        case "--option":
          options.push(value());
          break;
        case "--available":
          available = parseCpuList(value());
          break;
        case "--reserved":
          reserved = parseCpuList(value());
          break;
        case "--topology-manager": {
          const v = value();
          if (!["none", "best-effort", "restricted", "single-numa-node"].includes(v))
            return usage(`unknown topology manager policy ${JSON.stringify(v)}`);
          tm = v as TopologyManagerPolicy;
          break;
        }
        case "--request": {
          const v = value();
          if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v)))
            return usage(`--request must be a positive integer, got ${JSON.stringify(v)}`);
          requests.push(Number(v));
          break;
        }
        case "--json":
          json = true;
          break;
        case "--help":
        case "-h":
          io.stdout(`${CORE_PIN_USAGE}\n`);
          return 0;
        default:
          return usage(`unknown argument ${JSON.stringify(a)}`);
      }
    }
    if (topologyPath === undefined) return usage("--topology is required");
    if (policy === undefined) return usage("--policy is required");
    if (!(PIN_POLICIES as readonly string[]).includes(policy))
      return usage(`unknown policy ${JSON.stringify(policy)}`);
    if (requests.length === 0) return usage("at least one --request is required");
    const topology = loadTopology(topologyPath);
    const online = new Set(topology.cpus);
    const offAvail = (available ?? []).filter((c) => !online.has(c));
    if (offAvail.length > 0)
      return usage(`--available names CPUs that are not online: ${formatCpuList(offAvail)}`);
    const offRes = (reserved ?? []).filter((c) => !online.has(c));
    if (offRes.length > 0)
      return usage(`--reserved names CPUs that are not online: ${formatCpuList(offRes)}`);
    const pinner = new CorePinner(topology, {
      policy: policy as PinPolicy,
      options,
      ...(reserved ? { reserved } : {}),
      ...(available ? { available } : {}),
      ...(tm ? { topologyManagerPolicy: tm } : {}),
    });
    let refused = 0;
    const results = requests.map((n, k) => {
      const r = pinner.allocate(`vm${k + 1}`, n);
      if (!r.ok) refused++;
      return { n, r };
    });
    if (json) {
      const doc = {
        topology: {
          source: topology.source,
          cpus: formatCpuList(topology.cpus),
          offline: formatCpuList(topology.offlineCpus),
        },
        policy,
        options,
        reserved: formatCpuList(pinner.reserved),
        requests: results.map(({ n, r }, k) =>
          r.ok
            ? {
                vm: `vm${k + 1}`,
                request: n,
                ok: true,
                cpus: formatCpuList(r.allocation.cpus),
                cpuList: r.allocation.cpus,
                vcpuPins: r.allocation.vcpuPins,
                owned: formatCpuList(r.allocation.owned),
                numaNodes: r.allocation.numaNodes,
              }
            : {
                vm: `vm${k + 1}`,
                request: n,
                ok: false,
                refused: r.refusal.message,
                code: r.refusal.code,
              },
        ),
        free: formatCpuList(pinner.freeCpus()),
        // Free, but under an L3 cache or NUMA node another VM holds exclusively: not for new VMs.
        claimed: formatCpuList(pinner.claimedFreeCpus()),
        fragmentation: pinner.fragmentation(),
      };
      io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
    } else {
      for (const { r } of results)
        io.stdout(
          r.ok ? `${formatCpuList(r.allocation.cpus)}\n` : `refused: ${r.refusal.message}\n`,
        );
    }
    return refused > 0 ? 1 : 0;
  } catch (e) {
    if (VmCorePinnerError.isInstance(e)) {
      io.stderr(`core-pin: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
