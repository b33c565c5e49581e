import type { MacAddress } from "@dyninfra/mac-address";
import { Bridge, type BridgeOptions, type Frame, type PortVlan } from "./bridge";
import { VepaSwitchError } from "./errors";
import {
  type ConfigResult,
  type EmbeddedPortConfig,
  type EmbeddedSwitch,
  MacvlanPort,
} from "./macvlan";

/** A frame that reached an endpoint, with the devices it crossed. */
export interface FabricDelivery {
  /** `host/port` for a virtual port, `host` (or `host.VID`) for a host's own stack, or a station name. */
  readonly endpoint: string;
  readonly frame: Frame;
  /** Devices crossed, e.g. `["h1", "bridge", "h1"]` for a reflected frame. */
  readonly hops: readonly string[];
}

/** Options of {@link VepaFabric.addHost}. */
export interface HostOptions {
  readonly lowerMac: MacAddress;
  /** Reflective relay on the external bridge port facing this host; default true. */
  readonly hairpin?: boolean;
  /** VLANs of the bridge port facing the host; default: VLAN 1 untagged PVID. Use tagged VLANs for VMs on VLAN devices. */
  readonly vlans?: readonly PortVlan[];
  /**
   * Builds the embedded switch of each lower device (`vlan` 0 = the uplink itself); default a
   * {@link MacvlanPort}. Lets an SR-IOV NIC model in VEPA mode stand in for macvlan.
   */
  readonly embeddedSwitch?: (lowerMac: MacAddress, vlan: number) => EmbeddedSwitch;
}

/** A virtual port attached to a host, optionally on a VLAN device of the uplink (macvlan on `eth0.VID`). */
export interface AttachOptions extends EmbeddedPortConfig {
  /** 802.1Q VLAN of the lower device the port sits on; 0/absent = the untagged uplink itself. */
  readonly vlan?: number;
}

interface Host {
  name: string;
  lowerMac: MacAddress;
  uplink: number;
  switches: Map<number, EmbeddedSwitch>; // VID (0 = untagged) → embedded switch on that lower device
  make: (lowerMac: MacAddress, vlan: number) => EmbeddedSwitch;
  portVid: Map<string, number>;
}

/**
 * A data-centre edge: hosts whose uplinks carry embedded switches (one per lower device, in
 * VEB/VEPA/private/passthru modes) and an external 802.1Q bridge whose host-facing ports can
 * enable reflective relay (hairpin), plus plain end stations. {@link VepaFabric.send} follows a
 * frame through the sender's embedded switch, the uplink, the bridge, and back down into the
 * receiving hosts' embedded switches.
 *
 * @example
 * ```ts
 * const f = new VepaFabric();
 * f.addHost("h1", { lowerMac: 0x001b21000001, hairpin: true });
 * f.attach("h1", { name: "vm1", mac: 0x020000000001, mode: "vepa" });
 * f.attach("h1", { name: "vm2", mac: 0x020000000002, mode: "vepa" });
 * f.send("h1/vm1", { dst: 0x020000000002, src: 0x020000000001 }, 0);
 * // [{ endpoint: "h1/vm2", hops: ["h1", "bridge", "h1"], … }]
 * ```
 */
export class VepaFabric {
  readonly bridge: Bridge;
  private readonly hosts = new Map<string, Host>();
  private readonly stations = new Map<string, number>();
  private readonly portOwner: ({ kind: "host"; host: Host } | { kind: "station"; name: string })[] =
    [];

  constructor(options: BridgeOptions = {}) {
    this.bridge = new Bridge(options);
  }

  /** Connects a host's uplink to a new bridge port; returns the bridge port index. */
  addHost(name: string, options: HostOptions): number {
    if (this.hosts.has(name) || this.stations.has(name) || name.includes("/")) {
      throw new VepaSwitchError("BAD_NAME", `endpoint name ${name} in use or invalid`, {
        field: "name",
      });
    }
    const uplink = this.bridge.addPort({
      name: `${name}-uplink`,
      hairpin: options.hairpin ?? true,
      ...(options.vlans !== undefined ? { vlans: options.vlans } : {}),
    });
    const make =
      options.embeddedSwitch ?? ((lowerMac: MacAddress) => new MacvlanPort({ lowerMac }));
    const host: Host = {
      name,
      lowerMac: options.lowerMac,
      uplink,
      switches: new Map(),
      portVid: new Map(),
      make,
    };
    host.switches.set(0, make(options.lowerMac, 0));
    this.hosts.set(name, host);
    this.portOwner[uplink] = { kind: "host", host };
    return uplink;
  }

  /** Connects an end station (not a host with an embedded switch) to a new bridge port. */
  addStation(name: string, options: { readonly vlans?: readonly PortVlan[] } = {}): number {
    if (this.hosts.has(name) || this.stations.has(name) || name.includes("/")) {
      throw new VepaSwitchError("BAD_NAME", `endpoint name ${name} in use or invalid`, {
        field: "name",
      });
    }
    const port = this.bridge.addPort({
      name,
      ...(options.vlans !== undefined ? { vlans: options.vlans } : {}),
    });
    this.stations.set(name, port);
    this.portOwner[port] = { kind: "station", name };
    return port;
  }

