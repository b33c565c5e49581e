import { describe, expect, it } from "vitest";
import { parseRouterSpec } from "./config";
import { BgpSpeakerError } from "./errors";

const base = (neighbor: Record<string, unknown>) => ({
  asn: 64500,
  bgpIdentifier: "192.0.2.1",
  neighbors: [{ name: "bird", address: "192.0.2.2", asn: 64501, ...neighbor }],
});

const field = (json: unknown): string | undefined => {
  try {
    parseRouterSpec(json);
    return undefined;
  } catch (e) {
    if (!BgpSpeakerError.isInstance(e)) throw e;
    return e.where.field;
  }
};

describe("configuration: Graceful Restart and ADD-PATH settings", () => {
  it("reads the stale-path timer, End-of-RIB and the capabilities", () => {
    const spec = parseRouterSpec(
      base({
        staleRoutesTime: 300,
        endOfRib: false,
        capabilities: {
          gracefulRestart: { restartTime: 90 },
          addPath: [{ afi: 1, safi: 1, sendReceive: 3 }],
        },
      }),
    );
    const n = spec.neighbors[0]!;
    expect(n.staleRoutesTime).toBe(300);
    expect(n.endOfRib).toBe(false);
    expect(n.capabilities?.gracefulRestart).toEqual({ restartTime: 90 });
    expect(n.capabilities?.addPath).toEqual([{ afi: 1, safi: 1, sendReceive: 3 }]);
    expect(
      parseRouterSpec(base({ capabilities: { gracefulRestart: false } })).neighbors[0]
        ?.capabilities,
    ).toEqual({
      gracefulRestart: false,
    });
  });

  it("names the field of a bad value", () => {
    // RFC 4724 §3: the Restart Time has 12 bits.
    expect(field(base({ capabilities: { gracefulRestart: { restartTime: 4096 } } }))).toBe(
      "neighbors[0].capabilities.gracefulRestart.restartTime",
    );
    expect(field(base({ capabilities: { addPath: [{ afi: 1, safi: 1, sendReceive: 4 }] } }))).toBe(
      "neighbors[0].capabilities.addPath[0].sendReceive",
    );
    expect(field(base({ staleRoutesTime: 0 }))).toBe("neighbors[0].staleRoutesTime");
    // RFC 9494 §3: the Long-Lived Stale Time has 24 bits, and LLGR goes beside Graceful Restart.
    expect(
      field(base({ capabilities: { longLivedGracefulRestart: { staleTime: 2 ** 24 } } })),
    ).toBe("neighbors[0].capabilities.longLivedGracefulRestart.staleTime");
    expect(
      field(
        base({
          capabilities: { gracefulRestart: false, longLivedGracefulRestart: { staleTime: 60 } },
        }),
      ),
    ).toBe("neighbors[0].capabilities.longLivedGracefulRestart");
    expect(
      parseRouterSpec(base({ capabilities: { longLivedGracefulRestart: { staleTime: 3600 } } }))
        .neighbors[0]?.capabilities?.longLivedGracefulRestart,
    ).toEqual({ staleTime: 3600 });
    // Per family, with its own Long-Lived Stale Time.
    const families = [
      { afi: 1, safi: 1, forwardingState: false, staleTime: 86400 },
      { afi: 2, safi: 1, forwardingState: false },
    ];
    expect(
      parseRouterSpec(
        base({ capabilities: { longLivedGracefulRestart: { staleTime: 60, families } } }),
      ).neighbors[0]?.capabilities?.longLivedGracefulRestart,
    ).toEqual({ staleTime: 60, families });
    expect(
      field(
        base({
          capabilities: {
            longLivedGracefulRestart: {
              staleTime: 60,
              families: [{ afi: 1, safi: 1, forwardingState: false, staleTime: -1 }],
            },
          },
        }),
      ),
    ).toBe("neighbors[0].capabilities.longLivedGracefulRestart.families[0].staleTime");
    // Local bounds on the neighbour's Long-Lived Stale Time (RFC 9494 §4.2).
    expect(
      parseRouterSpec(base({ longLivedStaleTime: { min: 60, max: 86400 } })).neighbors[0]
        ?.longLivedStaleTime,
    ).toEqual({ min: 60, max: 86400 });
    expect(field(base({ longLivedStaleTime: { min: 90, max: 60 } }))).toBe(
      "neighbors[0].longLivedStaleTime.min",
    );
    expect(field(base({ longLivedStaleTime: { max: 2 ** 24 } }))).toBe(
      "neighbors[0].longLivedStaleTime.max",
    );
    expect(field(base({ longLivedStaleTime: { maximum: 1 } }))).toBe(
      "neighbors[0].longLivedStaleTime.maximum",
    );
    expect(field(base({ endOfRib: "yes" }))).toBe("neighbors[0].endOfRib");
  });
});

