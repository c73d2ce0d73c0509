/**
 * SHA-256 content hashes (lower-case hex) that key the browser store: the same file or text always
 * maps to the same progress and cached features, whatever it is called.
 */

/** SHA-256 of bytes or a Blob, as 64 lower-case hex characters. */
export async function hashBytes(
  data: Blob | ArrayBuffer | ArrayBufferView<ArrayBuffer>,
): Promise<string> {
  const bytes = data instanceof Blob ? await data.arrayBuffer() : data;
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** SHA-256 of a text's UTF-8 bytes, as 64 lower-case hex characters. */
export function hashText(text: string): Promise<string> {
  return hashBytes(new TextEncoder().encode(text));
}