  private host(name: string): Host {
    const h = this.hosts.get(name);
    if (h === undefined) throw new VepaSwitchError("NO_HOST", `no host ${name}`, { field: "host" });
    return h;
  }

  /** The embedded switch of `host` on VLAN device `vlan` (0 = the uplink itself). */
  embeddedSwitch(host: string, vlan = 0): EmbeddedSwitch | undefined {
    return this.host(host).switches.get(vlan);
  }

  /** Bridge port facing `host`. */
  uplinkPort(host: string): number {
    return this.host(host).uplink;
  }

  /** Enables/disables reflective relay on the bridge port facing `host`. */
  setHairpin(host: string, on: boolean): void {
    this.bridge.setHairpin(this.host(host).uplink, on);
  }

  /** Creates a virtual port on `host` (e.g. a VM's VF in VEPA mode). */
  attach(host: string, options: AttachOptions): ConfigResult {
    const h = this.host(host);
    const vid = options.vlan ?? 0;
    if (!Number.isInteger(vid) || vid < 0 || vid > 4094) {
      throw new VepaSwitchError("BAD_VLAN", `VLAN ${vid} outside 0…4094`, { field: "vlan" });
    }
    if (h.portVid.has(options.name))
      return { ok: false, errno: "EEXIST", message: `${options.name} exists` };
    let sw = h.switches.get(vid);
    if (sw === undefined) {
      sw = h.make(h.lowerMac, vid);
      h.switches.set(vid, sw);
    }
    const { vlan: _vlan, ...config } = options;
    const r = sw.add(config);
    if (r.ok) h.portVid.set(options.name, vid);
    return r;
  }

  /** Removes a virtual port. */
  detach(host: string, name: string): ConfigResult {
    const h = this.host(host);
    const vid = h.portVid.get(name);
    if (vid === undefined) return { ok: false, errno: "ENODEV", message: `no port ${name}` };
    h.portVid.delete(name);
    return h.switches.get(vid)!.remove(name);
  }

  /** Where the virtual port sits: host and VLAN device. */
  locate(endpoint: string): { host: string; port: string; vlan: number } | undefined {
    const [host, port] = endpoint.split("/");
    if (host === undefined || port === undefined) return undefined;
    const vid = this.hosts.get(host)?.portVid.get(port);
    return vid === undefined ? undefined : { host, port, vlan: vid };
  }

  /**
   * Sends `frame` from an endpoint (`host/port` or a station name) at time `now` (seconds) and
   * returns every delivery it causes.
   */
  send(from: string, frame: Frame, now: number): FabricDelivery[] {
    const out: FabricDelivery[] = [];
    const slash = from.indexOf("/");
    if (slash < 0) {
      const port = this.stations.get(from);
      if (port === undefined)
        throw new VepaSwitchError("NO_ENDPOINT", `no endpoint ${from}`, { field: "from" });
      this.throughBridge(port, frame, now, [from], out);
      return out;
    }
    const host = this.host(from.slice(0, slash));
    const name = from.slice(slash + 1);
    const vid = host.portVid.get(name);
    if (vid === undefined)
      throw new VepaSwitchError("NO_ENDPOINT", `no endpoint ${from}`, { field: "from" });
    const tx = host.switches.get(vid)!.transmit(name, frame);
    for (const d of tx.local)
      out.push({ endpoint: `${host.name}/${d.port}`, frame: d.frame, hops: [host.name] });
    if (tx.wire !== null) {
      // A VLAN device tags on the way down to the uplink.
      const wire = vid === 0 ? tx.wire : { ...tx.wire, vlan: vid };
      this.throughBridge(host.uplink, wire, now, [host.name], out);
    }
    return out;
  }

  private throughBridge(
    inPort: number,
    frame: Frame,
    now: number,
    hops: string[],
    out: FabricDelivery[],
  ): void {
    const verdict = this.bridge.receive(inPort, frame, now);
    if (verdict.kind === "dropped") return;
    for (const d of verdict.deliveries) {
      const owner = this.portOwner[d.port]!;
      if (owner.kind === "station") {
        out.push({ endpoint: owner.name, frame: d.frame, hops: [...hops, "bridge"] });
        continue;
      }
      const h = owner.host;
      const vid = d.frame.vlan ?? 0;
      const sw = h.switches.get(vid);
      const path = [...hops, "bridge", h.name];
      if (sw === undefined) {
        // No VLAN device for this tag: the host's stack sees (and drops) it; untagged goes to the host.
        if (vid === 0) out.push({ endpoint: h.name, frame: d.frame, hops: path });
        continue;
      }
      const { vlan: _v, pcp: _p, ...untagged } = d.frame;
      const rx = sw.receive(vid === 0 ? d.frame : untagged);
      for (const e of rx.deliveries)
        out.push({ endpoint: `${h.name}/${e.port}`, frame: e.frame, hops: path });
      if (rx.toLowerdev)
        out.push({ endpoint: vid === 0 ? h.name : `${h.name}.${vid}`, frame: d.frame, hops: path });
    }
  }
}
