import type { MacAddress } from "@dyninfra/mac-address";
import { BROADCAST_MAC, isMulticastMac, isValidUnicastMac, MacTable } from "@dyninfra/mac-address";
import { checkFrame, type Frame } from "./bridge";
import { VepaSwitchError } from "./errors";

/** Port modes of a host's embedded switch (macvlan modes, ip-link(8) `mode`). */
export type EmbeddedPortMode = "private" | "vepa" | "bridge" | "passthru";

/** A virtual port (one macvlan device / VM interface) on the lower device. */
export interface EmbeddedPortConfig {
  readonly name: string;
  /** Unicast MAC; ignored for passthru, which inherits the lower device's address. */
  readonly mac?: MacAddress;
  readonly mode: EmbeddedPortMode;
  /** Administratively up (IFF_UP); default true. */
  readonly up?: boolean;
  /** Multicast groups the interface subscribed to (its mc list); broadcast is always accepted. */
  readonly multicast?: readonly MacAddress[];
  /** IFF_ALLMULTI or IFF_PROMISC: accept every group address. */
  readonly allmulti?: boolean;
}

/** A frame handed to a virtual port. */
export interface EmbeddedDelivery {
  readonly port: string;
  readonly frame: Frame;
}

/** Expected outcome of a configuration request (`ip link add … type macvlan mode …`). */
export type ConfigResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly errno: "EINVAL" | "EADDRINUSE" | "EEXIST" | "ENODEV";
      readonly message: string;
    };

/**
 * What a host's embedded switch must offer the {@link VepaFabric}: ports to add and remove, a
 * transmit decision (local deliveries and/or the uplink) and a receive decision for frames coming
 * down the uplink. {@link MacvlanPort} is the reference implementation; an SR-IOV NIC model can be
 * adapted to it.
 *
 * @example
 * ```ts
 * const sw: EmbeddedSwitch = new MacvlanPort({ lowerMac: 0x001b21000001 });
 * ```
 */
export interface EmbeddedSwitch {
  add(config: EmbeddedPortConfig): ConfigResult;
  remove(name: string): ConfigResult;
  transmit(name: string, frame: Frame): { local: EmbeddedDelivery[]; wire: Frame | null };
  receive(frame: Frame): { deliveries: EmbeddedDelivery[]; toLowerdev: boolean };
}

interface Vport {
  name: string;
  mac: MacAddress;
  mode: EmbeddedPortMode;
  up: boolean;
  multicast: Set<MacAddress>;
  allmulti: boolean;
  index: number;
}

/**
 * The embedded switch of one host's uplink (a "macvlan port" on a lower device), forwarding
 * exactly as drivers/net/macvlan.c does:
 *
 * Transmit (`macvlan_queue_xmit`): a bridge-mode port delivers unicast for another bridge-mode
 * port locally and floods group frames to the other bridge-mode ports *and* the wire; every other
 * case goes to the wire.
 *
 * Receive from the wire (`macvlan_handle_frame` + `macvlan_process_broadcast`): a group frame
 * whose source is a local private or passthru port is returned to that port only; otherwise it
 * goes to the lower device and is replicated — from an outside source to every port, from a
 * local VEPA port to VEPA and bridge ports, from a local bridge port to VEPA ports only — never to
 * the port whose address is the source (source pruning), and only to ports whose multicast filter
 * takes it. Unicast goes to the port owning the destination (in passthru, to the single port),
 * or to the lower device. Down ports are not in the address hash.
 *
 * @example
 * ```ts
 * const sw = new MacvlanPort({ lowerMac: 0x001b21000001 });
 * sw.add({ name: "vm1", mac: 0x020000000001, mode: "vepa" });
 * sw.add({ name: "vm2", mac: 0x020000000002, mode: "vepa" });
 * sw.transmit("vm1", { dst: 0x020000000002, src: 0x020000000001 }); // { local: [], wire: frame }
 * sw.receive({ dst: 0x020000000002, src: 0x020000000001 }).deliveries; // [{ port: "vm2", … }]
 * ```
 */
export class MacvlanPort implements EmbeddedSwitch {
  readonly lowerMac: MacAddress;
  private readonly vports: Vport[] = [];
  private readonly byMac = new Map<MacAddress, Vport>(); // the vlan_hash: up ports only
  private readonly macIndex = new MacTable(64); // same keys → index, for the allocation-free paths

