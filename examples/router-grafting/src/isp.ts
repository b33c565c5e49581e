// A simulated ISP on Abilene: 12 routers running bgp-speaker + bgp-rib in an iBGP full mesh,
// customers as eBGP neighbours attached through an optical circuit switch, every BGP byte carried
// by simulated TCP endpoints in virtual time — and the graft executor that moves one customer's
// session, TCP connection and optical circuit from one router to another.
import type { OriginateSpec } from "@dyninfra/bgp-speaker";
import { Router } from "@dyninfra/bgp-speaker";
import type { Topology } from "@dyninfra/graft-planner";
import { greatCircleKm } from "@dyninfra/graft-planner";
import { OpticalCircuitSwitch, OpticalFabric } from "@dyninfra/optical-link";
import type { MigrationReport, TcpSegment } from "@dyninfra/tcp-state-transfer";
import {
  EventScheduler,
  migrateConnection,
  TcpEndpoint,
  TcpSocket,
} from "@dyninfra/tcp-state-transfer";
import type { ChurnEvent } from "./data";
import { runUntil, schedulerClock, TcpDuplex } from "./sim";

export const ISP_ASN = 64500;

/** A frame on an optical circuit: a TCP segment of the BGP session, or a data packet. */
export type Frame =
  | { readonly kind: "tcp"; readonly segment: TcpSegment }
  | { readonly kind: "data"; readonly customer: number; readonly seq: number };

export interface CustomerSpec {
  readonly index: number;
  readonly id: string;
  readonly asn: number;
  readonly home: number;
  readonly candidates: readonly number[];
  readonly routes: readonly OriginateSpec[];
  readonly churn: readonly ChurnEvent[];
}

export interface IspOptions {
  /** Optical switching (dark) time, µs (default 25 ms, a MEMS switch). */
  readonly switchingTimeUs?: number;
  /** Quiesce the TCP connection before the freeze (default true). */
  readonly quiesce?: boolean;
  /** Data packets per second each grafted customer sends across its circuit (default 1000). */
  readonly dataRate?: number;
  /** Virtual seconds per second of the dump's churn (default 0.005: 15 min of churn in 4.5 s). */
  readonly churnScale?: number;
  /**
   * Shortest background phase of a graft, virtual µs (default 250 ms): the time the new router
   * takes to be prepared — the session's configuration committed, the RIB snapshot copied and
   * imported — while the session keeps running on the old router. The phase lasts longer when
   * the snapshot takes longer to cross the backbone.
   */
  readonly prepareUs?: number;
  /** Rate at which a RIB snapshot crosses the backbone from the old to the new router (default 1 Gb/s). */
  readonly backboneBps?: number;
  /** Virtual µs run after a graft before the next one starts (default 100 ms). */
  readonly afterGraftUs?: number;
  /**
   * Called about every 2 s of wall time while the ISP starts or settles, with the paths held by
   * the routers' and the customers' RIBs and the virtual time: progress for long (full-table) runs.
   */
  readonly onSettleProgress?: (info: SettleProgress) => void;
}

/** Progress of a long start or settle: paths held by the routers and the customers, virtual µs. */
export interface SettleProgress {
  readonly routers: number;
  readonly customers: number;
  readonly virtualUs: number;
  readonly phase: string;
}

/** A customer attached to the ISP: its BGP speaker and TCP socket, where it is served, counters. */
export interface CustomerNode {
  readonly spec: CustomerSpec;
  readonly router: Router;
  readonly socket: TcpSocket;
  /** Router currently serving the customer. */
  at: number;
  /** The ISP-side socket and stream, bound to the port of router `at`. */
  ispSocket: TcpSocket | undefined;
  ispStream: TcpDuplex | undefined;
  /** Data packets received at the ISP side, per router. */
  dataReceived: number;
  dataSent: number;
  /** Data packets lost in the optical dark interval, and lost otherwise (never expected). */
  dataLostDark: number;
  dataLostOther: number;
  /** TCP segments of the BGP session (either direction) lost in the dark interval, and otherwise. */
  tcpLostDark: number;
  tcpLostOther: number;
  announcementsSent: number;
  withdrawalsSent: number;
}

