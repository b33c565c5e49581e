import type { MacAddress } from "@dyninfra/mac-address";
import { BROADCAST_MAC, isMulticastMac, isValidUnicastMac, MacTable } from "@dyninfra/mac-address";
import { SriovQueuesError } from "./errors";
import { ixgbeSriovQueueLayout, type PoolLayout } from "./ixgbe-layout";
import { checkIxgbeVfRate, effectiveRateMbps, ixgbeRttbcnrc, TokenBucket } from "./rate-limit";
import type { Errno, SysfsResult } from "./sriov-pf";

/** 82599 receive address registers (RAR/MPSAR): unicast MAC filters shared by all pools. */
export const IXGBE_82599_RAR_ENTRIES = 128;
/** VLAN filter table (VFTA): 128 × 32 bits, one bit per VLAN ID. */
export const IXGBE_VFTA_BITS = 4096;
/** VLAN pool filters (VLVF/VLVFB): VLAN ID → pool bitmap. */
export const IXGBE_VLVF_ENTRIES = 64;
/** Multicast table array (MTA): 4096 hash bits. */
export const IXGBE_MTA_BITS = 4096;
/** IXGBE_MAX_PF_MACVLANS: RAR entries reserved for the PF's own extra MAC filters. */
export const IXGBE_MAX_PF_MACVLANS = 15;
/** IXGBE_MAX_VF_MC_ENTRIES: multicast hashes a VF may register. */
export const IXGBE_MAX_VF_MC_ENTRIES = 30;

/** VMOLR.AUPE (82599 VM Offload Register): the pool accepts untagged packets. */
export const VMOLR_AUPE = 0x0100_0000;
/** VMOLR.ROMPE: the pool accepts multicast packets that hit the MTA. */
export const VMOLR_ROMPE = 0x0200_0000;
/** VMOLR.BAM: the pool accepts broadcast packets. */
export const VMOLR_BAM = 0x0800_0000;
/** VMOLR.MPE: the pool accepts every multicast packet (multicast promiscuous). */
export const VMOLR_MPE = 0x1000_0000;

/** ixgbevf multicast modes (IXGBEVF_XCAST_MODE_*). */
export type XcastMode = "none" | "multi" | "allmulti" | "promisc";
/** `ip link set … vf N state …` (IFLA_VF_LINK_STATE_AUTO/ENABLE/DISABLE). */
export type VfLinkState = "auto" | "enable" | "disable";
/** The NIC's embedded switch mode (`bridge link set dev PF hwmode veb|vepa`). */
export type BridgeMode = "veb" | "vepa";

/** An Ethernet frame as the classifier sees it. */
export interface EthernetFrame {
  readonly dst: MacAddress;
  readonly src: MacAddress;
  /** 802.1Q VLAN ID of the (outer) tag; absent = untagged. VID 0 is priority-tagged (= untagged for filtering). */
  readonly vlan?: number;
  /** Priority code point of the outer tag. */
  readonly pcp?: number;
  /** Inner tag when the frame is double tagged. */
  readonly innerVlan?: number;
  /** Frame length in bytes (rate limiting); default 64. */
  readonly length?: number;
  /** Precomputed RSS hash (e.g. {@link toeplitzHash}); default 0. */
  readonly rssHash?: number;
}

/** A frame placed on a receive queue. */
export interface RxDelivery {
  readonly pool: number;
  /** VF index, or null for the PF's pool. */
  readonly vf: number | null;
  readonly queue: number;
  /** The frame as the function receives it (port VLAN tag stripped). */
  readonly frame: EthernetFrame;
  /** Tag removed by port-VLAN stripping, if any. */
  readonly strippedVlan?: number;
}

/** Why the hardware dropped a frame. */
export type DropReason =
  | "vlan-filter"
  | "no-mac-filter"
  | "no-pool-accepts"
  | "mac-spoof"
  | "vlan-spoof"
  | "link-down"
  | "rate-limited";

/** Result of receiving a frame: deliveries (one for unicast, one per accepting pool for broadcast/multicast) or a drop. */
export type RxResult =
  | { readonly ok: true; readonly deliveries: readonly RxDelivery[] }
  | { readonly ok: false; readonly reason: DropReason };

/** Result of a VF/PF transmit: the frame put on the wire (null in VEB loopback) and local loopback deliveries. */
export type TxResult =
  | {
      readonly ok: true;
      readonly wire: EthernetFrame | null;
      readonly local: readonly RxDelivery[];
    }
  | { readonly ok: false; readonly reason: DropReason; readonly retryAfterNs?: bigint };

/** The per-VF state `ip link show` reports (struct ifla_vf_info). */
export interface VfInfo {
  readonly vf: number;
  readonly mac: MacAddress;
  readonly vlan: number;
  readonly qos: number;
  readonly vlanProto: "802.1Q" | "802.1ad";
  readonly maxTxRate: number;
  readonly minTxRate: number;
  readonly spoofchk: boolean;
  readonly linkState: VfLinkState;
  readonly trust: boolean;
  readonly rssQuery: boolean;
}

