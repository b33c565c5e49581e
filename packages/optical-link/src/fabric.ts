import { OpticalLinkError } from "./errors";
import type { OpticalCircuitSwitch, SwitchResult } from "./switch";

/** A device's duplex port on the switch: it transmits into `txPort` and receives from `rxPort`. */
export interface Transceiver {
  readonly name: string;
  /** Switch ingress its transmit fibre enters. */
  readonly txPort: number;
  /** Switch egress its receive fibre leaves from. */
  readonly rxPort: number;
}

/** Counters of one transceiver. */
export interface TransceiverStats {
  readonly sent: number;
  readonly received: number;
  /** Sent frames lost because the circuit was dark (switching) while they passed. */
  readonly lostDark: number;
  /** Sent frames lost because the transmit port had no cross-connect. */
  readonly lostNoCircuit: number;
  /** Frames that left the switch toward an egress nobody was attached to. */
  readonly lostUnattached: number;
}

/** One frame's journey, for observers and tests. */
export interface FrameEvent<F> {
  readonly frame: F;
  readonly from: string;
  /** Receiving transceiver, when delivered. */
  readonly to?: string;
  /** Switch ingress the frame entered. */
  readonly ingress: number;
  /** Switch egress it left from, when it passed. */
  readonly egress?: number;
  readonly fate: "delivered" | "dark" | "no-circuit" | "unattached";
  /** When it reached the switch (µs). */
  readonly atSwitch: number;
}

/** Options of {@link OpticalFabric}. */
export interface OpticalFabricOptions<F> {
  /** Propagation delay of each fibre between a device and the switch, µs (default 5 µs ≈ 1 km). */
  readonly fiberDelayUs?: number;
  /** Line rate in bit/s used for the serialization time of a frame (default 10 Gbit/s). */
  readonly bitrateBps?: number;
  /** Size of a frame on the wire in bytes (default: 0, frames pass instantly). */
  readonly frameBytes?: (frame: F) => number;
}

/**
 * Devices attached to an optical circuit switch by duplex fibres, exchanging frames of any type
 * `F` (e.g. TCP segments of `@dyninfra/tcp-state-transfer`) in virtual time. A frame travels the
 * sender's transmit fibre, crosses the switch along the live cross-connect of that ingress (or is
 * lost, counted, when there is none or it is dark), then the receiver's fibre.
 *
 * @example
 * ```ts
 * const fabric = new OpticalFabric<string>(ocs);
 * fabric.attach({ name: "neighbour", txPort: 1, rxPort: 17 }, (f) => console.log("N got", f));
 * fabric.attach({ name: "routerA", txPort: 2, rxPort: 18 }, (f) => console.log("A got", f));
 * fabric.connectDuplex("neighbour", "routerA");
 * ```
 */
export class OpticalFabric<F> {
  readonly ocs: OpticalCircuitSwitch;
  readonly fiberDelayUs: number;
  readonly bitrateBps: number;
  /** Called for every frame once its fate is known. */
  onFrame: ((event: FrameEvent<F>) => void) | undefined;
  readonly #frameBytes: ((frame: F) => number) | undefined;
  readonly #byName = new Map<string, Transceiver>();
  readonly #byRx = new Map<number, string>();
  readonly #byTx = new Map<number, string>();
  readonly #receivers = new Map<string, (frame: F, from: string) => void>();
  readonly #stats = new Map<
    string,
    {
      sent: number;
      received: number;
      lostDark: number;
      lostNoCircuit: number;
      lostUnattached: number;
    }
  >();

  constructor(ocs: OpticalCircuitSwitch, options: OpticalFabricOptions<F> = {}) {
    this.ocs = ocs;
    this.fiberDelayUs = options.fiberDelayUs ?? 5;
    this.bitrateBps = options.bitrateBps ?? 10e9;
    this.#frameBytes = options.frameBytes;
    if (!(this.fiberDelayUs >= 0) || !(this.bitrateBps > 0)) {
      throw new OpticalLinkError("BAD_OPTION", "fiberDelayUs must be ≥ 0 and bitrateBps > 0", {
        field: "fiberDelayUs",
      });
    }
  }

