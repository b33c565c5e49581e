// RFC 9234 §4.2 at the OPEN: which roles agree, strict mode, several Role capabilities.

import type { OpenMessage } from "@dyninfra/bgp-wire";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { checkOpen, localOpen, speakerCapabilities } from "./open";

const ROLE_NAMES = ["provider", "rs", "rs-client", "customer", "peer"];
/** The pairs of RFC 9234 §4.2's table, written out: (local, remote) that agree. */
const AGREE = new Set([
  "provider/customer",
  "customer/provider",
  "rs/rs-client",
  "rs-client/rs",
  "peer/peer",
]);

const open = (role: number | undefined, strict = false) => {
  const caps = speakerCapabilities({
    ...(role !== undefined ? { role } : {}),
    ...(strict ? { strictRole: true } : {}),
  });
  return { caps, msg: localOpen(64500, "192.0.2.1", 90, caps) };
};
const check = (local: ReturnType<typeof open>, peer: OpenMessage) =>
  checkOpen(local.msg, local.caps, peer, {
    peerAsn: 64501,
    localAsn: 64500,
    localBgpIdentifier: "192.0.2.1",
  });
const peerOpen = (roles: number[]): OpenMessage => {
  const m = localOpen(64501, "192.0.2.2", 90, speakerCapabilities());
  const caps = roles.map((role) => ({ type: "BGP_ROLE" as const, role }));
  return {
    ...m,
    optionalParameters: [...m.optionalParameters, { type: "CAPABILITIES", capabilities: caps }],
  } as OpenMessage;
};

test.prop([fc.nat(4), fc.nat(4)])(
  "two roles agree exactly as RFC 9234 §4.2's table says; otherwise Role Mismatch (2/11)",
  (local, remote) => {
    const r = check(open(local), peerOpen([remote]));
    const agree = AGREE.has(`${ROLE_NAMES[local]}/${ROLE_NAMES[remote]}`);
    expect(r.ok).toBe(agree);
    if (r.ok) expect(r.value.peerRole).toBe(remote);
    else expect([r.notification.errorCode, r.notification.errorSubcode]).toEqual([2, 11]);
  },
);

describe("BGP Role at the OPEN", () => {
  it("strict mode refuses a peer without a role; without strict mode it is accepted", () => {
    const none = peerOpen([]);
    const strict = check(open(3, true), none);
    expect(!strict.ok && [strict.notification.errorCode, strict.notification.errorSubcode]).toEqual(
      [2, 11],
    );
    const lax = check(open(3), none);
    expect(lax.ok && lax.value.peerRole).toBeUndefined();
  });

  it("several Role capabilities that differ are a Role Mismatch; repeated equal ones are not", () => {
    const differ = check(open(3), peerOpen([0, 4]));
    expect(!differ.ok && differ.notification.errorSubcode).toBe(11);
    const same = check(open(3), peerOpen([0, 0]));
    expect(same.ok && same.value.peerRole).toBe(0);
  });
});