/** Options of {@link Ixgbe82599Switch}. */
export interface Ixgbe82599Options {
  readonly numVfs: number;
  readonly pfMac: MacAddress;
  readonly numTcs?: 1 | 4 | 8;
  readonly rssLimit?: number;
  readonly linkSpeedMbps?: number;
  readonly linkUp?: boolean;
  readonly bridgeMode?: BridgeMode;
  /** Token-bucket depth for VF rate limits, in bytes; default 4096 (model parameter). */
  readonly rateBurstBytes?: number;
  /** PF unicast promiscuous: unmatched unicast goes to the PF's pool. */
  readonly pfPromiscuous?: boolean;
}

const UNTAGGED = -1;
const LINK: Record<VfLinkState, number> = { auto: 0, enable: 1, disable: 2 };
const LINK_NAME: readonly VfLinkState[] = ["auto", "enable", "disable"];

/**
 * `ixgbe_mta_vector` with mc_filter_type 0: bits 47:36 of the address (octet 4 high nibble,
 * octet 5) select one of the 4096 MTA bits.
 *
 * @example
 * ```ts
 * ixgbeMtaVector(parseMac("01:00:5e:00:00:fb")); // 0xfb0
 * ```
 */
export function ixgbeMtaVector(mac: MacAddress): number {
  const b5 = mac % 256;
  const b4 = Math.floor(mac / 256) % 256;
  return ((b4 >> 4) | (b5 << 4)) & 0xfff;
}

function fail<T>(errno: Errno, message: string): SysfsResult<T> {
  return { ok: false, errno, message };
}
const OK: SysfsResult<void> = { ok: true, value: undefined };

/**
 * The Intel 82599 (ixgbe) embedded switch with SR-IOV: pools, the unicast MAC filters
 * (RAR/MPSAR, 128 entries), the VLAN filter table (VFTA, 4096 bits) and VLAN pool filters
 * (VLVF, 64 entries), the multicast table (MTA), per-pool offload bits (VMOLR), port VLANs
 * (VMVIR), anti-spoofing (PFVFSPOOF), Tx rate limiters (RTTBCNRC) and link state.
 *
 * Administrative calls mirror the `ndo_set_vf_*` callbacks behind `ip link set DEV vf N …`;
 * `vf…` calls mirror the VF mailbox requests ixgbe serves. All return an errno as a value.
 * The model keeps one invariant ixgbe leaves to the administrator: a MAC address belongs to at
 * most one pool (EADDRINUSE otherwise), so every (MAC, VLAN) selects at most one pool.
 *
 * @example
 * ```ts
 * const nic = new Ixgbe82599Switch({ numVfs: 4, pfMac: parseMac("00:1b:21:00:00:01") });
 * nic.setVfMac(0, parseMac("02:00:00:00:00:10"));
 * const rx = nic.receive({ dst: parseMac("02:00:00:00:00:10"), src: parseMac("02:aa:00:00:00:01") });
 * // rx.ok && rx.deliveries[0].vf === 0, queue in pool 0
 * ```
 */
export class Ixgbe82599Switch {
  readonly layout: PoolLayout;
  readonly numVfs: number;
  readonly linkSpeedMbps: number;
  readonly bridgeMode: BridgeMode;

  // RAR: entry → MAC and owning pool; MAC → entry via an open-addressing table.
  private readonly rarMac = new Float64Array(IXGBE_82599_RAR_ENTRIES).fill(-1);
  private readonly rarPool = new Int8Array(IXGBE_82599_RAR_ENTRIES).fill(-1);
  private readonly macToRar = new MacTable(IXGBE_82599_RAR_ENTRIES);
  private readonly vfMacvlanBudget: number;
  private vfMacvlansUsed = 0;
  // VLAN filters.
  private readonly vfta = new Uint32Array(IXGBE_VFTA_BITS / 32);
  private readonly vlvfVid = new Int16Array(IXGBE_VLVF_ENTRIES).fill(-1);
  private readonly vlvfPoolLo = new Uint32Array(IXGBE_VLVF_ENTRIES);
  private readonly vlvfPoolHi = new Uint32Array(IXGBE_VLVF_ENTRIES);
  private readonly vidToVlvf = new Int8Array(IXGBE_VFTA_BITS).fill(-1);
  // Multicast.
  private readonly mta = new Uint32Array(IXGBE_MTA_BITS / 32);
  private readonly mcHashes: number[][];
  // Per pool.
  private readonly vmolr: Uint32Array;
  private readonly rssWidth: Uint8Array;
  private readonly rxEnabled: Uint8Array;
  // Per VF.
  private readonly vfMac: Float64Array;
  private readonly pfSetMac: Uint8Array;
  private readonly portVlan: Int16Array;
  private readonly portQos: Uint8Array;
  private readonly spoofchk: Uint8Array;
  private readonly trust: Uint8Array;
  private readonly linkState: Uint8Array;
  private readonly maxTxRate: Uint16Array;
  private readonly rssQuery: Uint8Array;
  private readonly buckets: (TokenBucket | null)[];
  private readonly rateBurstBytes: number;
  private pfLinkUp: boolean;
  private readonly pfPromiscuous: boolean;

