// Adapter (written here, not in the packages): lets the 82599 model of @dyninfra/sriov-queues
// stand in for macvlan as the embedded switch of a host in @dyninfra/vepa-switch's fabric.
import type { DropReason, Ixgbe82599Switch } from "@dyninfra/sriov-queues";
import type {
  ConfigResult,
  EmbeddedDelivery,
  EmbeddedPortConfig,
  EmbeddedSwitch,
  Frame,
} from "@dyninfra/vepa-switch";

/**
 * The VF ports of one 802.1Q VLAN of an 82599 in VEPA mode, seen as a
 * `EmbeddedSwitch` of the `VepaFabric`.
 *
 * The fabric keeps one embedded switch per VLAN of the uplink and tags/untags frames itself; the
 * 82599 inserts and strips the VF's port VLAN (VMVIR) in hardware. So this view untags what the
 * NIC puts on the wire (the fabric re-tags it with the same VID) and re-tags what comes down
 * before the NIC classifies it. Ports are VFs the host manager has already configured (MAC,
 * port VLAN, anti-spoofing, rate); `add` only binds a port name to its VF.
 *
 * @example
 * ```ts
 * const views = new Map<number, SriovVlanView>();
 * fabric.addHost("h", { lowerMac: pfMac, embeddedSwitch: (_m, vid) => new SriovVlanView(nic, vid, vfOfPort) });
 * ```
 */
export class SriovVlanView implements EmbeddedSwitch {
  /** The last transmit drop (for reporting which mechanism refused a frame). */
  lastDrop: DropReason | null = null;
  private readonly ports = new Map<string, number>();
  private readonly portOfVf = new Map<number, string>();

  /**
   * @param nic the 82599 embedded switch (in VEPA bridge mode).
   * @param vid the VLAN of this view (0 = untagged uplink).
   * @param vfOfPort maps a port name to the VF the host manager configured for it.
   * @param clock returns the current time in ns for the rate limiters.
   */
  constructor(
    readonly nic: Ixgbe82599Switch,
    readonly vid: number,
    private readonly vfOfPort: (name: string) => number | undefined,
    private readonly clock: () => bigint,
  ) {}

  /** Binds a port name to its (already configured) VF. */
  add(config: EmbeddedPortConfig): ConfigResult {
    const vf = this.vfOfPort(config.name);
    if (vf === undefined)
      return { ok: false, errno: "ENODEV", message: `no VF for ${config.name}` };
    if (this.ports.has(config.name))
      return { ok: false, errno: "EEXIST", message: `${config.name} exists` };
    if (config.mode !== "vepa")
      return { ok: false, errno: "EINVAL", message: "an 82599 VF port here is VEPA only" };
    this.ports.set(config.name, vf);
    this.portOfVf.set(vf, config.name);
    return { ok: true };
  }

  /** Unbinds a port. */
  remove(name: string): ConfigResult {
    const vf = this.ports.get(name);
    if (vf === undefined) return { ok: false, errno: "ENODEV", message: `no port ${name}` };
    this.ports.delete(name);
    this.portOfVf.delete(vf);
    return { ok: true };
  }

  /** The VF transmits; in VEPA mode the 82599 sends everything to the wire. */
  transmit(name: string, frame: Frame): { local: EmbeddedDelivery[]; wire: Frame | null } {
    const vf = this.ports.get(name);
    this.lastDrop = null;
    if (vf === undefined) return { local: [], wire: null };
    const tx = this.nic.transmit(
      vf,
      { dst: frame.dst, src: frame.src, ...tag(frame) },
      this.clock(),
    );
    if (!tx.ok) {
      this.lastDrop = tx.reason;
      return { local: [], wire: null };
    }
    const local = tx.local.flatMap((d) => {
      const port = d.vf === null ? undefined : this.portOfVf.get(d.vf);
      return port === undefined ? [] : [{ port, frame: toFrame(d.frame, frame.payload) }];
    });
    if (tx.wire === null) return { local, wire: null };
    // The NIC inserted the port VLAN; the fabric's VLAN device re-tags with this view's VID.
    const { vlan, pcp: _pcp, ...rest } = tx.wire;
    const wire: Frame =
      this.vid === 0 || vlan !== this.vid
        ? toFrame(tx.wire, frame.payload)
        : toFrame(rest, frame.payload);
    return { local, wire };
  }

  /** A frame comes down the uplink on this view's VLAN (untagged by the fabric). */
  receive(frame: Frame): { deliveries: EmbeddedDelivery[]; toLowerdev: boolean } {
    const tagged = this.vid === 0 ? frame : { ...frame, vlan: this.vid };
    const rx = this.nic.receive({ dst: tagged.dst, src: tagged.src, ...tag(tagged) });
    if (!rx.ok) return { deliveries: [], toLowerdev: false };
    const deliveries: EmbeddedDelivery[] = [];
    let toLowerdev = false;
    for (const d of rx.deliveries) {
      const port = d.vf === null ? undefined : this.portOfVf.get(d.vf);
      if (port === undefined) toLowerdev = true;
      else deliveries.push({ port, frame: toFrame(d.frame, frame.payload) });
    }
    return { deliveries, toLowerdev };
  }
}

function tag(f: { readonly vlan?: number; readonly pcp?: number }): {
  vlan?: number;
  pcp?: number;
} {
  const out: { vlan?: number; pcp?: number } = {};
  if (f.vlan !== undefined) out.vlan = f.vlan;
  if (f.pcp !== undefined) out.pcp = f.pcp;
  return out;
}

function toFrame(
  f: { readonly dst: number; readonly src: number; readonly vlan?: number; readonly pcp?: number },
  payload: unknown,
): Frame {
  const out: { dst: number; src: number; vlan?: number; pcp?: number; payload?: unknown } = {
    dst: f.dst,
    src: f.src,
    ...tag(f),
  };
  if (payload !== undefined) out.payload = payload;
  return out;
}
