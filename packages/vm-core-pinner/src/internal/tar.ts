// Minimal POSIX ustar / GNU tar reader: regular files only (directories and links skipped).
import { VmCorePinnerError } from "../errors";

export function readTar(data: Uint8Array, what: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const dec = new TextDecoder("utf-8");
  const str = (off: number, len: number) => {
    let end = off;
    while (end < off + len && data[end] !== 0) end++;
    return dec.decode(data.subarray(off, end));
  };
  let off = 0;
  let longName: string | null = null;
  while (off + 512 <= data.length) {
    const header = data.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const sizeField = str(off + 124, 12).trim();
    // Size is octal, or base-256 when the top bit of the first byte is set (GNU).
    let size: number;
    if ((header[124] as number) & 0x80) {
      size = 0;
      for (let k = 125; k < 136; k++) size = size * 256 + (header[k] as number);
    } else {
      if (!/^[0-7]*$/.test(sizeField)) {
        throw new VmCorePinnerError("TAR_INVALID", `${what}: bad size field in tar header`, {
          offset: off + 124,
          field: "size",
        });
      }
      size = sizeField === "" ? 0 : Number.parseInt(sizeField, 8);
    }
    // Header checksum: sum of all bytes with the checksum field taken as spaces.
    const chk = Number.parseInt(str(off + 148, 8).trim() || "0", 8);
    let sum = 0;
    for (let k = 0; k < 512; k++) sum += k >= 148 && k < 156 ? 32 : (header[k] as number);
    if (sum !== chk)
      throw new VmCorePinnerError("TAR_INVALID", `${what}: tar header checksum mismatch`, {
        offset: off + 148,
        field: "chksum",
      });
    const type = String.fromCharCode(header[156] as number);
    const magic = str(off + 257, 6);
    const prefix = magic.startsWith("ustar") ? str(off + 345, 155) : "";
    let name = longName ?? (prefix ? `${prefix}/${str(off, 100)}` : str(off, 100));
    longName = null;
    const bodyStart = off + 512;
    const bodyEnd = bodyStart + size;
    if (bodyEnd > data.length)
      throw new VmCorePinnerError("TAR_INVALID", `${what}: truncated tar member ${name}`, {
        offset: off,
      });
    const body = data.subarray(bodyStart, bodyEnd);
    if (type === "L") longName = str(bodyStart, size);
    else if (type === "0" || type === "\0" || type === "7") {
      if (name.startsWith("./")) name = name.slice(2);
      files.set(name, body);
    }
    off = bodyStart + Math.ceil(size / 512) * 512;
  }
  return files;
}