  constructor(options: Ixgbe82599Options) {
    this.layout = ixgbeSriovQueueLayout({
      numVfs: options.numVfs,
      numTcs: options.numTcs ?? 1,
      rssLimit: options.rssLimit ?? 16,
    });
    this.numVfs = options.numVfs;
    this.linkSpeedMbps = options.linkSpeedMbps ?? 10000;
    this.bridgeMode = options.bridgeMode ?? "veb";
    this.pfLinkUp = options.linkUp ?? true;
    this.pfPromiscuous = options.pfPromiscuous ?? false;
    this.rateBurstBytes = options.rateBurstBytes ?? 4096;
    const pools = this.layout.poolsInUse;
    const n = this.numVfs;
    this.vmolr = new Uint32Array(pools);
    this.rssWidth = new Uint8Array(pools);
    this.rxEnabled = new Uint8Array(pools);
    this.mcHashes = Array.from({ length: pools }, () => []);
    this.vfMac = new Float64Array(n);
    this.pfSetMac = new Uint8Array(n);
    this.portVlan = new Int16Array(n);
    this.portQos = new Uint8Array(n);
    this.spoofchk = new Uint8Array(n).fill(1); // ixgbe enables spoof checking by default
    this.trust = new Uint8Array(n);
    this.linkState = new Uint8Array(n);
    this.maxTxRate = new Uint16Array(n);
    this.rssQuery = new Uint8Array(n);
    this.buckets = Array.from({ length: n }, () => null);
    // ixgbe_set_num_vfs: each VF uses one RAR for its MAC; the rest beyond the PF reserve is shared by VF macvlans.
    this.vfMacvlanBudget = IXGBE_82599_RAR_ENTRIES - (IXGBE_MAX_PF_MACVLANS + 1 + n);
    for (let p = 0; p < pools; p++) {
      this.vmolr[p] = VMOLR_AUPE | VMOLR_BAM;
      this.rssWidth[p] =
        p === this.layout.pfPool ? this.layout.pfRssQueues : this.layout.queuesPerPool;
    }
    if (!isValidUnicastMac(options.pfMac)) {
      throw new SriovQueuesError("BAD_MAC", "PF MAC must be a valid unicast address", {
        field: "pfMac",
      });
    }
    this.vmolr[this.layout.pfPool] = VMOLR_AUPE | VMOLR_BAM | VMOLR_ROMPE;
    this.rarAdd(options.pfMac, this.layout.pfPool);
    this.refreshRxEnabled();
  }

  // ---------------------------------------------------------------- helpers

  private checkVf(vf: number): boolean {
    return Number.isInteger(vf) && vf >= 0 && vf < this.numVfs;
  }

  private poolVf(pool: number): number | null {
    return pool === this.layout.pfPool || pool >= this.numVfs ? null : pool;
  }

  private rarAdd(mac: MacAddress, pool: number): boolean {
    for (let i = 0; i < IXGBE_82599_RAR_ENTRIES; i++) {
      if (this.rarPool[i] === -1) {
        this.rarMac[i] = mac;
        this.rarPool[i] = pool;
        this.macToRar.set(mac, i);
        return true;
      }
    }
    return false;
  }

  private rarRemove(mac: MacAddress): void {
    const i = this.macToRar.get(mac);
    if (i < 0) return;
    this.rarMac[i] = -1;
    this.rarPool[i] = -1;
    this.macToRar.delete(mac);
  }

  private macOwner(mac: MacAddress): number {
    const i = this.macToRar.get(mac);
    return i < 0 ? -1 : this.rarPool[i]!;
  }

  private refreshRxEnabled(): void {
    for (let p = 0; p < this.layout.poolsInUse; p++) {
      const vf = this.poolVf(p);
      if (vf === null) this.rxEnabled[p] = this.pfLinkUp ? 1 : 0;
      else {
        const s = this.linkState[vf]!;
        this.rxEnabled[p] = s === LINK.enable || (s === LINK.auto && this.pfLinkUp) ? 1 : 0;
      }
    }
  }

  private vlvfHasPool(entry: number, pool: number): boolean {
    return pool < 32
      ? ((this.vlvfPoolLo[entry]! >>> pool) & 1) === 1
      : ((this.vlvfPoolHi[entry]! >>> (pool - 32)) & 1) === 1;
  }

  private poolInVlan(pool: number, vid: number): boolean {
    const e = this.vidToVlvf[vid]!;
    return e >= 0 && this.vlvfHasPool(e, pool);
  }