/** What one graft did, with the figures the paper's claims are checked against. */
export interface GraftReport {
  readonly customer: string;
  readonly from: string;
  readonly to: string;
  /**
   * Virtual µs: graft start (A exports the session's RIB snapshot), snapshot imported on B,
   * BGP session frozen on A, TCP frozen, optical switch start, circuit live, BGP resumed on B.
   * From `startUs` to `bgpFrozenUs` is the background phase (the session runs on A); from
   * `bgpFrozenUs` to `resumedUs` the freeze window.
   */
  readonly startUs: number;
  readonly importedUs: number;
  readonly bgpFrozenUs: number;
  readonly frozenUs: number;
  readonly switchStartUs: number;
  readonly circuitLiveUs: number;
  readonly resumedUs: number;
  /**
   * Wall-clock ms of the routing work. Background: `exportMs` (A's RIB snapshot), `importMs`
   * (B imports it, output held). At the freeze: `freezeMs` (A pauses the session and hands over
   * the journal), `resumeMs` (B replays the journal, runs the decision process for the session's
   * prefixes and computes the incremental update), `releaseMs` (A withdraws the session).
   */
  readonly exportMs: number;
  readonly importMs: number;
  readonly freezeMs: number;
  readonly resumeMs: number;
  readonly releaseMs: number;
  /** CPU ms (user + system, this process) of the background routing work and of the freeze's. */
  readonly backgroundCpuMs: number;
  readonly freezeCpuMs: number;
  /** Routes in the snapshot: learned from the neighbour (Adj-RIB-In) and advertised to it. */
  readonly sessionRoutes: number;
  readonly advertisedRoutes: number;
  /**
   * Journal entries replayed on B at the freeze: what happened on the session after the snapshot
   * while it still ran on A — batches received from the neighbour (`journalIn`) and deltas A sent
   * it (`journalOut`) — and the prefixes they carried.
   */
  readonly journalReplayed: number;
  readonly journalIn: number;
  readonly journalOut: number;
  readonly journalPrefixes: number;
  /** Prefixes in the incremental update sent to the customer (announced + withdrawn). */
  readonly incrementalPrefixes: number;
  /** UPDATE messages the customer received because of the graft. */
  readonly customerUpdates: number;
  /** Prefixes a full re-advertisement would have sent. */
  readonly fullTablePrefixes: number;
  /** Prefixes announced or withdrawn towards the other routers' sessions (B's and A's). */
  readonly otherNeighborPrefixes: number;
  /** Data packets lost in the dark interval of the optical switch. */
  readonly dataLostDark: number;
  /**
   * TCP segments of the session lost in the dark interval (the customer, which knows nothing of
   * the graft, may send meanwhile); TCP retransmits them once the circuit is live.
   */
  readonly tcpSegmentsLostDark: number;
  readonly tcp: Omit<MigrationReport, "snapshot">;
  readonly snapshotBytes: number;
  readonly ribSnapshotBytes: number;
}

const routerAddress = (r: number) => `10.0.0.${r + 1}`;

/** ISP-side and customer-side addresses of customer c's link (a /30 each, documentation-like). */
function linkAddresses(c: number): { isp: string; customer: string } {
  const base = c * 4;
  const third = (base >> 8) & 255;
  const fourth = base & 255;
  return { isp: `100.64.${third}.${fourth + 1}`, customer: `100.64.${third}.${fourth + 2}` };
}

/** The simulated ISP. */
export class Isp {
  readonly scheduler = new EventScheduler();
  readonly clock = schedulerClock(this.scheduler);
  readonly ocs: OpticalCircuitSwitch;
  readonly fabric: OpticalFabric<Frame>;
  readonly routers: Router[];
  readonly customers: CustomerNode[] = [];
  readonly switchingTimeUs: number;
  readonly options: IspOptions;
  private iss = 1000;
  private port = 40000;

