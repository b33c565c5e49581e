import { BROADCAST_MAC, isMulticastMac, type MacAddress } from "@dyninfra/mac-address";
import { VepaSwitchError } from "./errors";
import { Fdb, type FdbOptions } from "./fdb";

/** An Ethernet frame as the switches see it. */
export interface Frame {
  readonly dst: MacAddress;
  readonly src: MacAddress;
  /** VID of the 802.1Q tag; absent = untagged; 0 = priority-tagged. */
  readonly vlan?: number;
  /** Priority code point of the tag. */
  readonly pcp?: number;
  /** Opaque payload reference, carried unchanged (lets tests track copies). */
  readonly payload?: unknown;
}

/**
 * Throws `BAD_FRAME` unless both addresses are 48-bit integers and the tag (if any) a 12-bit VID.
 *
 * @example
 * ```ts
 * checkFrame({ dst: 0xffffffffffff, src: 0x020000000001, vlan: 10 }); // ok
 * ```
 */
export function checkFrame(frame: Frame): void {
  const macOk = (m: number) => Number.isInteger(m) && m >= 0 && m <= 0xffff_ffff_ffff;
  if (!macOk(frame.dst) || !macOk(frame.src)) {
    throw new VepaSwitchError("BAD_FRAME", "frame addresses must be 48-bit integers", {
      field: "dst",
    });
  }
  if (
    frame.vlan !== undefined &&
    (!Number.isInteger(frame.vlan) || frame.vlan < 0 || frame.vlan > 4095)
  ) {
    throw new VepaSwitchError("BAD_FRAME", `VLAN ID ${frame.vlan} outside 0…4095`, {
      field: "vlan",
    });
  }
}

/** STP port states (br_private.h BR_STATE_*). */
export type PortState = "disabled" | "listening" | "learning" | "forwarding" | "blocking";

/** A bridge port's VLAN membership entry (`bridge vlan add dev PORT vid VID [pvid] [untagged]`). */
export interface PortVlan {
  readonly vid: number;
  readonly pvid?: boolean;
  readonly untagged?: boolean;
}

/** Configuration of a bridge port (`ip link set PORT type bridge_slave …`). */
export interface BridgePortConfig {
  readonly name: string;
  /** VLANs; default: VLAN 1 as PVID, egress untagged (the bridge's default_pvid). */
  readonly vlans?: readonly PortVlan[];
  /** Reflective relay (`hairpin on`, BR_HAIRPIN_MODE): frames may leave by the port they came in. */
  readonly hairpin?: boolean;
  readonly learning?: boolean;
  /** Flood unknown unicast (BR_FLOOD). */
  readonly flood?: boolean;
  /** Flood multicast (BR_MCAST_FLOOD). */
  readonly mcastFlood?: boolean;
  /** Flood broadcast (BR_BCAST_FLOOD). */
  readonly bcastFlood?: boolean;
  /** Isolated ports (BR_ISOLATED) never forward to each other. */
  readonly isolated?: boolean;
  readonly state?: PortState;
}

/** A frame leaving the bridge through `port`, tagged as that port's egress policy says. */
export interface BridgeDelivery {
  readonly port: number;
  readonly frame: Frame;
}

/** What happened to a received frame. */
export type BridgeVerdict =
  | { readonly kind: "forwarded"; readonly deliveries: readonly BridgeDelivery[] }
  | { readonly kind: "flooded"; readonly deliveries: readonly BridgeDelivery[] }
  | {
      readonly kind: "dropped";
      readonly reason: "ingress-vlan" | "port-state" | "same-port" | "egress-filtered" | "no-port";
    };

/** Options of {@link Bridge}. */
export interface BridgeOptions extends FdbOptions {
  /** `vlan_filtering` (802.1Q bridge); default true. Off: one FDB, frames pass unchanged. */
  readonly vlanFiltering?: boolean;
}

const NOT_MEMBER = 0;
const TAGGED = 1;
const UNTAGGED = 2;

interface Port {
  name: string;
  vlans: Uint8Array; // vid → NOT_MEMBER | TAGGED | UNTAGGED (egress policy)
  pvid: number; // 0 = none
  hairpin: boolean;
  learning: boolean;
  flood: boolean;
  mcastFlood: boolean;
  bcastFlood: boolean;
  isolated: boolean;
  state: PortState;
}