  private vlanAdd(vid: number, pool: number): boolean {
    let e = this.vidToVlvf[vid]!;
    if (e < 0) {
      e = this.vlvfVid.indexOf(-1);
      if (e < 0) return false;
      this.vlvfVid[e] = vid;
      this.vidToVlvf[vid] = e;
      this.vfta[vid >>> 5]! |= 1 << (vid & 31);
    }
    if (pool < 32) this.vlvfPoolLo[e] = (this.vlvfPoolLo[e]! | (1 << pool)) >>> 0;
    else this.vlvfPoolHi[e] = (this.vlvfPoolHi[e]! | (1 << (pool - 32))) >>> 0;
    return true;
  }

  private vlanRemove(vid: number, pool: number): void {
    const e = this.vidToVlvf[vid]!;
    if (e < 0) return;
    if (pool < 32) this.vlvfPoolLo[e] = (this.vlvfPoolLo[e]! & ~(1 << pool)) >>> 0;
    else this.vlvfPoolHi[e] = (this.vlvfPoolHi[e]! & ~(1 << (pool - 32))) >>> 0;
    if (this.vlvfPoolLo[e] === 0 && this.vlvfPoolHi[e] === 0) {
      this.vlvfVid[e] = -1;
      this.vidToVlvf[vid] = -1;
      this.vfta[vid >>> 5]! &= ~(1 << (vid & 31));
    }
  }

  private poolVlans(pool: number): number[] {
    const out: number[] = [];
    for (let e = 0; e < IXGBE_VLVF_ENTRIES; e++) {
      const vid = this.vlvfVid[e]!;
      if (vid >= 0 && this.vlvfHasPool(e, pool)) out.push(vid);
    }
    return out.sort((a, b) => a - b);
  }

  private rebuildMta(): void {
    this.mta.fill(0);
    for (const list of this.mcHashes) for (const h of list) this.mta[h >>> 5]! |= 1 << (h & 31);
  }

  private poolAccepts(pool: number, vid: number): boolean {
    if (this.rxEnabled[pool] === 0) return false;
    return vid === UNTAGGED ? (this.vmolr[pool]! & VMOLR_AUPE) !== 0 : this.poolInVlan(pool, vid);
  }

  // ------------------------------------------------------ administration (PF)

  /**
   * `ip link set DEV vf N mac LLADDR` (`ixgbe_ndo_set_vf_mac`): a valid unicast address is set
   * administratively (the VF may then not change it unless trusted); 00:00:00:00:00:00 clears it.
   */
  setVfMac(vf: number, mac: MacAddress): SysfsResult<void> {
    if (!this.checkVf(vf)) return fail("EINVAL", `VF ${vf} not enabled`);
    if (mac !== 0 && !isValidUnicastMac(mac)) return fail("EINVAL", "not a unicast address");
    const r = this.replaceVfMac(vf, mac);
    if (r.ok) this.pfSetMac[vf] = mac === 0 ? 0 : 1;
    return r;
  }

  private replaceVfMac(vf: number, mac: MacAddress): SysfsResult<void> {
    const old = this.vfMac[vf]!;
    if (mac === old) return OK;
    if (mac !== 0) {
      const owner = this.macOwner(mac);
      if (owner >= 0 && owner !== vf)
        return fail("EADDRINUSE", "MAC already owned by another pool");
      if (owner === vf) {
        // Promote an extra filter of the same pool to the primary address.
        this.rarRemove(mac);
        this.vfMacvlansUsed--;
      }
    }
    if (old !== 0) this.rarRemove(old);
    if (mac !== 0 && !this.rarAdd(mac, vf)) {
      if (old !== 0) this.rarAdd(old, vf);
      return fail("ENOSPC", "no free receive address register");
    }
    this.vfMac[vf] = mac;
    return OK;
  }

  /**
   * `ip link set DEV vf N vlan VID [qos Q] [proto P]` (`ixgbe_ndo_set_vf_vlan`): VID ≤ 4095,
   * QoS ≤ 7, only 802.1Q (EPROTONOSUPPORT otherwise). A non-zero VID or QoS sets a port VLAN:
   * the pool joins that VLAN only, stops accepting untagged frames, and its transmissions are
   * tagged (VMVIR). VID 0 with QoS 0 removes it.
   */
  setVfVlan(
    vf: number,
    vlan: number,
    qos = 0,
    proto: "802.1Q" | "802.1ad" = "802.1Q",
  ): SysfsResult<void> {
    if (!this.checkVf(vf) || !Number.isInteger(vlan) || vlan < 0 || vlan > 4095) {
      return fail("EINVAL", "bad VF or VLAN");
    }
    if (!Number.isInteger(qos) || qos < 0 || qos > 7) return fail("EINVAL", "QoS must be 0…7");
    if (proto !== "802.1Q") return fail("EPROTONOSUPPORT", "82599 supports 802.1Q port VLANs only");
    const oldVlan = this.portVlan[vf]!;
    const hadPortVlan = oldVlan !== 0 || this.portQos[vf] !== 0;
    if (vlan === 0 && qos === 0) {
      if (hadPortVlan) this.vlanRemove(oldVlan, vf);
      this.portVlan[vf] = 0;
      this.portQos[vf] = 0;
      this.vmolr[vf]! |= VMOLR_AUPE;
      return OK;
    }
    // Reject a VID that would need a 65th VLVF entry before touching anything.
    if (this.vidToVlvf[vlan]! < 0 && this.vlvfVid.indexOf(-1) < 0) {
      return fail("ENOSPC", "all 64 VLVF entries in use");
    }
    for (const vid of this.poolVlans(vf)) this.vlanRemove(vid, vf);
    this.vlanAdd(vlan, vf);
    this.portVlan[vf] = vlan;
    this.portQos[vf] = qos;
    this.vmolr[vf]! &= ~VMOLR_AUPE;
    return OK;
  }

