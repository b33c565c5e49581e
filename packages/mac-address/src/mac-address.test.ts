import { describe, expect, it } from "vitest";
import { MacAddressError } from "./errors";
import {
  BROADCAST_MAC,
  formatMac,
  isBroadcastMac,
  isLocallyAdministeredMac,
  isMulticastMac,
  isValidMac,
  isValidUnicastMac,
  parseMac,
} from "./mac-address";

// Independent reference: the six octets of a canonical text, read as a big-endian 48-bit integer.
const reference = (canonical: string): number =>
  Buffer.from(canonical.replaceAll(":", ""), "hex").readUIntBE(0, 6);

function errorOf(fn: () => unknown): MacAddressError {
  try {
    fn();
  } catch (e) {
    if (MacAddressError.isInstance(e)) return e;
    throw e;
  }
  throw new Error("did not throw");
}

describe("parseMac / formatMac", () => {
  // MACs printed by `ip link show` on an SR-IOV host (PF and four VFs): the form iproute2 prints.
  const printedByIpLink = [
    "24:6e:96:cd:15:18",
    "92:9e:4a:62:b3:8b",
    "d2:5d:82:2e:94:c3",
    "1e:8f:7f:86:7e:e1",
    "b6:58:af:5d:b7:cf",
    "ff:ff:ff:ff:ff:ff",
    "00:00:00:00:00:00",
  ];

  it.each(printedByIpLink)("reads %s as ip link prints it and prints it back", (text) => {
    expect(parseMac(text)).toBe(reference(text));
    expect(formatMac(parseMac(text))).toBe(text);
  });

  it("accepts the forms ip link takes: one or two hex digits per octet, either case", () => {
    const want = reference("00:1b:21:0a:0b:0c");
    for (const text of [
      "00:1b:21:0a:0b:0c",
      "0:1b:21:a:b:c",
      "00:1B:21:0A:0B:0C",
      "0:1B:21:A:b:C",
      "00:1b:21:0a:0b:c",
    ]) {
      expect(parseMac(text), text).toBe(want);
      expect(isValidMac(text), text).toBe(true);
    }
    expect(formatMac(want)).toBe("00:1b:21:0a:0b:0c");
  });

  it.each([
    // [text, offset of the first character (or the end) where it stops being a MAC]
    ["", 0],
    ["00:11:22:33:44", 14], // five octets
    ["00:11:22:33:44:", 15], // empty sixth octet
    ["00:11:22:33:44:555", 17], // three digits
    ["000:11:22:33:44:55", 2],
    ["00:11:22:33:44:55:66", 17], // seven octets
    ["00::22:33:44:55", 3],
    [":00:11:22:33:44", 0],
    ["00-11-22-33-44-55", 2], // IEEE 802 canonical hyphen form: not what ip link takes
    ["0011.2233.4455", 2], // Cisco dotted form: three digits in a row
    ["001122334455", 2],
    [" 00:11:22:33:44:55", 0],
    ["00:11:22:33:44:55 ", 17],
    ["0x0:11:22:33:44:55", 1],
    ["00:11:22:33:44:5g", 16],
    ["00:11:22:33:44:٥٥", 15], // Arabic-Indic digits are not hex digits
  ] as const)("rejects %j with BAD_MAC at offset %i", (text, offset) => {
    const e = errorOf(() => parseMac(text, "pfMac"));
    expect(e.code).toBe("BAD_MAC");
    expect(e.where).toEqual({ offset, field: "pfMac" });
    expect(e.message).toBe(
      `not a MAC address: ${JSON.stringify(text)} (at offset ${offset}, field pfMac)`,
    );
    expect(e.reason).toBe(`not a MAC address: ${JSON.stringify(text)}`);
    expect(isValidMac(text)).toBe(false);
  });

  it("names the field mac by default", () => {
    expect(errorOf(() => parseMac("x")).where.field).toBe("mac");
  });

  it("rejects what is not a string without a foreign exception", () => {
    expect(errorOf(() => parseMac(undefined as unknown as string)).code).toBe("BAD_MAC");
    expect(isValidMac(42 as unknown as string)).toBe(false);
  });

  it.each([2 ** 48, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    "refuses to format %d",
    (value) => {
      const e = errorOf(() => formatMac(value));
      expect(e.code).toBe("BAD_MAC");
      expect(e.where.field).toBe("mac");
    },
  );

  it("formats the extremes", () => {
    expect(formatMac(0)).toBe("00:00:00:00:00:00");
    expect(formatMac(BROADCAST_MAC)).toBe("ff:ff:ff:ff:ff:ff");
    expect(formatMac(2 ** 48 - 2)).toBe("ff:ff:ff:ff:ff:fe");
    expect(formatMac(2 ** 40)).toBe("01:00:00:00:00:00");
  });
});

describe("address classes (IEEE 802-2014 §8.2: I/G and U/L bits of the first octet)", () => {
  // [address, group (I/G = 1), locally administered (U/L = 1), broadcast, valid station]
  const cases = [
    ["00:1b:21:0a:0b:0c", false, false, false, true], // Intel OUI, universally administered
    ["24:6e:96:cd:15:18", false, false, false, true], // a PF's burnt-in address (ip link show)
    ["92:9e:4a:62:b3:8b", false, true, false, true], // a random VF address (ip link show)
    ["52:54:00:12:34:56", false, true, false, true], // QEMU's default prefix
    ["02:00:00:00:00:01", false, true, false, true],
    ["01:80:c2:00:00:00", true, false, false, false], // IEEE 802.1D bridge group address
    ["01:00:5e:00:00:01", true, false, false, false], // IPv4 all-hosts (RFC 1112 §6.4)
    ["33:33:00:00:00:01", true, true, false, false], // IPv6 all-nodes (RFC 2464 §7)
    ["ff:ff:ff:ff:ff:ff", true, true, true, false],
    ["00:00:00:00:00:00", false, false, false, false], // all zeros is no station address
  ] as const;

  it.each(cases)("%s: group %s, local %s, broadcast %s, unicast %s", (text, g, l, b, u) => {
    const mac = parseMac(text);
    expect(isMulticastMac(mac)).toBe(g);
    expect(isLocallyAdministeredMac(mac)).toBe(l);
    expect(isBroadcastMac(mac)).toBe(b);
    expect(isValidUnicastMac(mac)).toBe(u);
  });

  it("does not take numbers outside 0 … 2^48−1 for station addresses", () => {
    expect(isValidUnicastMac(2 ** 48 + 2)).toBe(false);
    expect(isValidUnicastMac(0x0200_0000_0000 + 0.5)).toBe(false);
    expect(isValidUnicastMac(-2)).toBe(false);
  });
});
