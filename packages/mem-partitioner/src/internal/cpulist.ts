/** Kernel list syntax (`0-3,8,10-11`) of a set of non-negative integers. */
export function formatList(values: Iterable<number>): string {
  const v = [...new Set(values)].sort((a, b) => a - b);
  const parts: string[] = [];
  let i = 0;
  while (i < v.length) {
    let j = i;
    while (j + 1 < v.length && v[j + 1] === v[j]! + 1) j++;
    parts.push(j === i ? `${v[i]}` : `${v[i]}-${v[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}