  /** `ip link set DEV vf N spoofchk on|off`: MAC and VLAN anti-spoofing for the VF's pool. */
  setVfSpoofchk(vf: number, on: boolean): SysfsResult<void> {
    if (!this.checkVf(vf)) return fail("EINVAL", `VF ${vf} not enabled`);
    this.spoofchk[vf] = on ? 1 : 0;
    return OK;
  }

  /** `ip link set DEV vf N trust on|off`: a trusted VF may change an administratively set MAC, add MAC filters and use all-multicast. */
  setVfTrust(vf: number, on: boolean): SysfsResult<void> {
    if (!this.checkVf(vf)) return fail("EINVAL", `VF ${vf} not enabled`);
    this.trust[vf] = on ? 1 : 0;
    if (!on && (this.vmolr[vf]! & VMOLR_MPE) !== 0) {
      // ixgbe resets the VF on a trust change; privileges it no longer has are dropped.
      this.vmolr[vf]! &= ~VMOLR_MPE;
    }
    return OK;
  }

  /** `ip link set DEV vf N state auto|enable|disable`. */
  setVfLinkState(vf: number, state: VfLinkState): SysfsResult<void> {
    if (!this.checkVf(vf)) return fail("EINVAL", `VF ${vf} not enabled`);
    this.linkState[vf] = LINK[state];
    this.refreshRxEnabled();
    return OK;
  }

  /** `ip link set DEV vf N query_rss on|off`. */
  setVfRssQuery(vf: number, on: boolean): SysfsResult<void> {
    if (!this.checkVf(vf)) return fail("EINVAL", `VF ${vf} not enabled`);
    this.rssQuery[vf] = on ? 1 : 0;
    return OK;
  }

  /**
   * `ip link set DEV vf N max_tx_rate R [min_tx_rate 0]` (`ixgbe_ndo_set_vf_bw`): validated as
   * ixgbe does, then the VF's Tx is limited by a token bucket running at the rate the RTTBCNRC
   * rate factor yields.
   */
  setVfRate(vf: number, maxTxRateMbps: number, minTxRateMbps = 0): SysfsResult<void> {
    if (!this.checkVf(vf)) return fail("EINVAL", `VF ${vf} not enabled`);
    const errno = checkIxgbeVfRate({
      linkUp: this.pfLinkUp,
      linkSpeedMbps: this.linkSpeedMbps,
      maxTxRateMbps,
      minTxRateMbps,
    });
    if (errno !== null) return fail(errno, "rate rejected by ixgbe_ndo_set_vf_bw");
    this.maxTxRate[vf] = maxTxRateMbps;
    if (maxTxRateMbps === 0) this.buckets[vf] = null;
    else {
      const mbps = effectiveRateMbps(this.linkSpeedMbps, this.rttbcnrc(vf));
      this.buckets[vf] = new TokenBucket((mbps * 1e6) / 8, this.rateBurstBytes);
    }
    return OK;
  }

  /** The RTTBCNRC value programmed for every Tx queue of the VF's pool. */
  rttbcnrc(vf: number): number {
    if (!this.checkVf(vf)) {
      throw new SriovQueuesError("VF_OUT_OF_RANGE", `VF ${vf} not enabled`, { field: "vf" });
    }
    return ixgbeRttbcnrc(this.linkSpeedMbps, this.maxTxRate[vf]!);
  }

  /** PF link up/down (VFs in link-state auto follow it). */
  setLinkUp(up: boolean): void {
    this.pfLinkUp = up;
    this.refreshRxEnabled();
  }

  /** The PF joins VLAN `vid` (its pool then accepts frames tagged with it). */
  pfAddVlan(vid: number): SysfsResult<void> {
    if (!Number.isInteger(vid) || vid < 1 || vid > 4095) return fail("EINVAL", "bad VLAN ID");
    return this.vlanAdd(vid, this.layout.pfPool) ? OK : fail("ENOSPC", "VLVF full");
  }

  // ------------------------------------------------------ VF mailbox requests

  /** IXGBE_VF_SET_MAC_ADDR: the VF asks for a MAC; refused (EPERM) when the PF set one and the VF is not trusted. */
  vfSetMacAddr(vf: number, mac: MacAddress): SysfsResult<void> {
    if (!this.checkVf(vf)) return fail("EINVAL", `VF ${vf} not enabled`);
    if (!isValidUnicastMac(mac)) return fail("EINVAL", "not a unicast address");
    if (this.pfSetMac[vf] === 1 && this.trust[vf] === 0 && mac !== this.vfMac[vf]) {
      return fail("EPERM", "VF attempted to override administratively set MAC address");
    }
    return this.replaceVfMac(vf, mac);
  }

