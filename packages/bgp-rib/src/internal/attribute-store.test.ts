import { describe, expect, it } from "vitest";
import { AttributeStore } from "./attribute-store";

describe("AttributeStore", () => {
  it("interns equal sets to one id and keeps IGP and INCOMPLETE apart", () => {
    const s = new AttributeStore();
    const a = s.intern({ origin: "IGP", nextHop: "192.0.2.1" });
    const b = s.intern({ nextHop: "192.0.2.1", origin: "IGP" });
    const c = s.intern({ origin: "INCOMPLETE", nextHop: "192.0.2.1" });
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(s.origin[a]).toBe(0);
    expect(s.origin[c]).toBe(2);
  });

  it("frees a set when its last reference goes, at the next sweep", () => {
    const s = new AttributeStore();
    const a = s.intern({
      origin: "IGP",
      asPath: [
        { type: "AS_SEQUENCE", asns: [1, 2] },
        { type: "AS_SET", asns: [3, 4] },
      ],
    });
    expect(s.pathLength[a]).toBe(3); // AS_SET counts 1 (RFC 4271 §9.1.2.2 (a))
    expect(s.neighborAs[a]).toBe(1);
    s.ref(a);
    s.unref(a);
    s.sweep();
    expect(s.size).toBe(1);
    s.unref(a);
    expect(s.size).toBe(1); // still valid until the sweep
    s.sweep();
    expect(s.size).toBe(0);
  });
});