/**
 * An IEEE 802.1Q learning bridge with the Linux bridge's forwarding rules
 * (net/bridge/br_input.c, br_forward.c, br_vlan.c): ingress VLAN classification (PVID for
 * untagged and priority-tagged frames, membership check for tagged ones), learning into a
 * (MAC, VID) FDB, known unicast sent to one port, unknown unicast / multicast / broadcast
 * flooded, and `should_deliver`: never back out of the ingress port unless that port is in
 * hairpin mode (reflective relay, 802.1Qbg), only to forwarding ports that are members of the
 * VLAN, never between two isolated ports. Egress tags or strips per the port's VLAN entry.
 *
 * @example
 * ```ts
 * const br = new Bridge();
 * const uplink = br.addPort({ name: "swp1", hairpin: true });
 * br.receive(uplink, { dst: 0x020000000002, src: 0x020000000001 }, 0); // flooded, back out swp1
 * ```
 */
export class Bridge {
  readonly fdb: Fdb;
  readonly vlanFiltering: boolean;
  private readonly ports: Port[] = [];

  constructor(options: BridgeOptions = {}) {
    this.fdb = new Fdb(options);
    this.vlanFiltering = options.vlanFiltering ?? true;
  }

  /** Number of ports. */
  get portCount(): number {
    return this.ports.length;
  }

  /** Adds a port and returns its index. */
  addPort(config: BridgePortConfig): number {
    const vlans = new Uint8Array(4096);
    let pvid = 0;
    for (const v of config.vlans ?? [{ vid: 1, pvid: true, untagged: true }]) {
      if (!Number.isInteger(v.vid) || v.vid < 1 || v.vid > 4094) {
        throw new VepaSwitchError("BAD_VLAN", `VLAN ID ${v.vid} outside 1…4094`, { field: "vid" });
      }
      vlans[v.vid] = v.untagged ? UNTAGGED : TAGGED;
      if (v.pvid) pvid = v.vid;
    }
    this.ports.push({
      name: config.name,
      vlans,
      pvid,
      hairpin: config.hairpin ?? false,
      learning: config.learning ?? true,
      flood: config.flood ?? true,
      mcastFlood: config.mcastFlood ?? true,
      bcastFlood: config.bcastFlood ?? true,
      isolated: config.isolated ?? false,
      state: config.state ?? "forwarding",
    });
    return this.ports.length - 1;
  }

  private port(i: number): Port {
    const p = this.ports[i];
    if (p === undefined)
      throw new VepaSwitchError("BAD_PORT", `no bridge port ${i}`, { field: "port" });
    return p;
  }

  /** Port name. */
  portName(i: number): string {
    return this.port(i).name;
  }

  /** `bridge link set dev PORT hairpin on|off` (reflective relay). */
  setHairpin(i: number, on: boolean): void {
    this.port(i).hairpin = on;
  }

  /** Whether the port reflects frames back (hairpin). */
  hairpin(i: number): boolean {
    return this.port(i).hairpin;
  }

  /** STP state; leaving forwarding/learning flushes the port's dynamic FDB entries. */
  setState(i: number, state: PortState): void {
    this.port(i).state = state;
    if (state !== "forwarding" && state !== "learning") this.fdb.flushPort(i);
  }

  /** `bridge vlan add dev PORT vid VID [pvid] [untagged]`. */
  addVlan(i: number, vlan: PortVlan): void {
    const p = this.port(i);
    if (!Number.isInteger(vlan.vid) || vlan.vid < 1 || vlan.vid > 4094) {
      throw new VepaSwitchError("BAD_VLAN", `VLAN ID ${vlan.vid} outside 1…4094`, { field: "vid" });
    }
    p.vlans[vlan.vid] = vlan.untagged ? UNTAGGED : TAGGED;
    if (vlan.pvid) p.pvid = vlan.vid;
    else if (p.pvid === vlan.vid) p.pvid = 0;
  }

  /** `bridge vlan del dev PORT vid VID`. */
  removeVlan(i: number, vid: number): void {
    const p = this.port(i);
    if (Number.isInteger(vid) && vid >= 0 && vid < 4096) p.vlans[vid] = NOT_MEMBER;
    if (p.pvid === vid) p.pvid = 0;
  }

  /** VLAN membership of a port: vid → { untagged, pvid }. */
  portVlans(i: number): { vid: number; untagged: boolean; pvid: boolean }[] {
    const p = this.port(i);
    const out: { vid: number; untagged: boolean; pvid: boolean }[] = [];
    for (let vid = 1; vid < 4095; vid++) {
      const m = p.vlans[vid]!;
      if (m !== NOT_MEMBER) out.push({ vid, untagged: m === UNTAGGED, pvid: p.pvid === vid });
    }
    return out;
  }