  /** IXGBE_VF_SET_MACVLAN: an extra unicast filter for the VF's pool (EPERM when the PF set the MAC and the VF is untrusted; ENOSPC when the shared RAR budget is used up). */
  vfAddMacFilter(vf: number, mac: MacAddress): SysfsResult<void> {
    if (!this.checkVf(vf)) return fail("EINVAL", `VF ${vf} not enabled`);
    if (!isValidUnicastMac(mac)) return fail("EINVAL", "not a unicast address");
    if (this.pfSetMac[vf] === 1 && this.trust[vf] === 0) {
      return fail("EPERM", "VF attempted to set a MAC filter while the PF controls its MAC");
    }
    const owner = this.macOwner(mac);
    if (owner === vf) return OK;
    if (owner >= 0) return fail("EADDRINUSE", "MAC already owned by another pool");
    if (this.vfMacvlansUsed >= this.vfMacvlanBudget)
      return fail("ENOSPC", "no VF macvlan entries left");
    if (!this.rarAdd(mac, vf)) return fail("ENOSPC", "no free receive address register");
    this.vfMacvlansUsed++;
    return OK;
  }

  /** IXGBE_VF_SET_MACVLAN with index 0: drop every extra filter of the VF. */
  vfClearMacFilters(vf: number): SysfsResult<void> {
    if (!this.checkVf(vf)) return fail("EINVAL", `VF ${vf} not enabled`);
    for (let i = 0; i < IXGBE_82599_RAR_ENTRIES; i++) {
      if (this.rarPool[i] === vf && this.rarMac[i] !== this.vfMac[vf]) {
        this.rarRemove(this.rarMac[i]!);
        this.vfMacvlansUsed--;
      }
    }
    return OK;
  }

  /** IXGBE_VF_SET_VLAN add: refused (EPERM) under a port VLAN; ENOSPC when all 64 VLVF entries are taken. */
  vfAddVlan(vf: number, vid: number): SysfsResult<void> {
    if (!this.checkVf(vf)) return fail("EINVAL", `VF ${vf} not enabled`);
    if (!Number.isInteger(vid) || vid < 0 || vid > 4095) return fail("EINVAL", "bad VLAN ID");
    if (this.portVlan[vf] !== 0 || this.portQos[vf] !== 0) {
      return fail("EPERM", "VF attempted to override administratively set VLAN configuration");
    }
    if (vid === 0) return OK; // VLAN 0 is priority tagging; always accepted
    return this.vlanAdd(vid, vf) ? OK : fail("ENOSPC", "VLVF full");
  }

  /** IXGBE_VF_SET_VLAN remove. */
  vfRemoveVlan(vf: number, vid: number): SysfsResult<void> {
    if (!this.checkVf(vf)) return fail("EINVAL", `VF ${vf} not enabled`);
    if (this.portVlan[vf] !== 0 || this.portQos[vf] !== 0) {
      return fail("EPERM", "VF attempted to override administratively set VLAN configuration");
    }
    if (Number.isInteger(vid) && vid > 0 && vid <= 4095) this.vlanRemove(vid, vf);
    return OK;
  }

  /** IXGBE_VF_SET_MULTICAST: the VF's multicast list (the first 30 hashes are kept) enables ROMPE for its pool. */
  vfSetMulticast(vf: number, groups: readonly MacAddress[]): SysfsResult<void> {
    if (!this.checkVf(vf)) return fail("EINVAL", `VF ${vf} not enabled`);
    this.mcHashes[vf] = groups.slice(0, IXGBE_MAX_VF_MC_ENTRIES).map(ixgbeMtaVector);
    this.vmolr[vf]! |= VMOLR_ROMPE;
    this.rebuildMta();
    return OK;
  }

  /** The PF's own multicast list. */
  pfSetMulticast(groups: readonly MacAddress[]): void {
    this.mcHashes[this.layout.pfPool] = groups.map(ixgbeMtaVector);
    this.rebuildMta();
  }

  /**
   * IXGBE_VF_UPDATE_XCAST_MODE: none clears BAM/ROMPE/MPE; multi = BAM|ROMPE; allmulti adds MPE
   * and is downgraded to multi for an untrusted VF; promisc is not offered on the 82599 (EOPNOTSUPP).
   */
  vfSetXcastMode(vf: number, mode: XcastMode): SysfsResult<XcastMode> {
    if (!this.checkVf(vf)) return fail("EINVAL", `VF ${vf} not enabled`);
    if (mode === "promisc") return fail("EOPNOTSUPP", "82599 VFs cannot be promiscuous");
    const effective: XcastMode = mode === "allmulti" && this.trust[vf] === 0 ? "multi" : mode;
    let v = this.vmolr[vf]! & ~(VMOLR_BAM | VMOLR_ROMPE | VMOLR_MPE);
    if (effective === "multi") v |= VMOLR_BAM | VMOLR_ROMPE;
    if (effective === "allmulti") v |= VMOLR_BAM | VMOLR_ROMPE | VMOLR_MPE;
    this.vmolr[vf] = v >>> 0;
    return { ok: true, value: effective };
  }

