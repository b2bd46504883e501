/**
 * `JSON.parse` silently keeps the last of two equal keys; a weight header with a repeated
 * tensor name is ambiguous (readers disagree on which wins), so the safetensors reader
 * rejects it. This scanner finds the first repeated key of any object in a JSON text.
 */

/** A repeated key and the nesting depth of its object (1 = top level). */
export interface DuplicateJsonKey {
  key: string;
  depth: number;
}

/**
 * Returns the first key that appears twice in the same object, or undefined. `text` must
 * already be valid JSON (parse it first). Iterative: no recursion however deep the nesting.
 *
 * @example findDuplicateJsonKey('{"a": 1, "b": {"c": 2}, "a": 3}') // { key: 'a', depth: 1 }
 */
export function findDuplicateJsonKey(text: string): DuplicateJsonKey | undefined {
  const stack: (Set<string> | null)[] = []; // a Set per open object, null per open array
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      let escaped = false;
      while (j < text.length && text.charCodeAt(j) !== 0x22) {
        if (text.charCodeAt(j) === 0x5c) {
          escaped = true;
          j++;
        }
        j++;
      }
      const top = stack[stack.length - 1];
      if (top && expectKey) {
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        if (top.has(key)) return { key, depth: stack.length };
        top.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b) {
      stack.push(null);
      expectKey = false;
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c) {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return undefined;
}
