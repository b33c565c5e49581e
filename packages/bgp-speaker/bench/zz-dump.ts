import type { OriginateSpec } from "@dyninfra/bgp-speaker";
import { ManualClock, memoryPipe, Router, writeRibDump, ribDumpRecords } from "@dyninfra/bgp-speaker";
import { encodeMrt } from "@dyninfra/bgp-wire";
import { FULL_TABLE, loadTable } from "../test/interop/routes";
const table = loadTable(FULL_TABLE, "*").slice(0, 200_000);
const routes: OriginateSpec[] = table.map((r) => ({ prefix: r.prefix, asPath: r.asPath, origin: r.origin, communities: r.communities }));
const clock = new ManualClock();
const nb = (name: string, address: string, asn: number) => ({ name, address, asn, passive: true, importPolicy: "accept" as const, exportPolicy: "accept" as const });
const a = new Router({ asn: 64500, bgpIdentifier: "192.0.2.1", localAddress: "192.0.2.1", neighbors: [nb("c", "192.0.2.2", 64501)], originate: routes }, { clock });
const c = new Router({ asn: 64501, bgpIdentifier: "192.0.2.2", neighbors: [nb("a", "192.0.2.1", 64500)] }, { clock });
a.start(); c.start();
const [x, y] = memoryPipe(); a.accept("c", x); c.accept("a", y);
while (c.rib.stats().locRibRoutes < routes.length) await new Promise((r) => setImmediate(r));
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  const recs = ribDumpRecords(c, 1);
  const t1 = performance.now();
  const bytes = encodeMrt(recs);
  const t2 = performance.now();
  console.log(`records ${(t1 - t0).toFixed(0)} ms, encode ${(t2 - t1).toFixed(0)} ms, ${bytes.length} bytes`);
}
a.stop(); c.stop();