  /** Attaches a device; its ports must be an ingress and an egress not used by another device. */
  attach(t: Transceiver, receive: (frame: F, from: string) => void): void {
    if (this.#byName.has(t.name)) {
      throw new OpticalLinkError("DUPLICATE_DEVICE", `${t.name} is already attached`, {
        field: "name",
      });
    }
    if (!this.ocs.isIngressPort(t.txPort)) {
      throw new OpticalLinkError("BAD_PORT", `txPort ${t.txPort} is not an ingress port`, {
        field: "txPort",
      });
    }
    if (!this.ocs.isEgressPort(t.rxPort)) {
      throw new OpticalLinkError("BAD_PORT", `rxPort ${t.rxPort} is not an egress port`, {
        field: "rxPort",
      });
    }
    if (
      t.txPort === t.rxPort ||
      this.#byTx.has(t.txPort) ||
      this.#byRx.has(t.rxPort) ||
      this.#byTx.has(t.rxPort) ||
      this.#byRx.has(t.txPort)
    ) {
      throw new OpticalLinkError("PORT_TAKEN", `a port of ${t.name} is already cabled`, {
        field: "txPort",
      });
    }
    this.#byName.set(t.name, { ...t });
    this.#byTx.set(t.txPort, t.name);
    this.#byRx.set(t.rxPort, t.name);
    this.#receivers.set(t.name, receive);
    this.#stats.set(t.name, {
      sent: 0,
      received: 0,
      lostDark: 0,
      lostNoCircuit: 0,
      lostUnattached: 0,
    });
  }

  /** Replaces the receive handler of an attached device (e.g. after a TCP endpoint migrated). */
  setReceiver(name: string, receive: (frame: F, from: string) => void): void {
    this.#get(name);
    this.#receivers.set(name, receive);
  }

  /** The attached device called `name`. */
  transceiver(name: string): Transceiver {
    return this.#get(name);
  }

  /** Counters of a device. */
  stats(name: string): TransceiverStats {
    this.#get(name);
    return { ...this.#stats.get(name)! };
  }

  /**
   * Connects two devices with a bidirectional circuit: two pairs, `a.tx → b.rx` and `b.tx → a.rx`,
   * in one transaction.
   */
  connectDuplex(a: string, b: string): SwitchResult {
    const ta = this.#get(a);
    const tb = this.#get(b);
    return this.ocs.apply({
      connect: [
        { ingress: ta.txPort, egress: tb.rxPort },
        { ingress: tb.txPort, egress: ta.rxPort },
      ],
    });
  }

  /** Removes the two pairs of a bidirectional circuit between `a` and `b`. */
  disconnectDuplex(a: string, b: string): SwitchResult {
    const ta = this.#get(a);
    const tb = this.#get(b);
    this.#requireDuplex(ta, tb);
    return this.ocs.apply({ disconnect: [ta.txPort, tb.txPort] });
  }

  /**
   * Re-homes `fixed`'s circuit from device `from` to device `to` atomically (Router Grafting's
   * link move): `fixed.tx → from.rx` becomes `fixed.tx → to.rx` and `from.tx → fixed.rx` becomes
   * `to.tx → fixed.rx`, in one transaction; both new pairs are dark for the switching time.
   */
  moveDuplex(fixed: string, from: string, to: string): SwitchResult {
    const tf = this.#get(fixed);
    const ta = this.#get(from);
    const tb = this.#get(to);
    this.#requireDuplex(tf, ta);
    return this.ocs.apply({
      disconnect: [tf.txPort, ta.txPort],
      connect: [
        { ingress: tf.txPort, egress: tb.rxPort },
        { ingress: tb.txPort, egress: tf.rxPort },
      ],
    });
  }

  /** The device whose receive port light from `name` reaches now, if the circuit is live. */
  peerOf(name: string): string | undefined {
    const e = this.ocs.liveEgress(this.#get(name).txPort);
    return e === undefined ? undefined : this.#byRx.get(e);
  }

  /** Sends a frame from device `from`; its fate is counted and reported to `onFrame`. */
  send(from: string, frame: F): void {
    const t = this.#get(from);
    const st = this.#stats.get(from)!;
    st.sent++;
    const clock = this.ocs.clock;
    const bytes = this.#frameBytes === undefined ? 0 : this.#frameBytes(frame);
    const serializationUs = (bytes * 8 * 1e6) / this.bitrateBps;
    clock.at(clock.now + this.fiberDelayUs, () => {
      const atSwitch = clock.now;
      this.ocs.pass(
        t.txPort,
        serializationUs,
        (egress) => {
          const to = this.#byRx.get(egress);
          if (to === undefined) {
            st.lostUnattached++;
            this.onFrame?.({
              frame,
              from,
              ingress: t.txPort,
              egress,
              fate: "unattached",
              atSwitch,
            });
            return;
          }
          clock.at(clock.now + this.fiberDelayUs, () => {
            this.#stats.get(to)!.received++;
            this.onFrame?.({
              frame,
              from,
              to,
              ingress: t.txPort,
              egress,
              fate: "delivered",
              atSwitch,
            });
            this.#receivers.get(to)!(frame, from);
          });
        },
        (fate) => {
          if (fate === "dark") st.lostDark++;
          else st.lostNoCircuit++;
          this.onFrame?.({ frame, from, ingress: t.txPort, fate, atSwitch });
        },
      );
    });
  }

  #get(name: string): Transceiver {
    const t = this.#byName.get(name);
    if (t === undefined) {
      throw new OpticalLinkError("UNKNOWN_DEVICE", `no device called ${name}`, { field: "name" });
    }
    return t;
  }

  #requireDuplex(a: Transceiver, b: Transceiver): void {
    if (
      this.ocs.configuredEgress(a.txPort) !== b.rxPort ||
      this.ocs.configuredEgress(b.txPort) !== a.rxPort
    ) {
      throw new OpticalLinkError("NOT_CONNECTED", `${a.name} and ${b.name} are not connected`, {
        field: "name",
      });
    }
  }
}

