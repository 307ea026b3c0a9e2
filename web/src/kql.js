// KQL (Kibana Query Language) to Elasticsearch Query DSL, in the browser, as
// Kibana does it: so the UI works the same against flowdex and against any
// Elasticsearch/OpenSearch cluster. Syntax errors carry the offset where the
// parser stopped, for the query bar to point at.
//
// Grammar: or := and ("or" and)* ; and := not ("and" not)* ; not := "not" not | primary
// primary := "(" or ")" | FIELD ":" values | FIELD ("<"|"<="|">"|">=") VALUE | VALUE (free text)
// values := VALUE | "*" | "(" value_or ")" ; VALUE := "quoted" | unquoted with \-escapes and * wildcards

export class KqlSyntaxError extends Error {
  constructor(message, position) {
    super(message);
    this.position = position;
  }
}

const SPECIAL = new Set(['(', ')', ':', '<', '>', '"', '{', '}']);

function tokenize(text) {
  const tokens = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) { i++; continue; }
    const start = i;
    if (c === '(' || c === ')' || c === ':' || c === '{' || c === '}') {
      tokens.push({ type: c, start, end: i + 1 });
      i++;
      continue;
    }
    if (c === '<' || c === '>') {
      const op = text[i + 1] === '=' ? c + '=' : c;
      tokens.push({ type: 'range', op, start, end: i + op.length });
      i += op.length;
      continue;
    }
    if (c === '"') {
      let value = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i++];
      }
      if (i >= text.length) throw new KqlSyntaxError('unterminated quoted string', start);
      i++;
      tokens.push({ type: 'quoted', value, start, end: i });
      continue;
    }
    let value = '';
    let wildcard = false;
    while (i < text.length && !/\s/.test(text[i]) && !SPECIAL.has(text[i])) {
      if (text[i] === '\\' && i + 1 < text.length) {
        value += text[i + 1];
        i += 2;
        continue;
      }
      if (text[i] === '*') wildcard = true;
      value += text[i++];
    }
    const lower = value.toLowerCase();
    if (!wildcard && (lower === 'and' || lower === 'or' || lower === 'not') && i - start === value.length) {
      tokens.push({ type: lower, start, end: i });
    } else {
      tokens.push({ type: 'word', value, wildcard, start, end: i });
    }
  }
  return tokens;
}

class Parser {
  constructor(text) {
    this.text = text;
    this.tokens = tokenize(text);
    this.pos = 0;
  }
  peek() { return this.tokens[this.pos]; }
  at(type) { return this.peek() && this.peek().type === type; }
  next() { return this.tokens[this.pos++]; }
  offset() { return this.peek() ? this.peek().start : this.text.length; }
  expect(type, what) {
    if (!this.at(type)) throw new KqlSyntaxError(`expected ${what}`, this.offset());
    return this.next();
  }

  parse() {
    if (this.tokens.length === 0) return { match_all: {} };
    const q = this.or(null);
    if (this.pos < this.tokens.length) {
      const t = this.peek();
      throw new KqlSyntaxError(t.type === ')' ? 'unbalanced ")"' : `expected "and", "or" or the end, found "${this.text.slice(t.start, t.end)}"`, t.start);
    }
    return q;
  }