  constructor(options: { readonly lowerMac: MacAddress }) {
    if (!isValidUnicastMac(options.lowerMac)) {
      throw new VepaSwitchError("BAD_MAC", "lower device needs a unicast MAC", {
        field: "lowerMac",
      });
    }
    this.lowerMac = options.lowerMac;
  }

  /** True when the port runs in passthru mode (`macvlan_passthru`). */
  get passthru(): boolean {
    return this.vports.length > 0 && this.vports[0]!.mode === "passthru";
  }

  /** Names of the virtual ports, in creation order. */
  get portNames(): string[] {
    return this.vports.map((v) => v.name);
  }

  /** Creates a virtual port (macvlan_common_newlink): passthru must be alone; MACs must be free (macvlan_addr_busy). */
  add(config: EmbeddedPortConfig): ConfigResult {
    if (this.vports.some((v) => v.name === config.name)) {
      return { ok: false, errno: "EEXIST", message: `${config.name} exists` };
    }
    if (this.passthru)
      return { ok: false, errno: "EINVAL", message: "passthru port already owns the device" };
    if (config.mode === "passthru" && this.vports.length > 0) {
      return {
        ok: false,
        errno: "EINVAL",
        message: "passthru requires an otherwise unused device",
      };
    }
    const mac = config.mode === "passthru" ? this.lowerMac : config.mac;
    if (mac === undefined || !isValidUnicastMac(mac)) {
      return { ok: false, errno: "EINVAL", message: "a unicast MAC is required" };
    }
    const up = config.up ?? true;
    if (config.mode !== "passthru" && up && this.addrBusy(mac)) {
      return { ok: false, errno: "EADDRINUSE", message: "MAC in use on this device" };
    }
    const v: Vport = {
      name: config.name,
      mac,
      mode: config.mode,
      up,
      multicast: new Set(config.multicast ?? []),
      allmulti: config.allmulti ?? false,
      index: this.vports.length,
    };
    this.vports.push(v);
    if (up) this.byMac.set(mac, v);
    this.reindex();
    return { ok: true };
  }

  private addrBusy(mac: MacAddress): boolean {
    return mac === this.lowerMac || this.byMac.has(mac);
  }

  private find(name: string): Vport | undefined {
    return this.vports.find((v) => v.name === name);
  }

  /** Deletes a virtual port. */
  remove(name: string): ConfigResult {
    const i = this.vports.findIndex((v) => v.name === name);
    if (i < 0) return { ok: false, errno: "ENODEV", message: `no port ${name}` };
    const v = this.vports[i]!;
    if (v.up) this.byMac.delete(v.mac);
    this.vports.splice(i, 1);
    this.reindex();
    return { ok: true };
  }

  /** `ip link set NAME up|down` (macvlan_open / macvlan_stop). */
  setUp(name: string, up: boolean): ConfigResult {
    const v = this.find(name);
    if (v === undefined) return { ok: false, errno: "ENODEV", message: `no port ${name}` };
    if (up === v.up) return { ok: true };
    if (up) {
      if (v.mode !== "passthru" && this.addrBusy(v.mac)) {
        return { ok: false, errno: "EADDRINUSE", message: "MAC in use on this device" };
      }
      this.byMac.set(v.mac, v);
    } else this.byMac.delete(v.mac);
    v.up = up;
    this.reindex();
    return { ok: true };
  }

  /** `ip link set NAME type macvlan mode M`: passthru can be neither set nor cleared (EINVAL). */
  setMode(name: string, mode: EmbeddedPortMode): ConfigResult {
    const v = this.find(name);
    if (v === undefined) return { ok: false, errno: "ENODEV", message: `no port ${name}` };
    if ((mode === "passthru") !== (v.mode === "passthru")) {
      return { ok: false, errno: "EINVAL", message: "passthru cannot be changed dynamically" };
    }
    v.mode = mode;
    return { ok: true };
  }

  /** Replaces the multicast subscriptions / allmulti flag of a port. */
  setMulticast(name: string, groups: readonly MacAddress[], allmulti = false): ConfigResult {
    const v = this.find(name);
    if (v === undefined) return { ok: false, errno: "ENODEV", message: `no port ${name}` };
    v.multicast = new Set(groups);
    v.allmulti = allmulti;
    return { ok: true };
  }

  /** Mode and MAC of a port. */
  info(name: string): { mac: MacAddress; mode: EmbeddedPortMode; up: boolean } | undefined {
    const v = this.find(name);
    return v === undefined ? undefined : { mac: v.mac, mode: v.mode, up: v.up };
  }