  constructor(
    readonly topology: Topology,
    readonly specs: readonly CustomerSpec[],
    options: IspOptions = {},
  ) {
    this.options = options;
    this.switchingTimeUs = options.switchingTimeUs ?? 25_000;
    // One switch port pair per transceiver: each customer, and each (candidate router, customer).
    const transceivers = specs.length + specs.reduce((n, c) => n + c.candidates.length, 0);
    this.ocs = new OpticalCircuitSwitch({
      clock: this.scheduler,
      ports: transceivers * 2,
      switchingTimeUs: this.switchingTimeUs,
    });
    this.fabric = new OpticalFabric<Frame>(this.ocs, {
      frameBytes: (f) => (f.kind === "tcp" ? 66 + f.segment.payload.length : 1500),
    });
    this.routers = topology.routers.map(
      (_r, i) =>
        new Router(
          {
            asn: ISP_ASN,
            bgpIdentifier: routerAddress(i),
            localAddress: routerAddress(i),
            neighbors: topology.routers.flatMap((_, j) =>
              j === i
                ? []
                : [
                    {
                      name: `ibgp-${topology.routers[j]!.id}`,
                      address: routerAddress(j),
                      asn: ISP_ASN,
                      passive: true,
                      nextHopSelf: true,
                      importPolicy: "accept" as const,
                      exportPolicy: "accept" as const,
                    },
                  ],
            ),
          },
          { clock: this.clock },
        ),
    );
    // Every frame lost on a circuit is counted for its customer, by kind and fate.
    const customerOf = new Map<string, number>();
    this.fabric.onFrame = (e) => {
      if (e.fate === "delivered") return;
      const c = e.frame.kind === "data" ? e.frame.customer : customerOf.get(e.from);
      const node = c === undefined ? undefined : this.customers[c];
      if (node === undefined) return;
      if (e.frame.kind === "data") {
        if (e.fate === "dark") node.dataLostDark++;
        else node.dataLostOther++;
      } else if (e.fate === "dark") node.tcpLostDark++;
      else node.tcpLostOther++;
    };
    let port = 1; // switch ports are numbered from 1
    for (const spec of specs) {
      const addr = linkAddresses(spec.index);
      customerOf.set(`cust-${spec.index}`, spec.index);
      for (const r of spec.candidates) customerOf.set(this.portName(r, spec.index), spec.index);
      const rx = port++;
      const tx = port++;
      this.fabric.attach({ name: `cust-${spec.index}`, txPort: tx, rxPort: rx }, (f) =>
        this.atCustomer(spec.index, f),
      );
      for (const r of spec.candidates) {
        const prx = port++;
        const ptx = port++;
        const name = this.portName(r, spec.index);
        this.fabric.attach({ name, txPort: ptx, rxPort: prx }, (f) =>
          this.atIspPort(r, spec.index, f),
        );
      }
      const router = new Router(
        {
          asn: spec.asn,
          bgpIdentifier: addr.customer,
          localAddress: addr.customer,
          neighbors: [
            {
              name: "isp",
              address: addr.isp,
              asn: ISP_ASN,
              passive: true,
              importPolicy: "accept",
              exportPolicy: "accept",
            },
          ],
          originate: spec.routes,
          // A customer here only speaks BGP: nothing forwards by its FIB (24 full tables' worth).
          fib: false,
        },
        { clock: this.clock },
      );
      const ep = new TcpEndpoint({
        localAddress: addr.customer,
        remoteAddress: addr.isp,
        localPort: this.port++,
        remotePort: 179,
        iss: this.iss++ * 7919,
      });
      const socket = new TcpSocket(ep, this.scheduler, (segment) =>
        this.fabric.send(`cust-${spec.index}`, { kind: "tcp", segment }),
      );
      this.customers.push({
        spec,
        router,
        socket,
        at: spec.home,
        ispSocket: undefined,
        ispStream: undefined,
        dataReceived: 0,
        dataSent: 0,
        dataLostDark: 0,
        dataLostOther: 0,
        tcpLostDark: 0,
        tcpLostOther: 0,
        announcementsSent: 0,
        withdrawalsSent: 0,
      });
    }
  }