describe("configuration: the Send Hold Timer (RFC 9687)", () => {
  it("reads sendHoldTime per neighbour (0 turns it off) and names the field of a bad one", () => {
    expect(parseRouterSpec(base({ sendHoldTime: 600 })).neighbors[0]?.sendHoldTime).toBe(600);
    expect(parseRouterSpec(base({ sendHoldTime: 0 })).neighbors[0]?.sendHoldTime).toBe(0);
    expect(parseRouterSpec(base({})).neighbors[0]?.sendHoldTime).toBeUndefined();
    expect(field(base({ sendHoldTime: -1 }))).toBe("neighbors[0].sendHoldTime");
    expect(field(base({ sendHoldTime: 1.5 }))).toBe("neighbors[0].sendHoldTime");
    expect(field(base({ sendHoldTime: "8m" }))).toBe("neighbors[0].sendHoldTime");
  });
});

describe("configuration: graceful shutdown (RFC 8326)", () => {
  it("reads gracefulShutdown per neighbour and names the field when it is not a boolean", () => {
    expect(parseRouterSpec(base({ gracefulShutdown: true })).neighbors[0]?.gracefulShutdown).toBe(
      true,
    );
    expect(field(base({ gracefulShutdown: "on" }))).toBe("neighbors[0].gracefulShutdown");
  });
});

describe("configuration: AS_PATH options (allowas-in, remove-private-AS, as-override)", () => {
  it("reads them per neighbour and names the field of a bad one", () => {
    const n = parseRouterSpec(base({ allowAsIn: 2, removePrivateAs: "replace", asOverride: true }))
      .neighbors[0]!;
    expect([n.allowAsIn, n.removePrivateAs, n.asOverride]).toEqual([2, "replace", true]);
    expect(field(base({ allowAsIn: 0 }))).toBe("neighbors[0].allowAsIn");
    expect(field(base({ allowAsIn: 11 }))).toBe("neighbors[0].allowAsIn");
    expect(field(base({ removePrivateAs: true }))).toBe("neighbors[0].removePrivateAs");
    expect(field(base({ asOverride: 1 }))).toBe("neighbors[0].asOverride");
    expect(parseRouterSpec(base({ routeServerClient: true })).neighbors[0]?.routeServerClient).toBe(
      true,
    );
    expect(field(base({ routeServerClient: "yes" }))).toBe("neighbors[0].routeServerClient");
  });
});

describe("configuration: ASPA", () => {
  it("reads the ASPA file, match.aspa and reject-aspa-invalid; refuses aspa in an export policy", () => {
    const spec = parseRouterSpec({
      ...base({ importPolicy: "reject-aspa-invalid", exportPolicy: "out" }),
      aspa: "/var/lib/rpki-client/json",
      policies: {
        in: [{ match: { aspa: ["invalid", "unknown"] }, action: "reject" }],
        out: [{ action: "accept" }],
      },
    });
    expect(spec.aspa).toBe("/var/lib/rpki-client/json");
    expect(spec.policies?.in?.[0]?.match?.aspa).toEqual(["invalid", "unknown"]);
    expect(
      field({ ...base({}), policies: { in: [{ match: { aspa: "bad" }, action: "reject" }] } }),
    ).toBe("policies.in[0].match.aspa");
    expect(field({ ...base({}), aspa: 1 })).toBe("config.aspa");
    expect(
      field({
        ...base({ exportPolicy: "out" }),
        policies: { out: [{ match: { aspa: "invalid" }, action: "reject" }] },
      }),
    ).toBe("neighbors[0].exportPolicy");
  });
});

describe("configuration: router settings", () => {
  it("reads fib (a router that keeps no forwarding table) and refuses a non-boolean", () => {
    expect(parseRouterSpec({ ...base({}), fib: false }).fib).toBe(false);
    expect(parseRouterSpec(base({})).fib).toBeUndefined();
    expect(field({ ...base({}), fib: "no" })).toBe("config.fib");
  });

  it("reads the multipath decision options and names the field of a bad one", () => {
    const d = { maximumPaths: 4, maximumPathsIbgp: 2, multipathRelax: true };
    expect(parseRouterSpec({ ...base({}), decision: d }).decision).toEqual(d);
    expect(field({ ...base({}), decision: { maximumPaths: 0 } })).toBe(
      "config.decision.maximumPaths",
    );
    expect(field({ ...base({}), decision: { maximumPathsIbgp: 1.5 } })).toBe(
      "config.decision.maximumPathsIbgp",
    );
    expect(field({ ...base({}), decision: { multipathRelax: 1 } })).toBe(
      "config.decision.multipathRelax",
    );
    expect(field({ ...base({}), decision: { maximumPath: 2 } })).toBe(
      "config.decision.maximumPath",
    );
  });

  it("refuses an unknown top-level setting, naming it (a misspelt key is not silently ignored)", () => {
    expect(field({ ...base({}), neighbours: [] })).toBe("neighbours");
    expect(field({ ...base({}), Fib: false })).toBe("Fib");
  });

  it('reads "mrt" (routes loaded from MRT files at start) and checks its entries', () => {
    const spec = parseRouterSpec({
      ...base({}),
      mrt: [{ file: "rib.mrt" }, { file: "updates.gz", peerAddress: "192.0.2.9" }],
    });
    expect(spec.mrt).toEqual([
      { file: "rib.mrt" },
      { file: "updates.gz", peerAddress: "192.0.2.9" },
    ]);
    expect(field({ ...base({}), mrt: "rib.mrt" })).toBe("mrt");
    expect(field({ ...base({}), mrt: [{ file: 3 }] })).toBe("mrt[0].file");
    expect(field({ ...base({}), mrt: [{ file: "x", peer: "192.0.2.9" }] })).toBe("mrt[0].peer");
    expect(field({ ...base({}), mrt: [{ file: "x", peerAddress: "nowhere" }] })).toBe(
      "mrt[0].peerAddress",
    );
  });
});