  /** Port name owning `mac` among up ports (the address hash), or undefined. */
  lookup(mac: MacAddress): string | undefined {
    return this.byMac.get(mac)?.name;
  }

  private accepts(v: Vport, dst: MacAddress): boolean {
    return dst === BROADCAST_MAC || v.allmulti || v.multicast.has(dst);
  }

  /** macvlan_broadcast: every up port in `modes`, except `src`, whose filter accepts the group. */
  private broadcast(
    frame: Frame,
    src: Vport | undefined,
    modes: readonly EmbeddedPortMode[],
  ): EmbeddedDelivery[] {
    const out: EmbeddedDelivery[] = [];
    for (const v of this.vports) {
      if (!v.up || v === src || !modes.includes(v.mode)) continue;
      if (this.accepts(v, frame.dst)) out.push({ port: v.name, frame });
    }
    return out;
  }

  /**
   * A virtual port sends `frame` (macvlan_start_xmit → macvlan_queue_xmit). Returns the local
   * deliveries (bridge mode only) and the frame put on the wire, if any. A down port sends nothing.
   */
  transmit(name: string, frame: Frame): { local: EmbeddedDelivery[]; wire: Frame | null } {
    const v = this.find(name);
    if (v === undefined) throw new VepaSwitchError("NO_PORT", `no port ${name}`, { field: "port" });
    checkFrame(frame);
    if (!v.up) return { local: [], wire: null };
    if (v.mode === "bridge") {
      if (isMulticastMac(frame.dst)) {
        return { local: this.broadcast(frame, v, ["bridge"]), wire: frame };
      }
      const dest = this.byMac.get(frame.dst);
      if (dest !== undefined && dest.mode === "bridge") {
        return { local: [{ port: dest.name, frame }], wire: null };
      }
    }
    return { local: [], wire: frame };
  }

  /**
   * A frame arrives from the wire on the lower device. Returns the virtual-port deliveries and
   * whether the lower device's own stack also receives it.
   */
  receive(frame: Frame): { deliveries: EmbeddedDelivery[]; toLowerdev: boolean } {
    checkFrame(frame);
    if (isMulticastMac(frame.dst)) {
      const src = this.byMac.get(frame.src);
      if (src !== undefined && src.mode !== "vepa" && src.mode !== "bridge") {
        // "forward to original port": private/passthru sources get their own group frame back, only.
        return { deliveries: [{ port: src.name, frame }], toLowerdev: false };
      }
      const modes: readonly EmbeddedPortMode[] =
        src === undefined
          ? ["private", "vepa", "passthru", "bridge"]
          : src.mode === "vepa"
            ? ["vepa", "bridge"]
            : ["vepa"];
      return { deliveries: this.broadcast(frame, src, modes), toLowerdev: true };
    }
    if (this.passthru) {
      const v = this.vports[0]!;
      return v.up
        ? { deliveries: [{ port: v.name, frame }], toLowerdev: false }
        : { deliveries: [], toLowerdev: false };
    }
    const v = this.byMac.get(frame.dst);
    if (v === undefined) return { deliveries: [], toLowerdev: true };
    return { deliveries: [{ port: v.name, frame }], toLowerdev: false };
  }

  /**
   * Allocation-free unicast transmit decision for the port at `index` (creation order): -1 = to
   * the wire, ≥ 0 = index of the local bridge-mode port it is delivered to, -3 = not sent (down).
   */
  transmitUnicastIndex(index: number, dst: MacAddress): number {
    const v = this.vports[index];
    if (v === undefined || !v.up) return -3;
    if (v.mode !== "bridge") return -1;
    const d = this.macIndex.get(dst);
    return d >= 0 && this.vports[d]!.mode === "bridge" ? d : -1;
  }

  /** Allocation-free unicast receive: index (creation order) of the port for `dst`, or -1 (to the lower device). */
  receiveUnicastIndex(dst: MacAddress): number {
    if (this.vports.length > 0 && this.vports[0]!.mode === "passthru")
      return this.vports[0]!.up ? 0 : -1;
    return this.macIndex.get(dst);
  }

  private reindex(): void {
    this.vports.forEach((v, i) => {
      v.index = i;
    });
    this.macIndex.clear();
    for (const [mac, v] of this.byMac) this.macIndex.set(mac, v.index);
  }
}