  portName(router: number, customer: number): string {
    return `r${router}-c${customer}`;
  }

  private atCustomer(c: number, f: Frame): void {
    if (f.kind === "tcp") this.customers[c]!.socket.deliver(f.segment);
  }

  private atIspPort(r: number, c: number, f: Frame): void {
    const node = this.customers[c]!;
    if (f.kind === "data") {
      node.dataReceived++;
      return;
    }
    // Only the router that currently holds the customer's TCP endpoint processes segments.
    if (node.at === r && node.ispSocket !== undefined) node.ispSocket.deliver(f.segment);
  }

  /** Brings up the iBGP mesh and every customer session; returns when all are Established. */
  async start(): Promise<void> {
    for (const r of this.routers) r.start();
    const n = this.routers.length;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) await this.ibgpLink(i, j);
    }
    for (const node of this.customers) {
      const addr = linkAddresses(node.spec.index);
      const home = this.routers[node.spec.home]!;
      home.addNeighbor({
        name: node.spec.id,
        address: addr.customer,
        asn: node.spec.asn,
        localAddress: addr.isp,
        passive: true,
        importPolicy: "accept",
        exportPolicy: "accept",
      });
      home.session(node.spec.id).start();
      node.router.start();
      this.fabric.connectDuplex(
        `cust-${node.spec.index}`,
        this.portName(node.spec.home, node.spec.index),
      );
    }
    await runUntil(this.scheduler, this.scheduler.now + this.switchingTimeUs + 1000);
    for (const node of this.customers) {
      const addr = linkAddresses(node.spec.index);
      const ep = new TcpEndpoint({
        localAddress: addr.isp,
        remoteAddress: addr.customer,
        localPort: 179,
        remotePort: node.socket.endpoint.localPort,
        iss: this.iss++ * 7919,
      });
      node.ispSocket = new TcpSocket(ep, this.scheduler, (segment) =>
        this.fabric.send(this.portName(node.at, node.spec.index), { kind: "tcp", segment }),
      );
      node.ispSocket.listen();
      node.socket.connect();
    }
    await runUntil(this.scheduler, this.scheduler.now + 50_000);
    for (const node of this.customers) {
      node.ispStream = new TcpDuplex(node.ispSocket!);
      this.routers[node.at]!.accept(node.spec.id, node.ispStream);
      node.router.accept("isp", new TcpDuplex(node.socket));
    }
    // Until quiet: a full table takes several virtual seconds to cross every session.
    await this.settle(600_000_000, "starting");
  }

  private async ibgpLink(i: number, j: number): Promise<void> {
    const ri = this.topology.routers[i]!;
    const rj = this.topology.routers[j]!;
    // Propagation over fibre: ~5 µs per km of great-circle distance.
    const delay = Math.max(50, Math.round(5 * (greatCircleKm(ri, rj) ?? 1000)));
    const a = new TcpEndpoint({
      localAddress: routerAddress(i),
      remoteAddress: routerAddress(j),
      localPort: this.port++,
      remotePort: 179,
      iss: this.iss++ * 7919,
    });
    const b = new TcpEndpoint({
      localAddress: routerAddress(j),
      remoteAddress: routerAddress(i),
      localPort: 179,
      remotePort: a.localPort,
      iss: this.iss++ * 7919,
    });
    let sb: TcpSocket | undefined;
    const sa = new TcpSocket(a, this.scheduler, (seg) =>
      this.scheduler.after(delay, () => sb!.deliver(seg)),
    );
    sb = new TcpSocket(b, this.scheduler, (seg) =>
      this.scheduler.after(delay, () => sa.deliver(seg)),
    );
    sb.listen();
    sa.connect();
    // The handshake completes within a few RTTs of virtual time.
    while (a.state !== "ESTABLISHED" || b.state !== "ESTABLISHED") {
      if (!this.scheduler.step()) throw new Error(`iBGP TCP ${ri.id}–${rj.id} did not connect`);
    }
    this.routers[i]!.accept(`ibgp-${rj.id}`, new TcpDuplex(sa));
    this.routers[j]!.accept(`ibgp-${ri.id}`, new TcpDuplex(sb));
  }

  /** Paths held by all routers' RIBs, and by all customers' (counted for progress and quiet). */
  paths(): { routers: number; customers: number } {
    let routers = 0;
    for (const r of this.routers) routers += r.rib.stats().paths;
    let customers = 0;
    for (const c of this.customers) customers += c.router.rib.stats().paths;
    return { routers, customers };
  }

  /**
   * Runs virtual time until nothing but timers is left to do (or `maxUs` passed): quiet is 300 ms
   * of virtual time in which no RIB changed its number of paths and no customer received an UPDATE.
   */
  async settle(maxUs = 5_000_000, phase = "settling"): Promise<void> {
    const end = this.scheduler.now + maxUs;
    let quietSince = this.scheduler.now;
    let last = "";
    let reported = performance.now();
    const report = this.options.onSettleProgress;
    const tick =
      report === undefined
        ? undefined
        : (now: number) => {
            if (performance.now() - reported < 2000) return;
            reported = performance.now();
            report({ ...this.paths(), virtualUs: now, phase });
          };
    while (this.scheduler.now < end) {
      await runUntil(this.scheduler, this.scheduler.now + 100_000, tick);
      const p = this.paths();
      let updates = 0;
      for (const c of this.customers) updates += c.router.session("isp").stats.updatesReceived;
      const state = `${p.routers}/${p.customers}/${updates}`;
      if (state !== last) {
        last = state;
        quietSince = this.scheduler.now;
      } else if (this.scheduler.now - quietSince >= 300_000) return;
    }
  }

  /** Schedules a customer's real churn (its share of the dump), scaled into virtual time. */
  scheduleChurn(fromUs: number, durationUs: number): void {
    const scale = (this.options.churnScale ?? 0.005) * 1_000_000;
    for (const node of this.customers) {
      for (const e of node.spec.churn) {
        const at = fromUs + e.at * scale;
        if (at > fromUs + durationUs) continue;
        this.scheduler.at(at, () => {
          if (e.asPath === undefined) {
            node.router.withdraw([e.prefix]);
            node.withdrawalsSent++;
          } else {
            node.router.originate([{ prefix: e.prefix, asPath: [...e.asPath] }]);
            node.announcementsSent++;
          }
        });
      }
    }
  }

  /** Sends data packets from a customer across its circuit for a while (the data plane). */
  sendData(c: number, fromUs: number, untilUs: number): void {
    const rate = this.options.dataRate ?? 1000;
    const gap = Math.round(1_000_000 / rate);
    const node = this.customers[c]!;
    let seq = 0;
    for (let t = fromUs; t < untilUs; t += gap) {
      this.scheduler.at(t, () => {
        node.dataSent++;
        this.fabric.send(`cust-${c}`, { kind: "data", customer: c, seq: seq++ });
      });
    }
  }

  /** Propagation delay between two routers over the backbone, µs (~5 µs per km of fibre). */
  private backboneDelayUs(a: number, b: number): number {
    const ra = this.topology.routers[a]!;
    const rb = this.topology.routers[b]!;
    return Math.max(50, Math.round(5 * (greatCircleKm(ra, rb) ?? 1000)));
  }

  /**
   * Grafts customer `c` to router `to` (DESIGN.md's four steps). 1. In the background, while the
   * session keeps running on A and churn keeps arriving: A's RIB exports the session (and
   * journals it from then on), the snapshot crosses the backbone and B imports it with its output
   * held. 2. A freezes the BGP session and hands over only the journal after the snapshot; the TCP
   * connection is quiesced, frozen, snapshotted and restored on B with the same address. 3. The
   * optical circuit moves. 4. B replays the journal, runs the decision process for the session's
   * prefixes and resumes the session with only the incremental update; A withdraws what its
   * other neighbours must lose.
   */
  async graft(c: number, to: number): Promise<GraftReport> {
    const node = this.customers[c]!;
    const from = node.at;
    if (from === to)
      throw new Error(`customer ${node.spec.id} is already on ${this.topology.routers[to]!.id}`);
    if (!node.spec.candidates.includes(to))
      throw new Error(`router ${this.topology.routers[to]!.id} has no port for ${node.spec.id}`);
    const A = this.routers[from]!;
    const B = this.routers[to]!;
    const name = node.spec.id;
    const address = linkAddresses(c).customer;
    const spec = A.neighborByAddress(address)!;
    const custPortA = this.portName(from, c);
    const custPortB = this.portName(to, c);
    const startUs = this.scheduler.now;
    const darkBefore = node.dataLostDark;
    const tcpDarkBefore = node.tcpLostDark;
    const custUpdatesBefore = node.router.session("isp").stats.updatesReceived;
    let sessionRoutes = 0;
    for (const _ of A.rib.adjRibIn(address, "pre")) sessionRoutes++;
    let advertisedRoutes = 0;
    for (const _ of A.rib.adjRibOut(address)) advertisedRoutes++;

    // 1. Background: A's RIB exports the session and journals it from now on; the snapshot
    // crosses the backbone, B imports it (output to the customer held) — the session runs on A.
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const snapshot = A.rib.exportSession(address);
    const exportMs = performance.now() - t0;
    const cpuExport = process.cpuUsage(cpu0);
    const transferUs =
      this.backboneDelayUs(from, to) +
      Math.ceil((snapshot.length * 8 * 1e6) / (this.options.backboneBps ?? 1e9));
    const freezeAt = startUs + Math.max(this.options.prepareUs ?? 250_000, transferUs);
    // Data across the circuit from the start of the graft until well after the move.
    this.sendData(c, startUs, freezeAt + 200_000);
    await runUntil(this.scheduler, startUs + transferUs);
    const importedUs = this.scheduler.now;
    const cpu1 = process.cpuUsage();
    const t1 = performance.now();
    const imported = B.graftPrepare(spec, snapshot);
    const importMs = performance.now() - t1;
    const cpuImport = process.cpuUsage(cpu1);
    await runUntil(this.scheduler, freezeAt);

    // 2. Freeze BGP on A (its pending output drained into TCP); only the journal goes to B.
    const bgpFrozenUs = this.scheduler.now;
    const cpu2 = process.cpuUsage();
    const t2 = performance.now();
    const handover = A.graftFreeze(name, imported.seq);
    const freezeMs = performance.now() - t2;
    const cpuFreeze = process.cpuUsage(cpu2);
    const stream = node.ispStream!;
    // Let TCP take what BGP wrote before the freeze; then stop reading: unread bytes stay in the
    // TCP receive queue and travel with the snapshot.
    while (stream.pendingBytes > 0) await runUntil(this.scheduler, this.scheduler.now + 100);
    stream.unbind();

    // 2-3. TCP: quiesce, freeze, snapshot, restore on B; the circuit moves at the freeze.
    let frozenUs = 0;
    let switchStartUs = 0;
    const quiesce = this.options.quiesce ?? true;
    const migration = migrateConnection(
      {
        socket: node.ispSocket!,
        stopWrites: () => {},
        detach: () => {
          frozenUs = this.scheduler.now;
          switchStartUs = this.scheduler.now;
          this.fabric.moveDuplex(`cust-${c}`, custPortA, custPortB);
          node.ispSocket = undefined;
          return 0;
        },
        attach: (endpoint) => {
          const s = new TcpSocket(endpoint, this.scheduler, (segment) =>
            this.fabric.send(custPortB, { kind: "tcp", segment }),
          );
          node.at = to;
          node.ispSocket = s;
          return s;
        },
        resumeWrites: () => {},
      },
      {
        quiesce,
        // Restore once the circuit is live: segments sent into a dark circuit would be lost.
        restoreUs: this.switchingTimeUs + 500,
      },
    );
    while (!migration.done) await runUntil(this.scheduler, this.scheduler.now + 1000);
    const report = migration.report;
    const circuitLiveUs = switchStartUs + this.switchingTimeUs;

    // 4. B replays the journal and resumes with only the incremental update; A releases.
    const cpu3 = process.cpuUsage();
    const t3 = performance.now();
    const newStream = new TcpDuplex(node.ispSocket!);
    node.ispStream = newStream;
    const result = B.graftResume(handover, newStream);
    const resumeMs = performance.now() - t3;
    const t4 = performance.now();
    const released = A.releaseGraft(name);
    const releaseMs = performance.now() - t4;
    const cpuResume = process.cpuUsage(cpu3);
    const resumedUs = this.scheduler.now;
    // Let the incremental update and the other routers' updates cross the network; the next graft
    // follows while churn goes on (the scenario settles at the end).
    await runUntil(this.scheduler, this.scheduler.now + (this.options.afterGraftUs ?? 100_000));
    const count = (u: {
      withdrawn?: readonly unknown[];
      announced?: readonly { nlri: readonly unknown[] }[];
    }) => (u.withdrawn?.length ?? 0) + (u.announced ?? []).reduce((n, a) => n + a.nlri.length, 0);
    let otherNeighborPrefixes = 0;
    for (const changes of [result.changes, released])
      for (const [peer, delta] of changes.adjRibOut)
        if (peer !== address) otherNeighborPrefixes += count(delta);
    const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
    const { snapshot: _s, ...tcp } = report;
    return {
      customer: name,
      from: this.topology.routers[from]!.id,
      to: this.topology.routers[to]!.id,
      startUs,
      importedUs,
      bgpFrozenUs,
      frozenUs,
      switchStartUs,
      circuitLiveUs,
      resumedUs,
      exportMs,
      importMs,
      freezeMs,
      resumeMs,
      releaseMs,
      backgroundCpuMs: cpuMs(cpuExport) + cpuMs(cpuImport),
      freezeCpuMs: cpuMs(cpuFreeze) + cpuMs(cpuResume),
      sessionRoutes,
      advertisedRoutes,
      journalReplayed: result.replayed,
      journalIn: handover.journal.filter((e) => e.direction === "in").length,
      journalOut: handover.journal.filter((e) => e.direction === "out").length,
      journalPrefixes: handover.journal.reduce((n, e) => n + count(e.update), 0),
      incrementalPrefixes: count(result.neighbor),
      customerUpdates: node.router.session("isp").stats.updatesReceived - custUpdatesBefore,
      fullTablePrefixes: advertisedRoutes,
      otherNeighborPrefixes,
      dataLostDark: node.dataLostDark - darkBefore,
      tcpSegmentsLostDark: node.tcpLostDark - tcpDarkBefore,
      tcp,
      snapshotBytes: report.snapshotBytes,
      ribSnapshotBytes: snapshot.length,
    };
  }

  /**
   * Every router's Loc-RIB, then every customer's, as comparable text lines (prefix, source,
   * attributes).
   */
  locRibs(): string[][] {
    return [...this.routers, ...this.customers.map((c) => c.router)].map((r) =>
      [...r.rib.locRib()]
        .map(
          (route) =>
            `${route.prefix.address}/${route.prefix.length} ${route.peer} ${JSON.stringify(route.attributes)}`,
        )
        .sort(),
    );
  }

  /** Session health: any NOTIFICATION, OPEN after start, or non-Established session. */
  sessionHealth(): { established: number; total: number; notifications: number; opens: number } {
    let established = 0;
    let total = 0;
    let notifications = 0;
    let opens = 0;
    for (const node of this.customers) {
      const s = node.router.session("isp");
      total++;
      if (s.state === "Established") established++;
      notifications += s.stats.notificationsReceived + s.stats.notificationsSent;
      opens += s.stats.opensReceived;
    }
    return { established, total, notifications, opens };
  }
}
