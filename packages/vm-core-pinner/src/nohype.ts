import {
  type CputuneSpec,
  type KernelIsolationParams,
  kernelIsolationParams,
  libvirtCputune,
  libvirtGuestCpu,
} from "./emitters";
import { VmCorePinnerError } from "./errors";
import {
  CorePinner,
  type FragmentationMetrics,
  type NoHypeOption,
  type PinAllocation,
  type PinRefusal,
  type VmRequest,
} from "./pinner";
import type { Topology } from "./topology";

/** A guest to place on a NoHype host. */
export interface NoHypeGuest extends VmRequest {
  readonly name: string;
}

/** The CPU side of a NoHype host: who runs where, and how the host keeps off guest cores. */
export interface NoHypeHostPlan {
  /** CPUs left to the host (housekeeping): emulator threads, IRQs, the host OS. */
  readonly housekeeping: readonly number[];
  /** Placed guests, in request order, with their `<cputune>`. */
  readonly guests: readonly {
    readonly name: string;
    readonly allocation: PinAllocation;
    readonly cputune: CputuneSpec;
    readonly cputuneXml: string;
    /** `<vcpu>` and `<cpu><topology>` mirroring the host cores the guest got. */
    readonly guestCpu: { readonly vcpu: string; readonly topology: string; readonly cpu: string };
  }[];
  /** Guests that could not be placed, with why. */
  readonly refused: readonly { readonly name: string; readonly refusal: PinRefusal }[];
  /** Kernel isolation for every CPU not kept for housekeeping (null when nothing is isolated). */
  readonly kernel: KernelIsolationParams | null;
  readonly fragmentation: FragmentationMetrics;
  /** The pinner, to keep allocating and freeing guests over time. */
  readonly pinner: CorePinner;
}

/**
 * The default housekeeping CPUs: all threads of the first core of each package (the host keeps
 * one whole core per socket, so no guest shares a core with it).
 *
 * @example
 * ```ts
 * defaultHousekeeping(parseHwlocSynthetic("pack:2 core:4 pu:2")); // [0, 1, 8, 9]
 * ```
 */
export function defaultHousekeeping(t: Topology): number[] {
  const out: number[] = [];
  for (const p of t.packages) {
    const first = t.cores.find((c) => c.package === p.index);
    if (first) out.push(...first.pus);
  }
  return out.sort((a, b) => a - b);
}

/**
 * Plan a NoHype host: every guest gets whole cores (no other guest, and not the host, ever gets a
 * sibling thread of them), optionally exclusive L3 caches and NUMA nodes against cache side
 * channels; the host keeps housekeeping cores for emulator threads and IRQs; every other CPU is
 * isolated from the kernel scheduler (`isolcpus`, `nohz_full`, `rcu_nocbs`).
 *
 * @throws {@link VmCorePinnerError} `DUPLICATE_VM` for two guests with one name.
 * @example
 * ```ts
 * const t = parseHwlocSynthetic("pack:2 numa:1 l3:1 core:8 pu:2(indexes=2*16:1*2)");
 * const plan = planNoHypeHost(t, { guests: [{ name: "vm1", vcpus: 4 }], options: ["l3-exclusive"] });
 * plan.guests[0]?.cputuneXml; // <cputune> with 4 vcpupin and an emulatorpin on the housekeeping CPUs
 * plan.kernel?.cmdline; // "isolcpus=managed_irq,domain,1-15,17-31 nohz_full=… rcu_nocbs=… irqaffinity=0,16"
 * ```
 */
export function planNoHypeHost(
  t: Topology,
  config: {
    readonly guests: readonly NoHypeGuest[];
    readonly housekeeping?: readonly number[];
    readonly options?: readonly NoHypeOption[];
    readonly available?: readonly number[];
  },
): NoHypeHostPlan {
  const housekeeping = [...(config.housekeeping ?? defaultHousekeeping(t))].sort((a, b) => a - b);
  const pinner = new CorePinner(t, {
    policy: "nohype",
    reserved: housekeeping,
    options: config.options ?? [],
    ...(config.available ? { available: config.available } : {}),
  });
  const names = new Set<string>();
  const guests: {
    name: string;
    allocation: PinAllocation;
    cputune: CputuneSpec;
    cputuneXml: string;
    guestCpu: { vcpu: string; topology: string; cpu: string };
  }[] = [];
  const refused: { name: string; refusal: PinRefusal }[] = [];
  for (const g of config.guests) {
    if (names.has(g.name))
      throw new VmCorePinnerError("DUPLICATE_VM", `guest ${JSON.stringify(g.name)} listed twice`, {
        field: "name",
      });
    names.add(g.name);
    const r = pinner.allocate(g.name, g);
    if (!r.ok) {
      refused.push({ name: g.name, refusal: r.refusal });
      continue;
    }
    const cputune: CputuneSpec = { vcpuPins: r.allocation.vcpuPins, emulatorCpus: housekeeping };
    guests.push({
      name: g.name,
      allocation: r.allocation,
      cputune,
      cputuneXml: libvirtCputune(cputune),
      guestCpu: libvirtGuestCpu(
        r.allocation.cores.map((ci) =>
          r.allocation.vcpuPins.filter((p) => t.cores[ci]?.pus.includes(p)),
        ),
      ),
    });
  }
  const hk = new Set(housekeeping);
  const isolated = t.cpus.filter((c) => !hk.has(c));
  return {
    housekeeping,
    guests,
    refused,
    kernel:
      isolated.length > 0 && housekeeping.length > 0
        ? kernelIsolationParams(isolated, { housekeeping })
        : null,
    fragmentation: pinner.fragmentation(),
    pinner,
  };
}
