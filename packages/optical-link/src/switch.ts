import { OpticalLinkError } from "./errors";

/**
 * The virtual clock the switch runs on: anything with a current time in µs and a way to schedule
 * an action, such as `EventScheduler` of `@dyninfra/tcp-state-transfer`, so the switch, TCP
 * endpoints and a BGP speaker share one deterministic timeline.
 */
export interface VirtualClock {
  /** Current virtual time, µs. */
  readonly now: number;
  /** Runs `action` at virtual time `time` (µs); same-time actions run in scheduling order. */
  at(time: number, action: () => void): unknown;
}

/**
 * A cross-connect: light entering `ingress` leaves at `egress` (one direction). A bidirectional
 * circuit is two pairs, as in the Polatis `optical-switch` YANG model (`cross-connects/pairs`).
 */
export interface CrossConnect {
  readonly ingress: number;
  readonly egress: number;
}

/** A cross-connect with its timing: dark (mirrors moving) until `liveAt`. */
export interface CrossConnectState extends CrossConnect {
  /** When the pair was configured (µs). */
  readonly configuredAt: number;
  /** When light first passes (µs): `configuredAt` + switching time. */
  readonly liveAt: number;
}

/** A configuration change applied atomically (one NETCONF `edit-config`). */
export interface SwitchTransaction {
  /** Ingress ports whose pairs are removed. */
  readonly disconnect?: readonly number[];
  /** Pairs to create (after the removals). */
  readonly connect?: readonly CrossConnect[];
}

/** Why a switch operation was refused. */
export type SwitchErrorCode =
  | "INVALID_PORT"
  | "NOT_INGRESS_PORT"
  | "NOT_EGRESS_PORT"
  | "SAME_PORT"
  | "PORT_IN_USE"
  | "NO_SUCH_CROSS_CONNECT"
  | "DUPLICATE_PORT";

/** A refused operation, as a value: nothing was changed. */
export interface SwitchError {
  readonly code: SwitchErrorCode;
  readonly port: number;
  readonly message: string;
}

/** Result of a switch operation. */
export type SwitchResult =
  | { readonly ok: true; readonly liveAt: number }
  | { readonly ok: false; readonly error: SwitchError };

/** What happened to a frame passing the switch. */
export type FrameFate = "delivered" | "dark" | "no-circuit";

/** Counters of a switch. */
export interface SwitchStats {
  /** Transactions applied (refused ones are not counted). */
  readonly transactions: number;
  readonly framesOffered: number;
  readonly framesDelivered: number;
  /** Frames lost because their ingress circuit was switching (dark) while they passed. */
  readonly framesLostDark: number;
  /** Frames lost because their ingress had no cross-connect. */
  readonly framesLostNoCircuit: number;
}

/** Options of {@link OpticalCircuitSwitch}. */
export interface OpticalSwitchOptions {
  readonly clock: VirtualClock;
  /**
   * Number of ports, numbered 1…N, each usable as ingress or egress (an any-to-any switch).
   * Give `ingressPorts` and `egressPorts` instead for an N×M switch.
   */
  readonly ports?: number;
  /** Inclusive range of ingress ports of an N×M switch, e.g. `[1, 16]`. */
  readonly ingressPorts?: readonly [number, number];
  /** Inclusive range of egress ports of an N×M switch, e.g. `[17, 32]`. */
  readonly egressPorts?: readonly [number, number];
  /**
   * Dark interval of a reconfigured pair, µs (default 25 ms, the order of a beam-steering
   * switch; set it from the datasheet of the switch modelled).
   */
  readonly switchingTimeUs?: number;
}

const NONE = 0;

