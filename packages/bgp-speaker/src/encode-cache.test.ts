import {
  encodeAnnouncements,
  type PathAttributes,
  type Prefix,
  sessionContext,
} from "@dyninfra/bgp-wire";
import { describe, expect, it } from "vitest";
import { encodedOnce, encodingKey } from "./encode-cache";

const attributes: PathAttributes = {
  origin: "IGP",
  asPath: [{ type: "AS_SEQUENCE", asns: [64500, 64501] }],
  nextHop: "192.0.2.1",
};
const nlri: Prefix[] = [{ afi: 1, address: "198.51.100.0", length: 24 }];

describe("encodedOnce", () => {
  it("encodes a delta part once per session encoding and hands every neighbour the same bytes", () => {
    const part = { attributes, nlri };
    const four = sessionContext({ fourOctetAs: true });
    const two = sessionContext({ fourOctetAs: false });
    let calls = 0;
    const enc = (ctx: typeof four) => () => {
      calls++;
      return encodeAnnouncements(part.attributes, part.nlri, ctx);
    };
    const a = encodedOnce(part, encodingKey(four), enc(four));
    const b = encodedOnce(part, encodingKey(sessionContext({ fourOctetAs: true })), enc(four));
    expect(b).toBe(a);
    expect(calls).toBe(1);
    // A 2-octet-AS session needs other bytes (2-octet AS_PATH): encoded separately.
    const c = encodedOnce(part, encodingKey(two), enc(two));
    expect(calls).toBe(2);
    expect(c).toEqual(encodeAnnouncements(attributes, nlri, two));
    expect(c).not.toEqual(a);
    // Another part with equal content is another entry (keys are object identities).
    encodedOnce({ attributes, nlri }, encodingKey(four), enc(four));
    expect(calls).toBe(3);
  });

  it("tells apart every setting the encoding depends on", () => {
    const keys = new Set(
      [false, true].flatMap((fourOctetAs) =>
        [false, true].flatMap((extendedMessage) =>
          [[], [{ afi: 1, safi: 1 }], [{ afi: 2, safi: 1 }]].map((addPath) =>
            encodingKey(sessionContext({ fourOctetAs, extendedMessage, addPath })),
          ),
        ),
      ),
    );
    expect(keys.size).toBe(12);
  });
});
