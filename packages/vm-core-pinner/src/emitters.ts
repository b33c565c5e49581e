import { formatCpuList, parseCpuList } from "./cpu-list";
import { VmCorePinnerError } from "./errors";
import { parseXml } from "./internal/xml";

/** `isolcpus=` flags (kernel-parameters.txt): which isolation the CPUs get. */
export type IsolcpusFlag = "nohz" | "domain" | "managed_irq";

/** Kernel boot parameters that keep the host off guest CPUs. */
export interface KernelIsolationParams {
  /** `isolcpus=` value, flags first (`managed_irq,domain,2-15`). */
  readonly isolcpus: string;
  /** `nohz_full=` value (no scheduler tick on these CPUs while they run one task). */
  readonly nohz_full: string;
  /** `rcu_nocbs=` value (RCU callbacks offloaded from these CPUs). */
  readonly rcu_nocbs: string;
  /** `irqaffinity=` value: the housekeeping CPUs (default IRQ affinity), when given. */
  readonly irqaffinity: string | null;
  /** All of them as one command-line fragment. */
  readonly cmdline: string;
}

/**
 * Kernel command-line isolation for guest CPUs: `isolcpus=`, `nohz_full=`, `rcu_nocbs=` (and
 * `irqaffinity=` for the housekeeping CPUs), in kernel cpu-list syntax.
 *
 * @throws {@link VmCorePinnerError} `EMIT_INVALID` when guest and housekeeping CPUs overlap or no
 *   guest CPU is given.
 * @example
 * ```ts
 * kernelIsolationParams([2, 3, 4, 5], { housekeeping: [0, 1] }).cmdline;
 * // "isolcpus=managed_irq,domain,2-5 nohz_full=2-5 rcu_nocbs=2-5 irqaffinity=0-1"
 * ```
 */
export function kernelIsolationParams(
  isolated: readonly number[],
  options: {
    readonly housekeeping?: readonly number[];
    readonly isolcpusFlags?: readonly IsolcpusFlag[];
  } = {},
): KernelIsolationParams {
  if (isolated.length === 0)
    throw new VmCorePinnerError("EMIT_INVALID", "no CPU to isolate", { field: "isolated" });
  const list = formatCpuList(isolated);
  const hk = options.housekeeping ?? null;
  if (hk) {
    const iso = new Set(isolated);
    const both = hk.filter((c) => iso.has(c));
    if (both.length > 0) {
      throw new VmCorePinnerError(
        "EMIT_INVALID",
        `CPUs ${formatCpuList(both)} are both isolated and housekeeping`,
        { field: "housekeeping" },
      );
    }
    if (hk.length === 0)
      throw new VmCorePinnerError("EMIT_INVALID", "the host needs at least one housekeeping CPU", {
        field: "housekeeping",
      });
  }
  const flags = options.isolcpusFlags ?? ["managed_irq", "domain"];
  const isolcpus = flags.length > 0 ? `${flags.join(",")},${list}` : list;
  const irqaffinity = hk ? formatCpuList(hk) : null;
  const parts = [`isolcpus=${isolcpus}`, `nohz_full=${list}`, `rcu_nocbs=${list}`];
  if (irqaffinity !== null) parts.push(`irqaffinity=${irqaffinity}`);
  return { isolcpus, nohz_full: list, rcu_nocbs: list, irqaffinity, cmdline: parts.join(" ") };
}

/** What {@link libvirtCputune} writes. */
export interface CputuneSpec {
  /** Host CPU of each vCPU, in vCPU order (`<vcpupin vcpu='i' cpuset='…'/>`). */
  readonly vcpuPins: readonly number[];
  /** Host CPUs for QEMU's emulator threads (`<emulatorpin>`): the housekeeping CPUs. */
  readonly emulatorCpus?: readonly number[];
  /** I/O threads and their host CPUs (`<iothreadpin>`), 1-based ids. */
  readonly iothreads?: readonly { readonly id: number; readonly cpus: readonly number[] }[];
  /** Real-time scheduling of all vCPUs (`<vcpusched>`), e.g. `{ scheduler: "fifo", priority: 1 }`. */
  readonly vcpuSched?: { readonly scheduler: "fifo" | "rr"; readonly priority: number };
}

/**
 * A libvirt domain `<cputune>` element (domain XML, "CPU Tuning"): one `vcpupin` per vCPU,
 * `emulatorpin`, `iothreadpin`, `vcpusched`; cpusets in kernel cpu-list syntax.
 *
 * @example
 * ```ts
 * libvirtCputune({ vcpuPins: [2, 3], emulatorCpus: [0, 16] });
 * // <cputune>\n  <vcpupin vcpu='0' cpuset='2'/>\n  <vcpupin vcpu='1' cpuset='3'/>\n  <emulatorpin cpuset='0,16'/>\n</cputune>
 * ```
 */
export function libvirtCputune(
  spec: CputuneSpec,
  options: { readonly indent?: string } = {},
): string {
  if (spec.vcpuPins.length === 0)
    throw new VmCorePinnerError("EMIT_INVALID", "a domain needs at least one vCPU", {
      field: "vcpuPins",
    });
  const ind = options.indent ?? "  ";
  const lines = ["<cputune>"];
  spec.vcpuPins.forEach((cpu, i) => {
    lines.push(`${ind}<vcpupin vcpu='${i}' cpuset='${formatCpuList([cpu])}'/>`);
  });
  if (spec.emulatorCpus && spec.emulatorCpus.length > 0)
    lines.push(`${ind}<emulatorpin cpuset='${formatCpuList(spec.emulatorCpus)}'/>`);
  for (const io of spec.iothreads ?? []) {
    if (!Number.isSafeInteger(io.id) || io.id < 1)
      throw new VmCorePinnerError("EMIT_INVALID", `iothread id must be ≥ 1, got ${io.id}`, {
        field: "iothreads",
      });
    lines.push(`${ind}<iothreadpin iothread='${io.id}' cpuset='${formatCpuList(io.cpus)}'/>`);
  }
  if (spec.vcpuSched) {
    lines.push(
      `${ind}<vcpusched vcpus='${formatCpuList(spec.vcpuPins.map((_, i) => i))}' scheduler='${spec.vcpuSched.scheduler}' priority='${spec.vcpuSched.priority}'/>`,
    );
  }
  lines.push("</cputune>");
  return lines.join("\n");
}