/**
 * An optical circuit switch (OCS) with N ports and cross-connects as ingress→egress pairs in the
 * shape of the Polatis NETCONF model. Every configuration change is an atomic transaction; a
 * newly configured pair stays dark for the switching time; frames crossing a dark or missing
 * circuit are lost and counted; a port is never in two pairs.
 *
 * @example
 * ```ts
 * const clock = new EventScheduler(); // from @dyninfra/tcp-state-transfer, or any VirtualClock
 * const ocs = new OpticalCircuitSwitch({ clock, ingressPorts: [1, 16], egressPorts: [17, 32] });
 * ocs.connect(1, 17); // { ok: true, liveAt: 25_000 }
 * ocs.move(1, 18);    // atomic re-point, dark again for 25 ms
 * ```
 */
export class OpticalCircuitSwitch {
  readonly clock: VirtualClock;
  readonly switchingTimeUs: number;
  readonly portCount: number;
  readonly #ingressRange: readonly [number, number];
  readonly #egressRange: readonly [number, number];
  /** egress of the pair at each ingress (0 = none). */
  readonly #egressOf: Int32Array;
  /** ingress of the pair at each egress (0 = none). */
  readonly #ingressOf: Int32Array;
  readonly #liveAt: Float64Array;
  readonly #configuredAt: Float64Array;
  /** Bumped whenever the pair at an ingress changes (frames in flight check it). */
  readonly #epoch: Uint32Array;
  #transactions = 0;
  #offered = 0;
  #delivered = 0;
  #lostDark = 0;
  #lostNoCircuit = 0;

  constructor(options: OpticalSwitchOptions) {
    this.clock = options.clock;
    this.switchingTimeUs = options.switchingTimeUs ?? 25_000;
    if (!(this.switchingTimeUs >= 0) || !Number.isFinite(this.switchingTimeUs)) {
      throw new OpticalLinkError("BAD_OPTION", "switchingTimeUs must be a finite number ≥ 0", {
        field: "switchingTimeUs",
      });
    }
    if (options.ingressPorts !== undefined || options.egressPorts !== undefined) {
      const i = checkRange(options.ingressPorts, "ingressPorts");
      const e = checkRange(options.egressPorts, "egressPorts");
      if (i[0] <= e[1] && e[0] <= i[1]) {
        throw new OpticalLinkError("BAD_OPTION", "ingress and egress port ranges overlap", {
          field: "egressPorts",
        });
      }
      this.#ingressRange = i;
      this.#egressRange = e;
      this.portCount = Math.max(i[1], e[1]);
    } else {
      const n = options.ports ?? 32;
      if (!Number.isInteger(n) || n < 1 || n > 1 << 20) {
        throw new OpticalLinkError("BAD_OPTION", "ports must be an integer in [1, 2^20]", {
          field: "ports",
        });
      }
      this.portCount = n;
      this.#ingressRange = [1, n];
      this.#egressRange = [1, n];
    }
    const size = this.portCount + 1;
    this.#egressOf = new Int32Array(size);
    this.#ingressOf = new Int32Array(size);
    this.#liveAt = new Float64Array(size);
    this.#configuredAt = new Float64Array(size);
    this.#epoch = new Uint32Array(size);
  }

  /** Counters so far. */
  get stats(): SwitchStats {
    return {
      transactions: this.#transactions,
      framesOffered: this.#offered,
      framesDelivered: this.#delivered,
      framesLostDark: this.#lostDark,
      framesLostNoCircuit: this.#lostNoCircuit,
    };
  }

  /** True when `port` may be an ingress. */
  isIngressPort(port: number): boolean {
    return Number.isInteger(port) && port >= this.#ingressRange[0] && port <= this.#ingressRange[1];
  }

  /** True when `port` may be an egress. */
  isEgressPort(port: number): boolean {
    return Number.isInteger(port) && port >= this.#egressRange[0] && port <= this.#egressRange[1];
  }

  /** The configured pairs, by ingress, with their timing. */
  crossConnects(): CrossConnectState[] {
    const out: CrossConnectState[] = [];
    for (let i = 1; i <= this.portCount; i++) {
      const e = this.#egressOf[i]!;
      if (e !== NONE) {
        out.push({
          ingress: i,
          egress: e,
          configuredAt: this.#configuredAt[i]!,
          liveAt: this.#liveAt[i]!,
        });
      }
    }
    return out;
  }