describe("configuration: BGP Role (RFC 9234)", () => {
  it("reads role and strictRole, and names the field of a bad one", () => {
    const n = parseRouterSpec(base({ role: "customer", strictRole: true })).neighbors[0]!;
    expect(n.role).toBe("customer");
    expect(n.strictRole).toBe(true);
    expect(field(base({ role: "upstream" }))).toBe("neighbors[0].role");
    expect(field(base({ role: 3 }))).toBe("neighbors[0].role");
    expect(field(base({ role: "peer", strictRole: "yes" }))).toBe("neighbors[0].strictRole");
  });
});

describe("configuration: AS_SET deprecation (RFC 9774)", () => {
  it("reads rejectAsSets and names the field when it is not a boolean", () => {
    expect(parseRouterSpec({ ...base({}), rejectAsSets: true }).rejectAsSets).toBe(true);
    expect(parseRouterSpec(base({})).rejectAsSets).toBeUndefined();
    expect(field({ ...base({}), rejectAsSets: "yes" })).toBe("config.rejectAsSets");
  });
});

describe("configuration: maximum-prefix limit", () => {
  it("reads maxPrefixes and names the field of a bad setting", () => {
    const n = parseRouterSpec(base({ maxPrefixes: { limit: 1000, restartAfter: 60 } }))
      .neighbors[0]!;
    expect(n.maxPrefixes).toEqual({ limit: 1000, restartAfter: 60 });
    expect(field(base({ maxPrefixes: { limit: -1 } }))).toBe("neighbors[0].maxPrefixes.limit");
    expect(
      parseRouterSpec(base({ maxPrefixes: { limit: 9, count: "accepted" } })).neighbors[0]!
        .maxPrefixes,
    ).toEqual({ limit: 9, count: "accepted" });
    expect(field(base({ maxPrefixes: { limit: 5, count: "all" } }))).toBe(
      "neighbors[0].maxPrefixes.count",
    );
    expect(field(base({ maxPrefixes: { limit: 5, warn: true } }))).toBe(
      "neighbors[0].maxPrefixes.warn",
    );
    expect(field(base({ maxPrefixes: { limit: 5, restartAfter: 0 } }))).toBe(
      "neighbors[0].maxPrefixes.restartAfter",
    );
  });
});

describe("configuration: link-local neighbours and Extended Next Hop Encoding", () => {
  it("takes a link-local neighbour with its interface, and the capability", () => {
    const spec = parseRouterSpec(
      base({ address: "fe80::2%eth1", capabilities: { extendedNextHop: true } }),
    );
    expect(spec.neighbors[0]).toMatchObject({
      address: "fe80::2%eth1",
      capabilities: { extendedNextHop: true },
    });
  });

  it("names the field of a link-local address without its interface, or a bad flag", () => {
    expect(field(base({ address: "fe80::2" }))).toBe("neighbors[0].address");
    expect(field(base({ address: "FE80::2" }))).toBe("neighbors[0].address");
    expect(field(base({ capabilities: { extendedNextHop: "yes" } }))).toBe(
      "neighbors[0].capabilities.extendedNextHop",
    );
    // A global IPv6 address needs no zone.
    expect(field(base({ address: "2001:db8::2" }))).toBeUndefined();
  });

  it("writes IPv6 neighbour addresses as the kernel names a connection's source (RFC 5952)", () => {
    const address = (a: string) => parseRouterSpec(base({ address: a })).neighbors[0]?.address;
    expect(address("FE80:0:0::01%eth1")).toBe("fe80::1%eth1");
    expect(address("2001:DB8:0:0:0:0:0:2")).toBe("2001:db8::2");
    expect(address("192.0.2.2")).toBe("192.0.2.2");
  });
});