/**
 * Read back the pinning of a libvirt `<cputune>` element (or a whole `<domain>`).
 *
 * @throws {@link VmCorePinnerError} `XML_MALFORMED`, `LIBVIRT_XML_INVALID` (with line).
 * @example
 * ```ts
 * parseLibvirtCputune("<cputune><vcpupin vcpu='0' cpuset='2'/><emulatorpin cpuset='0'/></cputune>");
 * // { vcpuPins: [[2]], emulatorCpus: [0] }
 * ```
 */
export function parseLibvirtCputune(xml: string): {
  vcpuPins: number[][];
  emulatorCpus: number[] | null;
} {
  const root = parseXml(xml, "libvirt cputune");
  const cputune = root.name === "cputune" ? root : root.children.find((c) => c.name === "cputune");
  if (!cputune) {
    throw new VmCorePinnerError("LIBVIRT_XML_INVALID", "libvirt cputune: no <cputune> element", {
      ...(root.line !== undefined ? { line: root.line } : {}),
      field: root.name,
    });
  }
  const pins: number[][] = [];
  let emulator: number[] | null = null;
  for (const el of cputune.children) {
    const where = { ...(el.line !== undefined ? { line: el.line } : {}), field: el.name };
    try {
      if (el.name === "vcpupin") {
        const v = el.attrs.vcpu ?? "";
        if (!/^\d+$/.test(v)) throw new Error(`vcpu=${JSON.stringify(v)} is not a number`);
        pins[Number(v)] = parseCpuList(el.attrs.cpuset ?? "");
      } else if (el.name === "emulatorpin") emulator = parseCpuList(el.attrs.cpuset ?? "");
    } catch (e) {
      throw new VmCorePinnerError(
        "LIBVIRT_XML_INVALID",
        `libvirt cputune: <${el.name}>: ${(e as Error).message}`,
        where,
        { cause: e },
      );
    }
  }
  return { vcpuPins: Array.from(pins, (p) => p ?? []), emulatorCpus: emulator };
}

/**
 * cgroup v2 cpuset interface file contents for a guest: `cpuset.cpus` (kernel cpu-list syntax) and
 * `cpuset.mems` (NUMA nodes), and `cpuset.cpus.partition` (`root` makes the cpuset an exclusive
 * partition: its CPUs are taken away from the parent's effective CPUs).
 *
 * @example
 * ```ts
 * cgroupCpuset([2, 3, 18, 19], [0]);
 * // { "cpuset.cpus": "2-3,18-19", "cpuset.mems": "0", "cpuset.cpus.partition": "root" }
 * ```
 */
export function cgroupCpuset(
  cpus: readonly number[],
  mems: readonly number[],
  options: { readonly partition?: "root" | "member" | "isolated" } = {},
): {
  readonly "cpuset.cpus": string;
  readonly "cpuset.mems": string;
  readonly "cpuset.cpus.partition": string;
} {
  if (cpus.length === 0)
    throw new VmCorePinnerError(
      "EMIT_INVALID",
      "an empty cpuset.cpus would inherit the parent's CPUs",
      { field: "cpus" },
    );
  return {
    "cpuset.cpus": formatCpuList(cpus),
    "cpuset.mems": formatCpuList(mems),
    "cpuset.cpus.partition": options.partition ?? "root",
  };
}

/**
 * The guest CPU topology that mirrors a pinned allocation, so the guest scheduler sees the real
 * SMT siblings: libvirt `<vcpu placement='static'>N</vcpu>` and
 * `<cpu mode='host-passthrough'><topology sockets='1' dies='1' cores='C' threads='T'/></cpu>`.
 * `threads` is the number of vCPUs placed on each host core (1 when cores carry different counts).
 *
 * @param vcpuPinsByCore - the vCPU pins grouped by host core, in vCPU order.
 * @example
 * ```ts
 * libvirtGuestCpu([[2, 18], [3, 19]]).topology; // "<topology sockets='1' dies='1' cores='2' threads='2'/>"
 * ```
 */
export function libvirtGuestCpu(vcpuPinsByCore: readonly (readonly number[])[]): {
  readonly vcpu: string;
  readonly topology: string;
  readonly cpu: string;
} {
  const n = vcpuPinsByCore.reduce((a, c) => a + c.length, 0);
  if (n === 0)
    throw new VmCorePinnerError("EMIT_INVALID", "a domain needs at least one vCPU", {
      field: "vcpuPins",
    });
  const sizes = new Set(vcpuPinsByCore.map((c) => c.length));
  const threads = sizes.size === 1 ? (vcpuPinsByCore[0] as readonly number[]).length : 1;
  const cores = n / threads;
  const topology = `<topology sockets='1' dies='1' cores='${cores}' threads='${threads}'/>`;
  return {
    vcpu: `<vcpu placement='static'>${n}</vcpu>`,
    topology,
    cpu: `<cpu mode='host-passthrough' check='none'>\n  ${topology}\n</cpu>`,
  };
}
