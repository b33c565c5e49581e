import { Duplex } from "node:stream";

/**
 * Two connected in-memory duplex streams: bytes written to one are read from the other, in order.
 * Ending one ends the other's readable side; destroying one closes both. For tests and
 * simulations of a TCP connection without a network.
 *
 * @example
 * ```ts
 * import { memoryPipe } from "@dyninfra/bgp-speaker";
 * const [a, b] = memoryPipe();
 * b.on("data", (chunk) => console.log(chunk.length));
 * a.write(new Uint8Array([1, 2, 3]));
 * ```
 */
export function memoryPipe(): [Duplex, Duplex] {
  let left: Duplex;
  let right: Duplex;
  const make = (peer: () => Duplex) =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        const p = peer();
        if (!p.destroyed) p.push(chunk);
        cb();
      },
      final(cb) {
        const p = peer();
        if (!p.destroyed) p.push(null);
        cb();
      },
      destroy(err, cb) {
        const p = peer();
        if (!p.destroyed) p.destroy();
        cb(err);
      },
    });
  left = make(() => right);
  right = make(() => left);
  return [left, right];
}
