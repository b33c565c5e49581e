import type { MacAddress } from "@dyninfra/mac-address";
import {
  arbitraryMacAddress as arbitraryMac,
  arbitraryUnicastMacFromPool,
} from "@dyninfra/mac-address/testing";
import fc from "fast-check";
import type { SriovQueuesErrorWhere } from "./errors";
import type { IpLinkSetVf, VfSettings, VfShowLine, VfVlanSpec } from "./ip-link";
import { formatMac } from "./mac";
import type { EthernetFrame } from "./nic-switch";

/** Any 48-bit MAC address (from `@dyninfra/mac-address/testing`). */
export { arbitraryMacAddress as arbitraryMac } from "@dyninfra/mac-address/testing";

/** Arbitrary error locations, for property tests of code that reports `@dyninfra/sriov-queues` errors. */
export function arbitrarySriovQueuesErrorWhere(): fc.Arbitrary<SriovQueuesErrorWhere> {
  return fc.record(
    { offset: fc.nat(), line: fc.integer({ min: 1, max: 1_000_000 }), field: fc.string() },
    { requiredKeys: [] },
  );
}

/** A valid unicast (I/G bit clear, non-zero) MAC, drawn from a small pool so collisions happen. @example fc.sample(arbitraryUnicastMac(), 1) */
export function arbitraryUnicastMac(distinct = 24): fc.Arbitrary<MacAddress> {
  return arbitraryUnicastMacFromPool(distinct);
}

/** A VLAN ID 1…4094 drawn from a small set, or undefined (untagged). @example fc.sample(arbitraryVlan(), 1) */
export function arbitraryVlan(): fc.Arbitrary<number | undefined> {
  return fc.option(fc.constantFrom(1, 2, 10, 100, 4094), { nil: undefined });
}

/** Ethernet frames over a small address space (unicast, multicast, broadcast). @example fc.sample(arbitraryEthernetFrame(), 1) */
export function arbitraryEthernetFrame(): fc.Arbitrary<EthernetFrame> {
  return fc.record({
    dst: fc.oneof(
      arbitraryUnicastMac(),
      fc.constant(0xffff_ffff_ffff),
      fc.integer({ min: 0, max: 255 }).map((i) => 0x0100_5e00_0000 + i),
    ),
    src: arbitraryUnicastMac(),
    vlan: arbitraryVlan(),
    length: fc.integer({ min: 64, max: 9018 }),
    rssHash: fc.integer({ min: 0, max: 0xffff_ffff }),
  });
}

function vlanSpec(): fc.Arbitrary<VfVlanSpec> {
  return fc.record({
    vlan: fc.integer({ min: 0, max: 4095 }),
    qos: fc.integer({ min: 0, max: 7 }),
    proto: fc.constantFrom("802.1Q" as const, "802.1ad" as const),
  });
}

const guid = fc
  .array(fc.integer({ min: 0, max: 255 }), { minLength: 8, maxLength: 8 })
  .map((b) => b.map((x) => x.toString(16).padStart(2, "0")).join(":"));

/** Settings of `ip link set … vf N …` with at least one field. @example fc.sample(arbitraryVfSettings(), 1) */
export function arbitraryVfSettings(): fc.Arbitrary<VfSettings> {
  return fc
    .record(
      {
        mac: arbitraryMac(),
        vlans: fc.array(vlanSpec(), { minLength: 1, maxLength: 3 }),
        rate: fc.nat({ max: 100_000 }),
        maxTxRate: fc.nat({ max: 100_000 }),
        minTxRate: fc.nat({ max: 100_000 }),
        spoofchk: fc.boolean(),
        queryRss: fc.boolean(),
        trust: fc.boolean(),
        state: fc.constantFrom("auto" as const, "enable" as const, "disable" as const),
        nodeGuid: guid,
        portGuid: guid,
      },
      { requiredKeys: [] },
    )
    .filter((s) => Object.keys(s).length > 0);
}

/** Whole `ip link set dev DEV vf N …` commands. @example fc.sample(arbitraryIpLinkSetVf(), 1) */
export function arbitraryIpLinkSetVf(): fc.Arbitrary<IpLinkSetVf> {
  return fc.record({
    dev: fc.stringMatching(/^[a-z][a-z0-9]{0,14}$/),
    vf: fc.nat({ max: 255 }),
    settings: arbitraryVfSettings(),
  });
}

const macText = arbitraryMac().map(formatMac);

/** VF lines in either `ip link show` format, normalised as iproute2 prints them. @example fc.sample(arbitraryVfShowLine(), 1) */
export function arbitraryVfShowLine(): fc.Arbitrary<VfShowLine> {
  return fc
    .record({
      vf: fc.nat({ max: 127 }),
      format: fc.constantFrom("link" as const, "legacy" as const),
      mac: macText,
      vlans: fc.array(vlanSpec(), { maxLength: 2 }),
      txRate: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
      maxTxRate: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
      minTxRate: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
      spoofchk: fc.option(fc.boolean(), { nil: undefined }),
      linkState: fc.option(
        fc.constantFrom("auto" as const, "enable" as const, "disable" as const),
        {
          nil: undefined,
        },
      ),
      trust: fc.option(fc.boolean(), { nil: undefined }),
      queryRss: fc.option(fc.boolean(), { nil: undefined }),
    })
    .map((r) => {
      // iproute2 prints nothing for a zero VLAN/QoS and 802.1Q, so those cannot be read back.
      const vlans = r.vlans.filter((v) => v.vlan !== 0 || v.qos !== 0 || v.proto !== "802.1Q");
      const out: Record<string, unknown> = { vf: r.vf, format: r.format, mac: r.mac, vlans };
      if (r.format === "link") {
        out.linkType = "ether";
        out.broadcast = "ff:ff:ff:ff:ff:ff";
      }
      for (const k of [
        "txRate",
        "maxTxRate",
        "minTxRate",
        "spoofchk",
        "linkState",
        "trust",
        "queryRss",
      ] as const) {
        if (r[k] !== undefined) out[k] = r[k];
      }
      return out as unknown as VfShowLine;
    })
    .filter((v) =>
      // A VLAN spec with vlan 0 is only recoverable as the first one (qos/proto attach to the previous spec).
      v.vlans.every((x, i) => i === 0 || x.vlan !== 0),
    );
}