  // ------------------------------------------------------------- inspection

  /** What `ip link show DEV` prints for VF `vf`. */
  vfInfo(vf: number): VfInfo {
    if (!this.checkVf(vf)) {
      throw new SriovQueuesError("VF_OUT_OF_RANGE", `VF ${vf} not enabled`, { field: "vf" });
    }
    return {
      vf,
      mac: this.vfMac[vf]!,
      vlan: this.portVlan[vf]!,
      qos: this.portQos[vf]!,
      vlanProto: "802.1Q",
      maxTxRate: this.maxTxRate[vf]!,
      minTxRate: 0,
      spoofchk: this.spoofchk[vf] === 1,
      linkState: LINK_NAME[this.linkState[vf]!]!,
      trust: this.trust[vf] === 1,
      rssQuery: this.rssQuery[vf] === 1,
    };
  }

  /** The MAC addresses whose RAR entries point at `pool`. */
  poolMacs(pool: number): MacAddress[] {
    const out: MacAddress[] = [];
    for (let i = 0; i < IXGBE_82599_RAR_ENTRIES; i++)
      if (this.rarPool[i] === pool) out.push(this.rarMac[i]!);
    return out.sort((a, b) => a - b);
  }

  /** VLAN IDs the pool is a member of (its VLVF bits). */
  poolVlanIds(pool: number): number[] {
    return this.poolVlans(pool);
  }

  /** Counters of the shared filter tables. */
  filterUsage(): { rar: number; vlvf: number; vfMacvlans: number; vfMacvlanBudget: number } {
    let rar = 0;
    for (let i = 0; i < IXGBE_82599_RAR_ENTRIES; i++) if (this.rarPool[i] !== -1) rar++;
    let vlvf = 0;
    for (let e = 0; e < IXGBE_VLVF_ENTRIES; e++) if (this.vlvfVid[e] !== -1) vlvf++;
    return { rar, vlvf, vfMacvlans: this.vfMacvlansUsed, vfMacvlanBudget: this.vfMacvlanBudget };
  }

  // ------------------------------------------------------------------ data path

  /**
   * The receive decision on the hot path, without allocation: the hardware queue for a unicast
   * frame, -1 when dropped, -2 when the frame is broadcast/multicast (use {@link receive} for
   * the replication list).
   */
  classifyQueue(dst: MacAddress, vlan: number, rssHash: number): number {
    if ((Math.floor(dst / 0x100_0000_0000) & 1) === 1) return -2;
    const vid = vlan <= 0 ? UNTAGGED : vlan;
    if (vid !== UNTAGGED && ((this.vfta[vid >>> 5]! >>> (vid & 31)) & 1) === 0) return -1;
    const r = this.macToRar.get(dst);
    let pool: number;
    if (r < 0) {
      if (!this.pfPromiscuous) return -1;
      pool = this.layout.pfPool;
    } else pool = this.rarPool[r]!;
    if (!this.poolAccepts(pool, vid)) return -1;
    return pool * this.layout.queuesPerPool + (rssHash & (this.rssWidth[pool]! - 1));
  }

  /**
   * Receives a frame from the wire: unicast goes to the pool owning the destination MAC if the
   * pool accepts the VLAN (VLVF) or untagged frames (VMOLR.AUPE), RSS picks the queue inside the
   * pool; broadcast is replicated to every pool with BAM, multicast to every pool with MPE or
   * with ROMPE and a hit in the MTA — each accepting pool gets exactly one copy, except that a
   * VF never sees a group frame whose source is its own MAC (pruned by ixgbevf, since the 82599
   * has no Rx source pruning for frames reflected in VEPA mode).
   */
  receive(frame: EthernetFrame, excludePool = -1): RxResult {
    const vid = frame.vlan === undefined || frame.vlan === 0 ? UNTAGGED : frame.vlan;
    if (vid !== UNTAGGED && ((this.vfta[vid >>> 5]! >>> (vid & 31)) & 1) === 0) {
      return { ok: false, reason: "vlan-filter" };
    }
    const hash = frame.rssHash ?? 0;
    if (!isMulticastMac(frame.dst)) {
      const r = this.macToRar.get(frame.dst);
      let pool: number;
      if (r < 0) {
        if (!this.pfPromiscuous) return { ok: false, reason: "no-mac-filter" };
        pool = this.layout.pfPool;
      } else pool = this.rarPool[r]!;
      if (pool === excludePool) return { ok: false, reason: "no-pool-accepts" };
      if (this.rxEnabled[pool] === 0) return { ok: false, reason: "link-down" };
      if (!this.poolAccepts(pool, vid)) return { ok: false, reason: "vlan-filter" };
      return { ok: true, deliveries: [this.deliver(pool, frame, vid, hash)] };
    }
    const bcast = frame.dst === BROADCAST_MAC;
    const h = ixgbeMtaVector(frame.dst);
    const mtaHit = ((this.mta[h >>> 5]! >>> (h & 31)) & 1) === 1;
    const deliveries: RxDelivery[] = [];
    for (let p = 0; p < this.layout.poolsInUse; p++) {
      if (p === excludePool || !this.poolAccepts(p, vid)) continue;
      const v = this.vmolr[p]!;
      const accept = bcast
        ? (v & VMOLR_BAM) !== 0
        : (v & VMOLR_MPE) !== 0 || ((v & VMOLR_ROMPE) !== 0 && mtaHit);
      // ixgbevf drops group frames carrying its own source MAC: the 82599 cannot prune the
      // copies a reflective-relay switch sends back in VEPA mode (Linux commit 815cccbf10b2).
      if (accept && !(p < this.numVfs && this.vfMac[p] === frame.src)) {
        deliveries.push(this.deliver(p, frame, vid, hash));
      }
    }
    if (deliveries.length === 0) return { ok: false, reason: "no-pool-accepts" };
    return { ok: true, deliveries };
  }