  // `field` is set inside "field:( ... )" value lists.
  or(field) {
    const parts = [this.and(field)];
    while (this.at('or')) { this.next(); parts.push(this.and(field)); }
    return parts.length === 1 ? parts[0] : { bool: { should: parts, minimum_should_match: 1 } };
  }
  and(field) {
    const parts = [this.not(field)];
    while (this.at('and')) { this.next(); parts.push(this.not(field)); }
    return parts.length === 1 ? parts[0] : { bool: { filter: parts } };
  }
  not(field) {
    if (this.at('not')) {
      this.next();
      return { bool: { must_not: [this.not(field)] } };
    }
    return this.primary(field);
  }
  primary(field) {
    if (this.at('(')) {
      const open = this.next();
      const q = this.or(field);
      if (!this.at(')')) throw new KqlSyntaxError('missing ")" for the "(" here', open.start);
      this.next();
      return q;
    }
    const t = this.peek();
    if (!t) throw new KqlSyntaxError('expected a field, a value or "("', this.text.length);
    if (field !== null) return this.value(field, this.valueToken());
    if (t.type !== 'word' && t.type !== 'quoted') {
      throw new KqlSyntaxError(`expected a field, a value or "(", found "${this.text.slice(t.start, t.end)}"`, t.start);
    }
    this.next();
    const after = this.peek();
    if (t.type === 'word' && after && after.type === ':') {
      this.next();
      if (this.at('(')) {
        const open = this.next();
        const q = this.or(t.value);
        if (!this.at(')')) throw new KqlSyntaxError('missing ")" for the "(" here', open.start);
        this.next();
        return q;
      }
      if (this.at('{')) throw new KqlSyntaxError('nested field queries ({...}) are not supported', this.offset());
      return this.value(t.value, this.valueToken());
    }
    if (t.type === 'word' && after && after.type === 'range') {
      const op = this.next().op;
      const v = this.valueToken();
      const key = { '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' }[op];
      return { range: { [t.value]: { [key]: v.value } } };
    }
    // Free text: every field, leniently (type mismatches are not errors).
    if (t.type === 'quoted') return { multi_match: { query: t.value, type: 'phrase', lenient: true } };
    if (t.wildcard) return { query_string: { query: escapeQueryString(t.value) } };
    return { multi_match: { query: t.value, type: 'best_fields', lenient: true } };
  }
  valueToken() {
    const t = this.peek();
    if (!t || (t.type !== 'word' && t.type !== 'quoted')) {
      throw new KqlSyntaxError('expected a value', t ? t.start : this.text.length);
    }
    return this.next();
  }
  value(field, t) {
    if (t.type === 'quoted') return { match_phrase: { [field]: t.value } };
    if (t.value === '*') return { exists: { field } };
    if (t.wildcard) return { wildcard: { [field]: { value: t.value } } };
    return { match: { [field]: t.value } };
  }
}

// Escapes query_string's special characters, keeping * wildcards.
function escapeQueryString(value) {
  return value.replace(/[+\-=&|><!(){}[\]^"~?:\\/ ]/g, (c) => '\\' + c);
}

// KQL text -> Query DSL (throws KqlSyntaxError).
export function kqlToDsl(text) {
  return new Parser(text || '').parse();
}

// The field names a query (KQL's DSL, or any Query DSL) tests.
export function dslFields(dsl, out = new Set()) {
  if (!dsl || typeof dsl !== 'object') return out;
  if (Array.isArray(dsl)) { for (const d of dsl) dslFields(d, out); return out; }
  for (const [key, value] of Object.entries(dsl)) {
    if (['match', 'match_phrase', 'wildcard', 'range', 'term', 'terms', 'prefix'].includes(key) && value && typeof value === 'object') {
      for (const f of Object.keys(value)) out.add(f);
    } else if (key === 'exists' && value && value.field) {
      out.add(value.field);
    } else {
      dslFields(value, out);
    }
  }
  return out;
}

// The field of `names` a user most likely meant by `name` (a misspelt or
// shortened name: "dest.port" -> "destination.port"), or null.
export function suggestField(name, names) {
  const parts = name.toLowerCase().split('.');
  const last = parts[parts.length - 1];
  const score = (n) => {
    const np = n.toLowerCase().split('.');
    const prefix = np[0].startsWith(parts[0]) || parts[0].startsWith(np[0]) ? 0 : 1;
    return prefix * 100 + editDistance(n.toLowerCase(), name.toLowerCase());
  };
  const sameLeaf = names.filter((n) => n.toLowerCase().split('.').pop() === last);
  const pool = sameLeaf.length ? sameLeaf : names;
  let best = null;
  let bestScore = Infinity;
  for (const n of pool) {
    const s = score(n);
    if (s < bestScore) { best = n; bestScore = s; }
  }
  if (!best) return null;
  return sameLeaf.length || editDistance(best.toLowerCase(), name.toLowerCase()) <= Math.max(2, name.length / 4) ? best : null;
}

function editDistance(a, b) {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

// Quotes a value for KQL when it holds anything but plain characters.
export function kqlValue(value) {
  const s = String(value);
  return /^[\w.@\-/]+$/.test(s) && !/^(and|or|not)$/i.test(s) ? s : '"' + s.replace(/["\\]/g, (c) => '\\' + c) + '"';
}

// What the cursor is in, for suggestions: {kind: 'field', prefix, start} or
// {kind: 'value', field, prefix, start}.
export function completionContext(text, cursor) {
  const before = text.slice(0, cursor);
  const m = before.match(/([\w.@]+)\s*:\s*\(?\s*("?)([^\s():"]*)$/);
  if (m) return { kind: 'value', field: m[1], prefix: m[3], start: cursor - m[3].length - m[2].length };
  const f = before.match(/([\w.@]*)$/);
  return { kind: 'field', prefix: f[1], start: cursor - f[1].length };
}
