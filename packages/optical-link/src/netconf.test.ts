import { describe, expect, it } from "vitest";
import { OpticalLinkError } from "./errors";
import { crossConnectsToXml, parseCrossConnectsXml } from "./netconf";

describe("Polatis optical-switch NETCONF XML", () => {
  it("writes the cross-connects container with one pairs entry per ingress", () => {
    expect(
      crossConnectsToXml([
        { ingress: 2, egress: 18 },
        { ingress: 1, egress: 17 },
      ]),
    ).toBe(
      '<cross-connects xmlns="http://www.polatis.com/yang/optical-switch">\n' +
        "  <pairs><ingress>1</ingress><egress>17</egress></pairs>\n" +
        "  <pairs><ingress>2</ingress><egress>18</egress></pairs>\n" +
        "</cross-connects>\n",
    );
  });

  it("reads a get reply with prefixes, whitespace, comments and an rpc-reply wrapper", () => {
    const reply = `<?xml version="1.0" encoding="UTF-8"?>
<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" message-id="101">
  <data>
    <!-- switch state -->
    <opsw:cross-connects xmlns:opsw="http://www.polatis.com/yang/optical-switch">
      <opsw:pairs>
        <opsw:ingress>1</opsw:ingress>
        <opsw:egress>17</opsw:egress>
      </opsw:pairs>
      <opsw:pairs><opsw:ingress> 3 </opsw:ingress><opsw:egress>20</opsw:egress></opsw:pairs>
    </opsw:cross-connects>
  </data>
</rpc-reply>`;
    expect(parseCrossConnectsXml(reply)).toEqual([
      { ingress: 1, egress: 17 },
      { ingress: 3, egress: 20 },
    ]);
  });

  it("says where malformed input is wrong", () => {
    const where = (xml: string): [string, number | undefined, string | undefined] => {
      try {
        parseCrossConnectsXml(xml);
        return ["ok", undefined, undefined];
      } catch (e) {
        if (!OpticalLinkError.isInstance(e)) throw e;
        return [e.code, e.where.offset, e.where.field];
      }
    };
    expect(where("<cross-connects><pairs></cross-connects>")).toEqual(["BAD_XML", 23, undefined]);
    expect(
      where(
        "<cross-connects><pairs><ingress>x</ingress><egress>1</egress></pairs></cross-connects>",
      ),
    ).toEqual(["BAD_CROSS_CONNECT", 23, "ingress"]);
    expect(where("<cross-connects><pairs><ingress>1</ingress></pairs></cross-connects>")).toEqual([
      "BAD_CROSS_CONNECT",
      16,
      "egress",
    ]);
    expect(where("<a/>")[0]).toBe("BAD_CROSS_CONNECT");
    expect(where("")[0]).toBe("BAD_XML");
    expect(where("<!DOCTYPE x><a/>")[0]).toBe("BAD_XML");
  });
});
