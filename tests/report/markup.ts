/**
 * A small well-formedness checker for the report's markup (no XML/HTML parser is in node_modules): every tag is
 * closed in order, attribute values are quoted, no bare `<` or `&` in text. With `html: true`, void elements
 * (meta, br, ...) need no closing tag and <style>/<script> bodies are raw text. Returns the problems found.
 */
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
const RAW = new Set(['style', 'script']);
const TAG = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+(?:="[^"<]*"|='[^'<]*')?)*)\s*(\/?)>/y;
const SPECIAL = /<!--[\s\S]*?-->|<!DOCTYPE[^>]*>/iy;
const ENTITY = /&(?:amp|lt|gt|quot|apos|#39|#\d+|#x[0-9a-fA-F]+);/y;

export function markupProblems(s: string, opts: { html?: boolean } = {}): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let i = 0;
  while (i < s.length && problems.length < 20) {
    const lt = s.indexOf('<', i);
    const amp = s.indexOf('&', i);
    const next = lt < 0 ? amp : amp < 0 ? lt : Math.min(lt, amp);
    if (next < 0) break;
    if (s[next] === '&') {
      ENTITY.lastIndex = next;
      if (!ENTITY.test(s)) problems.push(`bare & at ${next}: ${JSON.stringify(s.slice(next, next + 20))}`);
      i = next + 1;
      continue;
    }
    SPECIAL.lastIndex = next;
    const sp = SPECIAL.exec(s);
    if (sp) {
      i = next + sp[0].length;
      continue;
    }
    TAG.lastIndex = next;
    const m = TAG.exec(s);
    if (!m) {
      problems.push(`bare < or malformed tag at ${next}: ${JSON.stringify(s.slice(next, next + 40))}`);
      i = next + 1;
      continue;
    }
    const [whole, close, rawName, , selfClose] = m;
    const name = opts.html ? rawName!.toLowerCase() : rawName!;
    i = next + whole.length;
    if (close) {
      const top = stack.pop();
      if (top !== name) problems.push(`</${name}> at ${next} closes <${top ?? 'nothing'}>`);
      continue;
    }
    if (selfClose || (opts.html && VOID.has(name))) continue;
    if (opts.html && RAW.has(name)) {
      const end = s.toLowerCase().indexOf(`</${name}>`, i);
      if (end < 0) {
        problems.push(`<${name}> at ${next} never closed`);
        break;
      }
      i = end + name.length + 3;
      continue;
    }
    stack.push(name);
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(' > ')}`);
  return problems;
}