  private deliver(pool: number, frame: EthernetFrame, vid: number, hash: number): RxDelivery {
    const vf = this.poolVf(pool);
    const queue = pool * this.layout.queuesPerPool + (hash & (this.rssWidth[pool]! - 1));
    if (vf !== null && vid !== UNTAGGED && this.portVlan[vf] === vid) {
      const { vlan: _v, pcp: _p, ...rest } = frame;
      const stripped: EthernetFrame =
        frame.innerVlan === undefined
          ? rest
          : { ...rest, vlan: frame.innerVlan, innerVlan: undefined };
      return { pool, vf, queue, frame: stripped, strippedVlan: vid };
    }
    return { pool, vf, queue, frame };
  }

  /**
   * A VF (or the PF, `vf = null`) transmits: link state, MAC anti-spoofing (source must be one of
   * the pool's RAR addresses), VLAN anti-spoofing (tag must be one of the pool's VLANs; a VF under
   * a port VLAN may not tag), port-VLAN insertion with the QoS as PCP, the rate limiter, then the
   * embedded switch: in VEB mode a unicast to a local pool is looped back and broadcast/multicast
   * is both sent and replicated locally (never to the source pool); in VEPA mode everything goes
   * to the wire.
   */
  transmit(vf: number | null, frame: EthernetFrame, nowNs = 0n): TxResult {
    const pool = vf === null ? this.layout.pfPool : vf;
    if (vf !== null && !this.checkVf(vf)) {
      throw new SriovQueuesError("VF_OUT_OF_RANGE", `VF ${vf} not enabled`, { field: "vf" });
    }
    if (this.rxEnabled[pool] === 0) return { ok: false, reason: "link-down" };
    let wire: EthernetFrame = frame;
    if (vf !== null) {
      const check = this.spoofchk[vf] === 1;
      if (check && this.macOwner(frame.src) !== vf) return { ok: false, reason: "mac-spoof" };
      const pv = this.portVlan[vf]!;
      const hasPortVlan = pv !== 0 || this.portQos[vf] !== 0;
      const tagged = frame.vlan !== undefined && frame.vlan !== 0;
      if (hasPortVlan) {
        if (frame.vlan !== undefined && check) return { ok: false, reason: "vlan-spoof" };
        // VMVIR VLANA_DEFAULT: insert the port VLAN (QoS in the PCP); a VF tag becomes the inner tag.
        wire =
          frame.vlan === undefined
            ? { ...frame, vlan: pv, pcp: this.portQos[vf]! }
            : { ...frame, vlan: pv, pcp: this.portQos[vf]!, innerVlan: frame.vlan };
      } else if (check && tagged && !this.poolInVlan(pool, frame.vlan!)) {
        return { ok: false, reason: "vlan-spoof" };
      }
      const bucket = this.buckets[vf];
      if (bucket) {
        const len = frame.length ?? 64;
        if (!bucket.tryConsume(len, nowNs)) {
          const missing = len - bucket.available(nowNs);
          const ns = BigInt(Math.ceil((missing / bucket.rateBytesPerSecond) * 1e9));
          return { ok: false, reason: "rate-limited", retryAfterNs: ns };
        }
      }
    }
    if (this.bridgeMode === "vepa") return { ok: true, wire, local: [] };
    if (!isMulticastMac(wire.dst)) {
      // VEB: a unicast whose MAC and VLAN select a local pool is looped back, not sent out.
      const owner = this.macOwner(wire.dst);
      if (owner >= 0 && owner !== pool) {
        const rx = this.receive(wire, pool);
        if (rx.ok) return { ok: true, wire: null, local: rx.deliveries };
      }
      return { ok: true, wire, local: [] };
    }
    const rx = this.receive(wire, pool);
    return { ok: true, wire, local: rx.ok ? rx.deliveries : [] };
  }
}