  /** br_allowed_ingress: the VID the frame belongs to, or -1 when dropped (0 without VLAN filtering). */
  private ingressVid(p: Port, frame: Frame): number {
    if (!this.vlanFiltering) return 0;
    if (frame.vlan === undefined || frame.vlan === 0) return p.pvid === 0 ? -1 : p.pvid;
    return frame.vlan > 0 && frame.vlan < 4095 && p.vlans[frame.vlan] !== NOT_MEMBER
      ? frame.vlan
      : -1;
  }

  /** should_deliver (br_forward.c). */
  private shouldDeliver(to: number, from: number, vid: number): boolean {
    const p = this.ports[to]!;
    if (to === from && !p.hairpin) return false;
    if (p.state !== "forwarding") return false;
    if (this.vlanFiltering && p.vlans[vid] === NOT_MEMBER) return false;
    return !(p.isolated && this.ports[from]!.isolated);
  }

  private egress(to: number, frame: Frame, vid: number): BridgeDelivery {
    if (!this.vlanFiltering) return { port: to, frame };
    const untagged = this.ports[to]!.vlans[vid] === UNTAGGED;
    const { vlan: _v, pcp: _p, ...bare } = frame;
    return {
      port: to,
      frame: untagged
        ? bare
        : { ...bare, vlan: vid, ...(frame.pcp !== undefined ? { pcp: frame.pcp } : {}) },
    };
  }

  /**
   * Receives `frame` on port `inPort` at time `now` (seconds) and returns where it goes.
   */
  receive(inPort: number, frame: Frame, now: number): BridgeVerdict {
    const p = this.port(inPort);
    checkFrame(frame);
    if (p.state === "disabled" || p.state === "blocking" || p.state === "listening") {
      return { kind: "dropped", reason: "port-state" };
    }
    const vid = this.ingressVid(p, frame);
    if (vid < 0) return { kind: "dropped", reason: "ingress-vlan" };
    if (p.learning) this.fdb.learn(frame.src, vid, inPort, now);
    if (p.state === "learning") return { kind: "dropped", reason: "port-state" };
    if (!isMulticastMac(frame.dst)) {
      const to = this.fdb.lookup(frame.dst, vid, now);
      if (to >= 0) {
        if (to >= this.ports.length) return { kind: "dropped", reason: "no-port" };
        if (!this.shouldDeliver(to, inPort, vid)) {
          return { kind: "dropped", reason: to === inPort ? "same-port" : "egress-filtered" };
        }
        return { kind: "forwarded", deliveries: [this.egress(to, frame, vid)] };
      }
    }
    const deliveries: BridgeDelivery[] = [];
    const bcast = frame.dst === BROADCAST_MAC;
    const mcast = !bcast && isMulticastMac(frame.dst);
    for (let to = 0; to < this.ports.length; to++) {
      const q = this.ports[to]!;
      if (bcast ? !q.bcastFlood : mcast ? !q.mcastFlood : !q.flood) continue;
      if (this.shouldDeliver(to, inPort, vid)) deliveries.push(this.egress(to, frame, vid));
    }
    return { kind: "flooded", deliveries };
  }

  /**
   * Allocation-free unicast fast path: learns the source and returns the egress port, -1 when
   * dropped (a port in the learning state learns, then drops), -2 when the frame would be flooded
   * (unknown or group destination).
   * `vlan` is the tag's VID or -1 for untagged.
   */
  forwardUnicast(
    inPort: number,
    src: MacAddress,
    dst: MacAddress,
    vlan: number,
    now: number,
  ): number {
    const p = this.ports[inPort];
    if (p === undefined) return -1;
    // A port in the learning state learns the source but forwards nothing (as `receive`).
    const forwarding = p.state === "forwarding";
    if (!forwarding && p.state !== "learning") return -1;
    // NaN and out-of-range addresses fail these comparisons.
    if (!(src >= 0 && src <= 0xffff_ffff_ffff && dst >= 0 && dst <= 0xffff_ffff_ffff)) return -1;
    let vid = 0;
    if (this.vlanFiltering) {
      if (vlan <= 0) {
        vid = p.pvid;
        if (vid === 0) return -1;
      } else if (vlan < 4095 && (vlan | 0) === vlan && p.vlans[vlan] !== NOT_MEMBER) vid = vlan;
      else return -1;
    }
    if (p.learning) this.fdb.learn(src, vid, inPort, now);
    if (!forwarding) return -1;
    if ((Math.floor(dst / 0x100_0000_0000) & 1) === 1) return -2;
    const to = this.fdb.lookup(dst, vid, now);
    if (to < 0) return -2;
    return to < this.ports.length && this.shouldDeliver(to, inPort, vid) ? to : -1;
  }
}