/**
 * A point-to-point view of a duplex circuit between two devices of a fabric: the link Router
 * Grafting moves. `send` from either end; `regraft` re-homes the far end atomically.
 *
 * @example
 * ```ts
 * const link = new OpticalLink(fabric, "neighbour", "routerA");
 * link.send("neighbour", segment);
 * link.regraft("routerB"); // dark for the switching time, then neighbour ↔ routerB
 * ```
 */
export class OpticalLink<F> {
  #far: string;

  constructor(
    readonly fabric: OpticalFabric<F>,
    /** The end that stays (e.g. the customer's neighbour router). */
    readonly near: string,
    far: string,
  ) {
    this.#far = far;
  }

  /** The device currently at the far end. */
  get far(): string {
    return this.#far;
  }

  /** True when light passes both ways now. */
  get up(): boolean {
    return (
      this.fabric.peerOf(this.near) === this.#far && this.fabric.peerOf(this.#far) === this.near
    );
  }

  /** Creates the circuit. */
  connect(): SwitchResult {
    return this.fabric.connectDuplex(this.near, this.#far);
  }

  /** Sends a frame from one end of the link. */
  send(from: string, frame: F): void {
    if (from !== this.near && from !== this.#far) {
      throw new OpticalLinkError("NOT_AN_END", `${from} is not an end of this link`, {
        field: "from",
      });
    }
    this.fabric.send(from, frame);
  }

  /** Moves the far end to another device atomically. */
  regraft(to: string): SwitchResult {
    const r = this.fabric.moveDuplex(this.near, this.#far, to);
    if (r.ok) this.#far = to;
    return r;
  }
}