  /** The egress an ingress is configured to (live or still dark), if any. */
  configuredEgress(ingress: number): number | undefined {
    if (!this.isIngressPort(ingress)) return undefined;
    const e = this.#egressOf[ingress]!;
    return e === NONE ? undefined : e;
  }

  /** The egress light entering `ingress` reaches now, or `undefined` (no pair, or dark). */
  liveEgress(ingress: number): number | undefined {
    if (!this.isIngressPort(ingress)) return undefined;
    const e = this.#egressOf[ingress]!;
    if (e === NONE || this.clock.now < this.#liveAt[ingress]!) return undefined;
    return e;
  }

  /** True when `port` is in some pair (as ingress or egress). */
  inUse(port: number): boolean {
    return (
      port >= 1 &&
      port <= this.portCount &&
      (this.#egressOf[port] !== NONE || this.#ingressOf[port] !== NONE)
    );
  }

  /**
   * Creates the pair `ingress → egress`; dark for the switching time.
   * @example
   * ```ts
   * ocs.connect(1, 17);
   * ```
   */
  connect(ingress: number, egress: number): SwitchResult {
    return this.apply({ connect: [{ ingress, egress }] });
  }

  /**
   * Removes the pair at `ingress`.
   * @example
   * ```ts
   * ocs.disconnect(1);
   * ```
   */
  disconnect(ingress: number): SwitchResult {
    return this.apply({ disconnect: [ingress] });
  }

  /**
   * Re-points `ingress` to `egress` atomically (remove and create in one transaction).
   * @example
   * ```ts
   * ocs.move(1, 18);
   * ```
   */
  move(ingress: number, egress: number): SwitchResult {
    return this.apply({ disconnect: [ingress], connect: [{ ingress, egress }] });
  }

  /**
   * Applies a transaction atomically: either every removal and creation happens at this instant,
   * or (on the first violation) nothing changes and the error is returned as a value.
   * @example
   * ```ts
   * // Re-home a duplex link from router ports (3, 19) to (4, 20), neighbour on (1, 17):
   * ocs.apply({ disconnect: [1, 3], connect: [{ ingress: 1, egress: 20 }, { ingress: 4, egress: 17 }] });
   * ```
   */
  apply(tx: SwitchTransaction): SwitchResult {
    const removed = new Set<number>();
    for (const i of tx.disconnect ?? []) {
      if (!this.isIngressPort(i))
        return fail("NOT_INGRESS_PORT", i, `port ${i} is not an ingress port`);
      if (this.#egressOf[i] === NONE) {
        return fail("NO_SUCH_CROSS_CONNECT", i, `no cross-connect at ingress ${i}`);
      }
      if (removed.has(i)) return fail("DUPLICATE_PORT", i, `ingress ${i} listed twice`);
      removed.add(i);
    }
    const freed = new Set<number>();
    for (const i of removed) {
      freed.add(i);
      freed.add(this.#egressOf[i]!);
    }
    const taken = new Set<number>();
    const busy = (p: number): boolean =>
      taken.has(p) ||
      (!freed.has(p) && (this.#egressOf[p] !== NONE || this.#ingressOf[p] !== NONE));
    for (const c of tx.connect ?? []) {
      for (const p of [c.ingress, c.egress]) {
        if (!Number.isInteger(p) || p < 1 || p > this.portCount) {
          return fail("INVALID_PORT", p, `invalid port ${p}`);
        }
      }
      if (!this.isIngressPort(c.ingress)) {
        return fail("NOT_INGRESS_PORT", c.ingress, `port ${c.ingress} is not an ingress port`);
      }
      if (!this.isEgressPort(c.egress)) {
        return fail("NOT_EGRESS_PORT", c.egress, `port ${c.egress} is not an egress port`);
      }
      if (c.ingress === c.egress) return fail("SAME_PORT", c.ingress, "ingress equals egress");
      for (const p of [c.ingress, c.egress]) {
        if (busy(p)) {
          return fail(taken.has(p) ? "DUPLICATE_PORT" : "PORT_IN_USE", p, `port ${p} is in use`);
        }
      }
      taken.add(c.ingress);
      taken.add(c.egress);
    }
    // Validated: apply at one instant.
    const now = this.clock.now;
    const liveAt = now + this.switchingTimeUs;
    for (const i of removed) {
      this.#ingressOf[this.#egressOf[i]!] = NONE;
      this.#egressOf[i] = NONE;
      this.#epoch[i]!++;
    }
    for (const c of tx.connect ?? []) {
      this.#egressOf[c.ingress] = c.egress;
      this.#ingressOf[c.egress] = c.ingress;
      this.#configuredAt[c.ingress] = now;
      this.#liveAt[c.ingress] = liveAt;
      this.#epoch[c.ingress]!++;
    }
    this.#transactions++;
    return { ok: true, liveAt };
  }

  /**
   * A frame entering `ingress` now and taking `durationUs` to pass (its serialization time).
   * It is delivered to the egress, through `deliver`, only if the circuit is live when it enters
   * and is not reconfigured before it has passed; otherwise it is lost and counted.
   * Returns the fate decided at entry (`"delivered"` may still turn into a loss when
   * `durationUs > 0` and the circuit is reconfigured meanwhile; `onLost` then runs).
   *
   * @example
   * ```ts
   * ocs.pass(1, 1.2, (egress) => console.log("out at", egress));
   * ```
   */
  pass(
    ingress: number,
    durationUs: number,
    deliver: (egress: number) => void,
    onLost?: (fate: Exclude<FrameFate, "delivered">) => void,
  ): FrameFate {
    this.#offered++;
    const e = this.isIngressPort(ingress) ? this.#egressOf[ingress]! : NONE;
    if (e === NONE) {
      this.#lostNoCircuit++;
      onLost?.("no-circuit");
      return "no-circuit";
    }
    if (this.clock.now < this.#liveAt[ingress]!) {
      this.#lostDark++;
      onLost?.("dark");
      return "dark";
    }
    if (durationUs <= 0) {
      this.#delivered++;
      deliver(e);
      return "delivered";
    }
    const epoch = this.#epoch[ingress]!;
    this.clock.at(this.clock.now + durationUs, () => {
      if (this.#epoch[ingress] !== epoch) {
        // The circuit was reconfigured while the frame was passing: cut by the switching.
        this.#lostDark++;
        onLost?.("dark");
        return;
      }
      this.#delivered++;
      deliver(e);
    });
    return "delivered";
  }
}

function fail(code: SwitchErrorCode, port: number, message: string): SwitchResult {
  return { ok: false, error: { code, port, message } };
}

function checkRange(r: readonly [number, number] | undefined, field: string): [number, number] {
  if (
    r === undefined ||
    !Number.isInteger(r[0]) ||
    !Number.isInteger(r[1]) ||
    r[0] < 1 ||
    r[1] < r[0] ||
    r[1] > 1 << 20
  ) {
    throw new OpticalLinkError("BAD_OPTION", `${field} must be an inclusive range of ports ≥ 1`, {
      field,
    });
  }
  return [r[0], r[1]];
}

/**
 * Throws the package error for a refused operation (for callers that treat refusal as misuse).
 *
 * @example
 * ```ts
 * unwrapSwitchResult(ocs.connect(1, 17)); // liveAt
 * ```
 */
export function unwrapSwitchResult(r: SwitchResult): number {
  if (!r.ok) {
    throw new OpticalLinkError(r.error.code, r.error.message, { field: `port ${r.error.port}` });
  }
  return r.liveAt;
}
