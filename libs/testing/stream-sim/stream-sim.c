/*
 * stream-sim: a small C stand-in for `claude -p --input-format=stream-json
 * --output-format=stream-json --verbose [--include-partial-messages]`, restricted to what the
 * streaming benchmark needs: the `text` and `slow` scenarios of the Node simulator
 * (libs/testing/fake-claude), byte-for-byte the same line kinds, field names and key order, at a
 * fraction of the CPU per line. See README.md next to this file for what is and is not covered;
 * test/stream-sim.test.ts compares it with fake-claude.cjs line by line.
 *
 * Plain C99 + POSIX, no dependencies beyond libc. Single-threaded: a turn writes its lines and
 * sleeps between them in poll() on stdin, so control requests (interrupt, initialize) are
 * answered mid-turn like fake-claude does.
 */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008 with XSI (realpath) */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define VERSION "2.1.331"
#define DEFAULT_MODEL "claude-opus-5-5"
/* Longest stdin line accepted; longer ones end the process with an error (fake-claude has none). */
#define MAX_LINE_BYTES ((size_t)64 << 20)
/* JSON nesting accepted on stdin; deeper input is treated like a syntax error. */
#define MAX_DEPTH 10000
#define MAX_SLUG 200

/* ------------------------------------------------------------------------------------------ */
/* Growable byte buffer                                                                         */

typedef struct {
  char *p;
  size_t n, cap;
} Buf;

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("stream-sim: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static void b_reserve(Buf *b, size_t extra) {
  if (b->cap - b->n >= extra + 1) return;
  size_t cap = b->cap ? b->cap : 1024;
  while (cap - b->n < extra + 1) cap *= 2;
  char *p = realloc(b->p, cap);
  if (!p) die("out of memory");
  b->p = p;
  b->cap = cap;
}
static void b_put(Buf *b, const char *s, size_t n) {
  b_reserve(b, n);
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
}
static void b_s(Buf *b, const char *s) { b_put(b, s, strlen(s)); }
static void b_c(Buf *b, char c) {
  b_reserve(b, 1);
  b->p[b->n++] = c;
  b->p[b->n] = 0;
}
static void b_int(Buf *b, long long v) {
  char tmp[32];
  int n = snprintf(tmp, sizeof tmp, "%lld", v);
  b_put(b, tmp, (size_t)n);
}
static void b_reset(Buf *b) {
  b->n = 0;
  if (b->p) b->p[0] = 0;
}
static char *xstrndup(const char *s, size_t n) {
  char *p = malloc(n + 1);
  if (!p) die("out of memory");
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}
static char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }
#define BS(b, lit) b_put((b), (lit), sizeof(lit) - 1)

/* ------------------------------------------------------------------------------------------ */
/* UTF-8 helpers. Strings are kept as UTF-8; lone UTF-16 surrogates from `\udXXX` escapes are   */
/* kept as 3-byte sequences (WTF-8) so they can be written back as the same escapes.           */

/* Length of the sequence at p and its code point; invalid bytes count as one U+FFFD. */
static size_t u8_next(const unsigned char *p, const unsigned char *e, uint32_t *cp) {
  unsigned c = p[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (len == 0 || c > 0xF4 || (size_t)(e - p) < len) goto bad;
  uint32_t v = c & (0x7F >> len);
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xC0) != 0x80) goto bad;
    v = (v << 6) | (p[i] & 0x3F);
  }
  if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF))) goto bad;
  *cp = v;
  return len;
bad:
  *cp = 0xFFFD;
  return 1;
}

static void u8_put(Buf *b, uint32_t cp) {
  char t[4];
  if (cp < 0x80) {
    b_c(b, (char)cp);
  } else if (cp < 0x800) {
    t[0] = (char)(0xC0 | (cp >> 6));
    t[1] = (char)(0x80 | (cp & 0x3F));
    b_put(b, t, 2);
  } else if (cp < 0x10000) {
    t[0] = (char)(0xE0 | (cp >> 12));
    t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    t[2] = (char)(0x80 | (cp & 0x3F));
    b_put(b, t, 3);
  } else {
    t[0] = (char)(0xF0 | (cp >> 18));
    t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    t[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    t[3] = (char)(0x80 | (cp & 0x3F));
    b_put(b, t, 4);
  }
}

/* Length of a string in UTF-16 code units, as JavaScript's `.length` counts it. */
static size_t u16_len(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *e = p + n;
  size_t units = 0;
  while (p < e) {
    uint32_t cp;
    p += u8_next(p, e, &cp);
    units += cp >= 0x10000 ? 2 : 1;
  }
  return units;
}

/* Bytes of JavaScript whitespace (\s, also what String.prototype.trim removes) at p, else 0. */
static size_t js_space(const char *s, const char *e) {
  const unsigned char *p = (const unsigned char *)s;
  size_t left = (size_t)(e - s);
  if (left == 0) return 0;
  unsigned c = p[0];
  if (c == ' ' || (c >= 0x09 && c <= 0x0D)) return 1;
  if (c < 0xC2) return 0;
  if (c == 0xC2) return left >= 2 && p[1] == 0xA0 ? 2 : 0;
  if (left < 3) return 0;
  if (c == 0xE1) return p[1] == 0x9A && p[2] == 0x80 ? 3 : 0;
  if (c == 0xE2) {
    if (p[1] == 0x80 && ((p[2] >= 0x80 && p[2] <= 0x8A) || p[2] == 0xA8 || p[2] == 0xA9 ||
                         p[2] == 0xAF))
      return 3;
    return p[1] == 0x81 && p[2] == 0x9F ? 3 : 0;
  }
  if (c == 0xE3) return p[1] == 0x80 && p[2] == 0x80 ? 3 : 0;
  if (c == 0xEF) return p[1] == 0xBB && p[2] == 0xBF ? 3 : 0;
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* JSON output, as JSON.stringify writes it                                                    */

static const char HEX[] = "0123456789abcdef";

/* A string literal with JSON.stringify's escaping (lone surrogates become \udXXX). */
static void j_str(Buf *b, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *e = p + n;
  b_reserve(b, n + 2);
  b_c(b, '"');
  while (p < e) {
    const unsigned char *run = p;
    while (p < e && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') p++;
    if (p > run) b_put(b, (const char *)run, (size_t)(p - run));
    if (p >= e) break;
    unsigned c = *p;
    if (c < 0x80) {
      char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
      size_t len = 2;
      switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
          esc[1] = 'u';
          esc[2] = '0';
          esc[3] = '0';
          esc[4] = HEX[c >> 4];
          esc[5] = HEX[c & 15];
          len = 6;
      }
      b_put(b, esc, len);
      p++;
      continue;
    }
    if (c == 0xED && e - p >= 3 && p[1] >= 0xA0 && p[1] <= 0xBF && (p[2] & 0xC0) == 0x80) {
      unsigned v = 0xD000 | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
      char esc[6] = {'\\', 'u', HEX[v >> 12], HEX[(v >> 8) & 15], HEX[(v >> 4) & 15], HEX[v & 15]};
      b_put(b, esc, 6);
      p += 3;
      continue;
    }
    uint32_t cp;
    size_t len = u8_next(p, e, &cp);
    if (cp == 0xFFFD && len == 1) BS(b, "\xEF\xBF\xBD");
    else b_put(b, (const char *)p, len);
    p += len;
  }
  b_c(b, '"');
}
static void j_cstr(Buf *b, const char *s) { j_str(b, s, strlen(s)); }

/* Length in UTF-16 units of j_str's output (JSON.stringify(...).length). */
static size_t j_str_len16(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *e = p + n;
  size_t units = 2;
  while (p < e) {
    unsigned c = *p;
    if (c < 0x80) {
      if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t')
        units += 2;
      else units += c < 0x20 ? 6 : 1;
      p++;
      continue;
    }
    if (c == 0xED && e - p >= 3 && p[1] >= 0xA0 && p[1] <= 0xBF && (p[2] & 0xC0) == 0x80) {
      units += 6;
      p += 3;
      continue;
    }
    uint32_t cp;
    p += u8_next(p, e, &cp);
    units += cp >= 0x10000 ? 2 : 1;
  }
  return units;
}

/* A number the way JavaScript prints it: the shortest digits that read back to the same double. */
static void j_num(Buf *b, double v) {
  if (v != v || v > 1.7976931348623157e308 || v < -1.7976931348623157e308) {
    BS(b, "null");
    return;
  }
  if (v == 0) {
    b_c(b, '0');
    return;
  }
  char tmp[48];
  int prec;
  for (prec = 1; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
    if (strtod(tmp, NULL) == v) break;
  }
  const char *p = tmp;
  if (*p == '-') {
    b_c(b, '-');
    p++;
  }
  char digits[24];
  int k = 0;
  for (; *p && *p != 'e'; p++)
    if (*p >= '0' && *p <= '9') digits[k++] = *p;
  while (k > 1 && digits[k - 1] == '0') k--;
  int n = atoi(p + 1) + 1; /* the decimal point sits after n digits */
  if (k <= n && n <= 21) {
    b_put(b, digits, (size_t)k);
    for (int i = k; i < n; i++) b_c(b, '0');
  } else if (0 < n && n <= 21) {
    b_put(b, digits, (size_t)n);
    b_c(b, '.');
    b_put(b, digits + n, (size_t)(k - n));
  } else if (-6 < n && n <= 0) {
    BS(b, "0.");
    for (int i = 0; i < -n; i++) b_c(b, '0');
    b_put(b, digits, (size_t)k);
  } else {
    b_c(b, digits[0]);
    if (k > 1) {
      b_c(b, '.');
      b_put(b, digits + 1, (size_t)(k - 1));
    }
    b_c(b, 'e');
    b_c(b, n - 1 >= 0 ? '+' : '-');
    b_int(b, n - 1 >= 0 ? n - 1 : 1 - n);
  }
}

/* `,"key":` (no comma right after an opening brace or bracket). */
static void j_key(Buf *b, const char *key) {
  char last = b->n ? b->p[b->n - 1] : '{';
  if (last != '{' && last != '[') b_c(b, ',');
  b_c(b, '"');
  b_s(b, key);
  BS(b, "\":");
}
static void j_kstr(Buf *b, const char *key, const char *value) {
  j_key(b, key);
  j_cstr(b, value);
}
static void j_kint(Buf *b, const char *key, long long value) {
  j_key(b, key);
  b_int(b, value);
}
static void j_kraw(Buf *b, const char *key, const char *raw) {
  j_key(b, key);
  b_s(b, raw);
}

/* Math.round for the non-negative timings printed here. */
static long long js_round(double v) {
  double f = (double)(long long)v;
  if (f > v) f -= 1;
  return (long long)f + (v - f >= 0.5 ? 1 : 0);
}

/* ------------------------------------------------------------------------------------------ */
/* JSON input: a strict validator (JSON.parse's grammar) and lookups over the validated text     */

typedef struct {
  const char *s, *e; /* s == NULL: absent (JavaScript `undefined`) */
} Span;

static const char *j_ws(const char *p, const char *e) {
  while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
  return p;
}

static int is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static unsigned hex_val(char c) {
  return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

static const char *j_skip_string(const char *p, const char *e) {
  for (p++; p < e;) {
    unsigned char c = (unsigned char)*p;
    if (c == '"') return p + 1;
    if (c < 0x20) return NULL;
    if (c != '\\') {
      p++;
      continue;
    }
    if (++p >= e) return NULL;
    if (*p == 'u') {
      if (e - p < 5 || !is_hex(p[1]) || !is_hex(p[2]) || !is_hex(p[3]) || !is_hex(p[4]))
        return NULL;
      p += 5;
    } else if (strchr("\"\\/bfnrt", *p) && *p) {
      p++;
    } else {
      return NULL;
    }
  }
  return NULL;
}

static const char *j_skip_number(const char *p, const char *e) {
  if (p < e && *p == '-') p++;
  if (p >= e) return NULL;
  if (*p == '0') p++;
  else if (*p >= '1' && *p <= '9')
    while (p < e && *p >= '0' && *p <= '9') p++;
  else return NULL;
  if (p < e && *p == '.') {
    const char *d = ++p;
    while (p < e && *p >= '0' && *p <= '9') p++;
    if (p == d) return NULL;
  }
  if (p < e && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < e && (*p == '+' || *p == '-')) p++;
    const char *d = p;
    while (p < e && *p >= '0' && *p <= '9') p++;
    if (p == d) return NULL;
  }
  return p;
}

/* End of the value starting at p (no leading whitespace), or NULL if it is not valid JSON. */
static const char *j_skip(const char *p, const char *e, int depth) {
  if (p >= e) return NULL;
  switch (*p) {
    case '"': return j_skip_string(p, e);
    case 't': return e - p >= 4 && !memcmp(p, "true", 4) ? p + 4 : NULL;
    case 'f': return e - p >= 5 && !memcmp(p, "false", 5) ? p + 5 : NULL;
    case 'n': return e - p >= 4 && !memcmp(p, "null", 4) ? p + 4 : NULL;
    case '{':
    case '[': {
      if (depth >= MAX_DEPTH) return NULL;
      char close = *p == '{' ? '}' : ']';
      int object = *p == '{';
      p = j_ws(p + 1, e);
      if (p < e && *p == close) return p + 1;
      for (;;) {
        if (object) {
          if (p >= e || *p != '"' || !(p = j_skip_string(p, e))) return NULL;
          p = j_ws(p, e);
          if (p >= e || *p != ':') return NULL;
          p = j_ws(p + 1, e);
        }
        if (!(p = j_skip(p, e, depth + 1))) return NULL;
        p = j_ws(p, e);
        if (p >= e) return NULL;
        if (*p == close) return p + 1;
        if (*p != ',') return NULL;
        p = j_ws(p + 1, e);
      }
    }
    default: return j_skip_number(p, e);
  }
}

/* Whether s..e is exactly one JSON text (what JSON.parse accepts). */
static int j_valid(const char *s, const char *e, Span *out) {
  const char *p = j_ws(s, e);
  const char *end = j_skip(p, e, 0);
  if (!end || j_ws(end, e) != e) return 0;
  out->s = p;
  out->e = end;
  return 1;
}

/* Next member of an object or element of an array; *pp starts just after the opening bracket. */
static int j_next(const char **pp, const char *e, Span *key, Span *value) {
  const char *p = j_ws(*pp, e);
  if (*p == ',') p = j_ws(p + 1, e);
  if (*p == '}' || *p == ']') return 0;
  if (key) {
    key->s = p;
    key->e = j_skip_string(p, e);
    p = j_ws(j_ws(key->e, e) + 1, e);
  }
  value->s = p;
  value->e = j_skip(p, e, 0);
  *pp = value->e;
  return 1;
}

/* Appends the decoded text of a string literal (WTF-8 for lone surrogates). */
static void j_decode(Buf *b, Span v) {
  const char *p = v.s + 1, *e = v.e - 1;
  while (p < e) {
    const char *run = p;
    while (p < e && *p != '\\') p++;
    if (p > run) b_put(b, run, (size_t)(p - run));
    if (p >= e) break;
    p++;
    switch (*p) {
      case 'b': b_c(b, '\b'); p++; break;
      case 'f': b_c(b, '\f'); p++; break;
      case 'n': b_c(b, '\n'); p++; break;
      case 'r': b_c(b, '\r'); p++; break;
      case 't': b_c(b, '\t'); p++; break;
      case 'u': {
        uint32_t u = hex_val(p[1]) << 12 | hex_val(p[2]) << 8 | hex_val(p[3]) << 4 | hex_val(p[4]);
        p += 5;
        if (u >= 0xD800 && u <= 0xDBFF && e - p >= 6 && p[0] == '\\' && p[1] == 'u') {
          uint32_t lo = hex_val(p[2]) << 12 | hex_val(p[3]) << 8 | hex_val(p[4]) << 4 | hex_val(p[5]);
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
          }
        }
        u8_put(b, u);
        break;
      }
      default: b_c(b, *p++); /* " \ / */
    }
  }
}

static int j_is_string(Span v) { return v.s && *v.s == '"'; }
static int j_is_object(Span v) { return v.s && *v.s == '{'; }
static int j_is_array(Span v) { return v.s && *v.s == '['; }
static int j_is_null(Span v) { return v.s && *v.s == 'n'; }

/* Whether a string literal decodes to exactly `text`. */
static int j_str_eq(Span v, const char *text) {
  if (!j_is_string(v)) return 0;
  size_t n = strlen(text);
  if (!memchr(v.s, '\\', (size_t)(v.e - v.s)))
    return (size_t)(v.e - v.s - 2) == n && !memcmp(v.s + 1, text, n);
  Buf tmp = {0};
  j_decode(&tmp, v);
  int same = tmp.n == n && !memcmp(tmp.p, text, n);
  free(tmp.p);
  return same;
}

/* obj[key] (the last occurrence wins, as with JSON.parse); absent if obj is not an object. */
static Span j_get(Span obj, const char *key) {
  Span found = {NULL, NULL}, k, v;
  if (!j_is_object(obj)) return found;
  const char *p = obj.s + 1;
  while (j_next(&p, obj.e, &k, &v))
    if (j_str_eq(k, key)) found = v;
  return found;
}

/* JavaScript truthiness of a value. */
static int j_truthy(Span v) {
  if (!v.s) return 0;
  switch (*v.s) {
    case '"': return v.e - v.s > 2;
    case 'f':
    case 'n': return 0;
    case 't':
    case '{':
    case '[': return 1;
    default: return strtod(v.s, NULL) != 0;
  }
}

/* String(value) for the values JSON can hold (used where fake-claude interpolates input). */
static void js_string_of(Buf *b, Span v) {
  if (!v.s) {
    BS(b, "undefined");
    return;
  }
  switch (*v.s) {
    case '"': j_decode(b, v); return;
    case '{': BS(b, "[object Object]"); return;
    case '[': {
      const char *p = v.s + 1;
      Span el;
      int first = 1;
      while (j_next(&p, v.e, NULL, &el)) {
        if (!first) b_c(b, ',');
        first = 0;
        if (!j_is_null(el)) js_string_of(b, el);
      }
      return;
    }
    case 't':
    case 'f':
    case 'n': b_put(b, v.s, (size_t)(v.e - v.s)); return;
    default: j_num(b, strtod(v.s, NULL));
  }
}

/* Whether a key is an array index, which JavaScript objects list first, in numeric order. */
static int index_key(const char *s, size_t n, unsigned long *out) {
  if (n == 0 || n > 10 || (n > 1 && s[0] == '0')) return 0;
  unsigned long v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    v = v * 10 + (unsigned long)(s[i] - '0');
  }
  if (v > 4294967294UL) return 0;
  *out = v;
  return 1;
}

typedef struct {
  Buf key;
  Span value;
  int is_index;
  unsigned long index;
} Member;

/* JSON.stringify(JSON.parse(text)) for a validated value: how fake-claude re-prints input. */
static void j_canon(Buf *b, Span v) {
  switch (*v.s) {
    case '"': {
      Buf tmp = {0};
      j_decode(&tmp, v);
      j_str(b, tmp.p ? tmp.p : "", tmp.n);
      free(tmp.p);
      return;
    }
    case 't':
    case 'f':
    case 'n': b_put(b, v.s, (size_t)(v.e - v.s)); return;
    case '[': {
      const char *p = v.s + 1;
      Span el;
      b_c(b, '[');
      int first = 1;
      while (j_next(&p, v.e, NULL, &el)) {
        if (!first) b_c(b, ',');
        first = 0;
        j_canon(b, el);
      }
      b_c(b, ']');
      return;
    }
    case '{': {
      Member *m = NULL;
      size_t count = 0, cap = 0;
      const char *p = v.s + 1;
      Span k, val;
      while (j_next(&p, v.e, &k, &val)) {
        Buf key = {0};
        j_decode(&key, k);
        size_t i;
        for (i = 0; i < count; i++)
          if (m[i].key.n == key.n && !memcmp(m[i].key.p ? m[i].key.p : "", key.p ? key.p : "", key.n))
            break;
        if (i < count) { /* a repeated key keeps its first position and takes the last value */
          m[i].value = val;
          free(key.p);
          continue;
        }
        if (count == cap) {
          cap = cap ? cap * 2 : 8;
          m = realloc(m, cap * sizeof *m);
          if (!m) die("out of memory");
        }
        m[count].key = key;
        m[count].value = val;
        m[count].is_index = index_key(key.p ? key.p : "", key.n, &m[count].index);
        count++;
      }
      b_c(b, '{');
      int first = 1;
      /* array-index keys first in ascending order (selection; objects here are small) */
      unsigned long last = 0;
      int have_last = 0;
      for (;;) {
        size_t pick = count;
        for (size_t i = 0; i < count; i++)
          if (m[i].is_index && (!have_last || m[i].index > last) &&
              (pick == count || m[i].index < m[pick].index))
            pick = i;
        if (pick == count) break;
        if (!first) b_c(b, ',');
        first = 0;
        j_str(b, m[pick].key.p, m[pick].key.n);
        b_c(b, ':');
        j_canon(b, m[pick].value);
        last = m[pick].index;
        have_last = 1;
      }
      for (size_t i = 0; i < count; i++) {
        if (!m[i].is_index) {
          if (!first) b_c(b, ',');
          first = 0;
          j_str(b, m[i].key.p ? m[i].key.p : "", m[i].key.n);
          b_c(b, ':');
          j_canon(b, m[i].value);
        }
        free(m[i].key.p);
      }
      free(m);
      b_c(b, '}');
      return;
    }
    default: j_num(b, strtod(v.s, NULL));
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Static catalogues of `system/init` and the `initialize` answer (lib/init-data.cjs)           */

static const char TOOLS_JSON[] =
    "[\"Task\",\"Bash\",\"CronCreate\",\"CronDelete\",\"CronList\",\"Edit\",\"EnterWorktree\","
    "\"ExitWorktree\",\"ListAgents\",\"Monitor\",\"NotebookEdit\",\"Read\","
    "\"ReportFindings\",\"ScheduleWakeup\",\"SendMessage\",\"Skill\",\"TaskStop\","
    "\"ToolSearch\",\"WebFetch\",\"WebSearch\",\"Workflow\",\"Write\"]";
static const char SLASH_JSON[] =
    "[\"deep-research\",\"dataviz\",\"update-config\",\"verify\",\"debug\",\"code-review\","
    "\"simplify\",\"batch\",\"fewer-permission-prompts\",\"doctor\",\"loop\",\"claude-api\","
    "\"workflow-authoring\",\"run\",\"run-skill-generator\",\"plugin-authoring\","
    "\"agents\",\"auto-mode-setup\",\"autocompact\",\"clear\",\"color\",\"compact\",\"config\","
    "\"output-style\",\"context\",\"effort\",\"fast\",\"focus\",\"heapdump\",\"init\",\"mcp\","
    "\"model\",\"__remote-workflow\",\"workflow-launch-exec\",\"reload-plugins\","
    "\"reload-skills\",\"rename\",\"security-review\",\"usage\",\"insights\",\"recap\","
    "\"goal\",\"list-agents\",\"team-onboarding\"]";
static const char TERMINAL_SLASH_JSON[] =
    "[\"doctor\",\"color\",\"focus\",\"reload-plugins\"]";
static const char AGENTS_JSON[] =
    "[\"claude\",\"Explore\",\"general-purpose\",\"Plan\",\"statusline-setup\"]";
static const char SKILLS_JSON[] =
    "[\"deep-research\",\"dataviz\",\"update-config\",\"verify\",\"debug\",\"code-review\","
    "\"simplify\",\"batch\",\"fewer-permission-prompts\",\"doctor\",\"loop\",\"claude-api\","
    "\"workflow-authoring\",\"run\",\"run-skill-generator\",\"plugin-authoring\"]";
static const char PLUGINS_JSON[] =
    "[{\"name\":\"cc-plugin-agents-md\",\"path\":\"builtin\","
    "\"source\":\"cc-plugin-agents-md@builtin\"},{\"name\":\"cc-plugin-privacy\","
    "\"path\":\"builtin\",\"source\":\"cc-plugin-privacy@builtin\"},"
    "{\"name\":\"cc-plugin-plugin-authoring\",\"path\":\"builtin\","
    "\"source\":\"cc-plugin-plugin-authoring@builtin\"}]";
static const char CAPABILITIES_JSON[] =
    "[\"interrupt_receipt_v1\",\"interrupt_cancel_queued_v1\","
    "\"interrupt_send_now_v1\",\"interrupt_requeue_taken_v1\",\"msg_lifecycle_v1\","
    "\"request_marker_lists_v1\",\"ask_user_question_unanswered_v1\","
    "\"lifecycle_wakeup_source_v1\",\"sdk_mcp_tools_list_changed\","
    "\"sdk_mcp_manifests\",\"mcp_read_resource_v1\",\"mcp_tool_ui_meta_v1\","
    "\"ui_surface_v1\",\"mcp_call_result_not_for_model_v1\","
    "\"mcp_call_soft_error_result_v1\",\"mcp_call_check_permissions_v1\","
    "\"voice_call_talk_line_v1\",\"withdrawn_files_note_v2\",\"withdrawn_tools_v1\","
    "\"ui_pane_widget_v1\",\"reload_plugins_refuse_if_busy_v1\","
    "\"get_usage_detached_v1\",\"silent_resend_files_v1\"]";
static const char COMMANDS_JSON[] =
    "[{\"name\":\"deep-research\",\"description\":\"\",\"argumentHint\":\"\",\"builtin\":true},"
    "{\"name\":\"dataviz\",\"description\":\"\",\"argumentHint\":\"\",\"builtin\":true},"
    "{\"name\":\"update-config\",\"description\":\"\",\"argumentHint\":\"\",\"builtin\":true},"
    "{\"name\":\"verify\",\"description\":\"\",\"argumentHint\":\"\",\"builtin\":true},"
    "{\"name\":\"debug\",\"description\":\"\",\"argumentHint\":\"\",\"builtin\":true},"
    "{\"name\":\"code-review\",\"description\":\"\",\"argumentHint\":\"\",\"builtin\":true},"
    "{\"name\":\"simplify\",\"description\":\"\",\"argumentHint\":\"\",\"builtin\":true},"
    "{\"name\":\"batch\",\"description\":\"\",\"argumentHint\":\"\",\"builtin\":true},"
    "{\"name\":\"fewer-permission-prompts\",\"description\":\"\",\"argumentHint\":\"\","
    "\"builtin\":true},{\"name\":\"doctor\",\"description\":\"\",\"argumentHint\":\"\","
    "\"builtin\":true},{\"name\":\"loop\",\"description\":\"\",\"argumentHint\":\"\","
    "\"builtin\":true},{\"name\":\"claude-api\",\"description\":\"\",\"argumentHint\":\"\","
    "\"builtin\":true},{\"name\":\"workflow-authoring\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"run\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"run-skill-generator\","
    "\"description\":\"\",\"argumentHint\":\"\",\"builtin\":true},"
    "{\"name\":\"plugin-authoring\",\"description\":\"\",\"argumentHint\":\"\","
    "\"builtin\":true},{\"name\":\"agents\",\"description\":\"\",\"argumentHint\":\"\","
    "\"builtin\":true},{\"name\":\"auto-mode-setup\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"autocompact\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"clear\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"color\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"compact\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"config\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"output-style\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"context\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"effort\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"fast\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"focus\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"heapdump\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"init\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"mcp\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"model\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"__remote-workflow\","
    "\"description\":\"\",\"argumentHint\":\"\",\"builtin\":true},"
    "{\"name\":\"workflow-launch-exec\",\"description\":\"\",\"argumentHint\":\"\","
    "\"builtin\":true},{\"name\":\"reload-plugins\",\"description\":\"\",\"argumentHint\":\"\","
    "\"builtin\":true},{\"name\":\"reload-skills\",\"description\":\"\",\"argumentHint\":\"\","
    "\"builtin\":true},{\"name\":\"rename\",\"description\":\"\",\"argumentHint\":\"\","
    "\"builtin\":true},{\"name\":\"security-review\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"usage\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"insights\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"recap\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"goal\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"list-agents\",\"description\":\"\","
    "\"argumentHint\":\"\",\"builtin\":true},{\"name\":\"team-onboarding\","
    "\"description\":\"\",\"argumentHint\":\"\",\"builtin\":true}]";
static const char AGENT_OBJS_JSON[] =
    "[{\"name\":\"claude\",\"description\":\"\"},{\"name\":\"Explore\",\"description\":\"\"},"
    "{\"name\":\"general-purpose\",\"description\":\"\"},{\"name\":\"Plan\","
    "\"description\":\"\"},{\"name\":\"statusline-setup\",\"description\":\"\"}]";

static const char SUBAGENT_STATS_JSON[] =
    "{\"spawned\":0,\"requested\":{\"background\":0,\"foreground\":0,\"unset\":0},"
    "\"started_in_background\":0,\"max_depth\":0,\"spawned_by_subagents\":0,\"completed\":0,"
    "\"failed\":0,\"killed\":{\"parent\":0,\"user\":0,\"system\":0},"
    "\"refused\":{\"depth_limit\":0,\"concurrency_limit\":0,\"budget\":0},\"by_type\":{}}";
static const char USAGE_TAIL_JSON[] =
    "\"server_tool_use\":{\"web_search_requests\":0,\"web_fetch_requests\":0},"
    "\"service_tier\":\"standard\","
    "\"cache_creation\":{\"ephemeral_1h_input_tokens\":0,\"ephemeral_5m_input_tokens\":0},"
    "\"inference_geo\":\"\",\"iterations\":[],\"speed\":\"standard\",\"fallback_credit\":null";
static const char START_USAGE_JSON[] =
    "{\"input_tokens\":10,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,"
    "\"output_tokens\":1}";
static const char ABORTED_DELTA_JSON[] =
    "{\"type\":\"message_delta\",\"context_management\":null,\"delta\":{\"container\":null,"
    "\"stop_details\":null,\"stop_reason\":null,\"stop_sequence\":null},\"usage\":{"
    "\"output_tokens_details\":{\"thinking_tokens\":0},\"cache_creation_input_tokens\":0,"
    "\"cache_read_input_tokens\":0,\"input_tokens\":10,\"iterations\":[],\"output_tokens\":1,"
    "\"server_tool_use\":{\"web_search_requests\":0,\"web_fetch_requests\":0},"
    "\"fallback_credit\":null}}";

/* fake-claude's scenario names: known ones this simulator does not implement are refused. */
static const char *const FAKE_SCENARIOS[] = {
    "text",  "slow",     "thinking", "tool_use", "max_turns",         "api_error", "script",
    "long_line", "malformed", "crash", "hang", "hang_after_result", "flood", NULL};

/* ------------------------------------------------------------------------------------------ */
/* Process state                                                                               */

typedef struct Input {
  char *content;   /* JSON.stringify(message.content), NULL when absent */
  int content_is_string;
  char *prompt;    /* promptText(content) */
  size_t prompt_n;
  char *uuid;      /* the stdin line's non-empty `uuid`, else NULL */
  struct Input *next;
} Input;

struct Turn;

static struct {
  int partial, persist, stamp, sigterm_result;
  char *model, *permission_mode;
  char *cwd;          /* process.cwd() */
  char *project_dir;
  char *file;         /* the transcript */
  int dir_ready;
  char session_id[64];
  char *leaf;         /* last chained record uuid, NULL before the first */
  int turn_index, user_messages, result_index;
  long long tot_in, tot_out;
  double tot_api_ms;
  int ids_message, ids_request;
  int last_is_error;
  struct Turn *current;
  Input *queue_head, *queue_tail;
  int stdin_eof;
  int exit_after; /* exit code to use once the running turn ends, -1: none */
  int stdout_nonblock;
  const char *home; /* HOME as the environment has it, NULL if unset */
  double origin_real_ms; /* wall clock at process start (performance.timeOrigin) */
  struct timespec origin_mono;
} G;

static volatile sig_atomic_t g_turn_running, g_sigint, g_sigterm, g_sigterm_result;

/* ------------------------------------------------------------------------------------------ */
/* Clocks, ids                                                                                  */

/* performance.now(): ms since process start, monotonic. */
static double mono_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - G.origin_mono.tv_sec) * 1e3 +
         (double)(t.tv_nsec - G.origin_mono.tv_nsec) / 1e6;
}

/* The latency stamp: epoch ms with 0.1 µs digits (`performance.timeOrigin + performance.now()`). */
static void put_stamp(Buf *b) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  char tmp[48];
  long long ms = (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
  long frac = (long)((t.tv_nsec % 1000000) / 100);
  int n = snprintf(tmp, sizeof tmp, "%lld.%04ld", ms, frac);
  while (n > 0 && tmp[n - 1] == '0') n--;
  if (n > 0 && tmp[n - 1] == '.') n--;
  b_put(b, tmp, (size_t)n);
}

/* new Date().toISOString() */
static void put_iso_now(Buf *b) {
  struct timespec t;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &t);
  gmtime_r(&t.tv_sec, &tm);
  char tmp[40];
  int n = snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
                   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                   (long)(t.tv_nsec / 1000000));
  b_put(b, tmp, (size_t)n);
}

static unsigned char rnd_pool[4096];
static size_t rnd_left;
static int rnd_fd = -1;

/* Random v4 uuid from /dev/urandom (read in 4 kB batches). */
static void make_uuid(char out[37]) {
  if (rnd_left < 16) {
    if (rnd_fd < 0) rnd_fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    size_t got = 0;
    while (rnd_fd >= 0 && got < sizeof rnd_pool) {
      ssize_t r = read(rnd_fd, rnd_pool + got, sizeof rnd_pool - got);
      if (r <= 0) {
        if (r < 0 && errno == EINTR) continue;
        break;
      }
      got += (size_t)r;
    }
    if (got < sizeof rnd_pool) die("cannot read /dev/urandom");
    rnd_left = sizeof rnd_pool;
  }
  unsigned char *r = rnd_pool + (sizeof rnd_pool - rnd_left);
  rnd_left -= 16;
  r[6] = (unsigned char)((r[6] & 0x0F) | 0x40);
  r[8] = (unsigned char)((r[8] & 0x3F) | 0x80);
  int o = 0;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
    out[o++] = HEX[r[i] >> 4];
    out[o++] = HEX[r[i] & 15];
  }
  out[o] = 0;
}
static void put_uuid(Buf *b) {
  char id[37];
  make_uuid(id);
  b_c(b, '"');
  b_put(b, id, 36);
  b_c(b, '"');
}

static int is_uuid(const char *s) {
  if (strlen(s) != 36) return 0;
  for (int i = 0; i < 36; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return 0;
    } else if (!is_hex(s[i])) {
      return 0;
    }
  }
  return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* stdout: one write() per line, the stamp taken right before it (after any wait for room)     */

static void wait_writable(void) {
  struct pollfd p = {1, POLLOUT, 0};
  while (poll(&p, 1, -1) < 0 && errno == EINTR) {
  }
}

static void write_failed(void) {
  /* fake-claude exits quietly once its reader is gone (EPIPE) */
  if (errno == EPIPE) exit(0);
  die("write to stdout failed: %s", strerror(errno));
}

/* Writes the JSON object in b (no newline yet) as one line, stamped when FAKE_CLAUDE_STAMP=1. */
static void out_line(Buf *b) {
  size_t base = b->n - 1; /* the closing brace */
  for (;;) {
    b->n = base;
    if (G.stamp) {
      BS(b, ",\"fake_sent_at\":");
      put_stamp(b);
    }
    BS(b, "}\n");
    ssize_t w = write(1, b->p, b->n);
    if (w == (ssize_t)b->n) return;
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        wait_writable(); /* then stamp again: the wait is not the reader's latency */
        continue;
      }
      write_failed();
    }
    /* a partial write (lines longer than the pipe's free space): the rest follows */
    const char *p = b->p + w;
    size_t left = b->n - (size_t)w;
    while (left > 0) {
      ssize_t r = write(1, p, left);
      if (r < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          wait_writable();
          continue;
        }
        write_failed();
      }
      p += r;
      left -= (size_t)r;
    }
    return;
  }
}

static void say(int fd, const char *text) {
  size_t n = strlen(text);
  while (n > 0) {
    ssize_t w = write(fd, text, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (fd == 1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        wait_writable();
        continue;
      }
      return;
    }
    text += w;
    n -= (size_t)w;
  }
}
static void say_line(int fd, const char *text) {
  say(fd, text);
  say(fd, "\n");
}

/* ------------------------------------------------------------------------------------------ */
/* Paths and transcripts (lib/transcript.cjs)                                                   */

/* path.join's normalisation for the paths built here: no empty or `.` parts, `..` resolved. */
static char *normalize_path(const char *path) {
  size_t n = strlen(path);
  char *out = malloc(n + 2);
  size_t *starts = malloc((n + 1) * sizeof *starts); /* where each removable part begins */
  if (!out || !starts) die("out of memory");
  size_t depth = 0, o = 0;
  int absolute = path[0] == '/';
  if (absolute) out[o++] = '/';
  size_t base = o;
  for (const char *p = path; *p;) {
    while (*p == '/') p++;
    const char *s = p;
    while (*p && *p != '/') p++;
    size_t len = (size_t)(p - s);
    if (len == 0 || (len == 1 && s[0] == '.')) continue;
    int dotdot = len == 2 && s[0] == '.' && s[1] == '.';
    if (dotdot && depth > 0) {
      o = starts[--depth];
      continue;
    }
    if (dotdot && absolute) continue;
    size_t at = o;
    if (o > base) out[o++] = '/';
    memcpy(out + o, s, len);
    o += len;
    if (!dotdot) starts[depth++] = at;
  }
  if (o == 0) out[o++] = '.';
  out[o] = 0;
  free(starts);
  return out;
}

static char *join3(const char *a, const char *b, const char *c) {
  Buf t = {0};
  b_s(&t, a);
  if (b) {
    b_c(&t, '/');
    b_s(&t, b);
  }
  if (c) {
    b_c(&t, '/');
    b_s(&t, c);
  }
  char *out = normalize_path(t.p);
  free(t.p);
  return out;
}

static const char *env_nonempty(const char *name) {
  const char *v = getenv(name);
  return v && *v ? v : NULL;
}

/* ${CLAUDE_CONFIG_DIR:-$HOME/.claude} */
static char *config_dir(void) {
  const char *dir = env_nonempty("CLAUDE_CONFIG_DIR");
  if (dir) return join3(dir, NULL, NULL);
  const char *home = env_nonempty("HOME");
  if (!home) {
    struct passwd *pw = getpwuid(getuid());
    home = pw && pw->pw_dir ? pw->pw_dir : "/";
  }
  return join3(home, ".claude", NULL);
}

/* The SDKs' 32-bit base36 hash over UTF-16 units, for slugs longer than 200 characters. */
static void short_hash(Buf *b, const char *s) {
  const unsigned char *p = (const unsigned char *)s, *e = p + strlen(s);
  int32_t h = 0;
  while (p < e) {
    uint32_t cp;
    p += u8_next(p, e, &cp);
    uint32_t units[2] = {cp, 0};
    int count = 1;
    if (cp >= 0x10000) {
      units[0] = 0xD800 + ((cp - 0x10000) >> 10);
      units[1] = 0xDC00 + ((cp - 0x10000) & 0x3FF);
      count = 2;
    }
    for (int i = 0; i < count; i++) h = (int32_t)((uint32_t)h * 31u + units[i]);
  }
  unsigned long long v = h < 0 ? (unsigned long long)(-(long long)h) : (unsigned long long)h;
  char tmp[16];
  int n = 0;
  do {
    tmp[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
    v /= 36;
  } while (v);
  while (n > 0) b_c(b, tmp[--n]);
}

/* Every character but ASCII letters and digits becomes `-` (one per UTF-16 unit, as in JS). */
static char *project_slug(const char *cwd) {
  char *real = realpath(cwd, NULL);
  const char *src = real ? real : cwd;
  Buf slug = {0};
  const unsigned char *p = (const unsigned char *)src, *e = p + strlen(src);
  while (p < e) {
    uint32_t cp;
    size_t len = u8_next(p, e, &cp);
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'))
      b_c(&slug, (char)cp);
    else b_s(&slug, cp >= 0x10000 ? "--" : "-");
    p += len;
  }
  if (slug.n > MAX_SLUG) {
    slug.n = MAX_SLUG;
    b_c(&slug, '-');
    short_hash(&slug, src);
  }
  free(real);
  return slug.p ? slug.p : xstrdup("");
}

static char *project_dir(void) {
  char *conf = config_dir();
  const char *pinned = env_nonempty("CLAUDE_CONFIG_DIR") ? env_nonempty("CLAUDE_CODE_PROJECT_DIR_NAME") : NULL;
  char *slug = pinned ? xstrdup(pinned) : project_slug(G.cwd);
  char *dir = join3(conf, "projects", slug);
  free(conf);
  free(slug);
  return dir;
}

static void mkdir_p(const char *dir) {
  char *path = xstrdup(dir);
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(path, 0777) < 0 && errno != EEXIST) die("mkdir %s: %s", path, strerror(errno));
    *p = '/';
  }
  if (mkdir(path, 0777) < 0 && errno != EEXIST) die("mkdir %s: %s", path, strerror(errno));
  free(path);
}

/* appendFileSync(file, JSON.stringify(record) + '\n', { mode: 0o600 }) */
static void tr_append(Buf *rec) {
  if (!G.file) return;
  if (!G.dir_ready) {
    char *dir = xstrdup(G.file);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
      *slash = 0;
      mkdir_p(dir);
    }
    free(dir);
    G.dir_ready = 1;
  }
  b_c(rec, '\n');
  int fd = open(G.file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) die("open %s: %s", G.file, strerror(errno));
  const char *p = rec->p;
  size_t left = rec->n;
  while (left > 0) {
    ssize_t w = write(fd, p, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      die("write %s: %s", G.file, strerror(errno));
    }
    p += w;
    left -= (size_t)w;
  }
  close(fd);
}

static void set_leaf(const char *uuid, size_t n) {
  free(G.leaf);
  G.leaf = xstrndup(uuid, n);
}

static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Turns (lib/turn.cjs, model-message.cjs, abort.cjs, messages.cjs, result.cjs, records.cjs)    */

enum { OK = 0, ABORT = 1 };
enum { R_SUCCESS, R_ABORTED, R_ERROR };

typedef struct Turn {
  Input *in;
  char prompt_id[37];
  double delay_ms, latency_ms;
  Buf reply;                 /* the answer text */
  int aborted, finished, closing;
  int tagged_start, tagged_assistant;
  double started_at, request_at, first_content_at, api_ms; /* ms; -1: not yet */
  int num_turns;
  long long in_tok, out_tok;
  int begun[4], begun_n;
  int stop_end_turn;
  /* the model message being streamed, for interrupts (Turn.open) */
  int open, msg, req;
  long long m_out;
  int o_index, o_received, o_in_block;
  Buf o_text;
  double deadline; /* when the previous line was due (absolute pacing) */
} Turn;

static Buf L; /* the turn's next line */
static Buf C; /* control responses and lifecycle lines, written at once */
static Buf R; /* transcript records */

static int interrupt_turn(void) {
  Turn *t = G.current;
  if (t && !t->finished && !t->closing) t->aborted = 1;
  return t != NULL;
}

/* Signals arrive asynchronously; they act here, between lines, like fake-claude's handlers. */
static void check_signals(void) {
  if (g_sigint) {
    g_sigint = 0;
    interrupt_turn();
    if (G.exit_after < 0) G.exit_after = 0;
  }
  if (g_sigterm) {
    g_sigterm = 0;
    interrupt_turn();
    G.exit_after = 143;
  }
}

static void read_stdin(void);

/* Sleeps until `deadline` (ms since start) while answering stdin; ABORT once interrupted. */
static int wait_until(Turn *t, double deadline) {
  for (;;) {
    check_signals();
    if (t->aborted) return ABORT;
    double now = mono_ms();
    if (now >= deadline) return OK;
    double left = deadline - now;
    if (!G.stdin_eof) {
      int ms = left > 1e9 ? 1000000000 : (int)left;
      if (ms < left) ms++;
      struct pollfd p = {0, POLLIN, 0};
      if (poll(&p, 1, ms) > 0) read_stdin();
    } else {
      double at = deadline;
      struct timespec ts = G.origin_mono;
      long long whole = (long long)at;
      ts.tv_sec += (time_t)(whole / 1000);
      ts.tv_nsec += (long)((whole % 1000) * 1000000 + (long long)((at - (double)whole) * 1e6));
      while (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
      }
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    }
  }
}

/* One paced line: every line of a `slow` turn is due `delay_ms` after the previous one. */
static int emit(Turn *t, Buf *line) {
  check_signals();
  if (t->aborted) return ABORT;
  if (t->delay_ms > 0) {
    double now = mono_ms();
    t->deadline += t->delay_ms;
    if (t->deadline < now) t->deadline = now; /* running late: no burst to catch up */
    if (wait_until(t, t->deadline) == ABORT) return ABORT;
  }
  out_line(line);
  return OK;
}

static void put_id(Buf *b, const char *prefix, int n) {
  char tmp[32];
  int len = snprintf(tmp, sizeof tmp, "\"%s%04d\"", prefix, n);
  b_put(b, tmp, (size_t)len);
}

static void tag_all(Buf *b, Turn *t) {
  if (!t->in->uuid) return;
  BS(b, ",\"user_message_uuids\":[");
  j_cstr(b, t->in->uuid);
  b_c(b, ']');
}
static void tag_once(Buf *b, Turn *t, int *done, int owed_rows) {
  if (!t->in->uuid || *done) return;
  *done = 1;
  j_kstr(b, "user_message_uuid", t->in->uuid);
  BS(b, ",\"user_message_uuids\":[");
  j_cstr(b, t->in->uuid);
  b_c(b, ']');
  if (owed_rows) BS(b, ",\"owed_rows\":[]");
}

static void build_lifecycle(Buf *b, const char *command_uuid, const char *state) {
  b_reset(b);
  BS(b, "{\"type\":\"command_lifecycle\"");
  j_kstr(b, "command_uuid", command_uuid);
  j_kstr(b, "state", state);
  j_key(b, "uuid");
  put_uuid(b);
  j_kstr(b, "session_id", G.session_id);
  b_c(b, '}');
}

static void build_init(Buf *b, Turn *t) {
  b_reset(b);
  BS(b, "{\"type\":\"system\",\"subtype\":\"init\"");
  j_kstr(b, "cwd", G.cwd);
  j_kstr(b, "session_id", G.session_id);
  j_kraw(b, "tools", TOOLS_JSON);
  j_kraw(b, "mcp_servers", "[]");
  j_kstr(b, "model", G.model);
  j_kstr(b, "permissionMode", G.permission_mode);
  j_kraw(b, "slash_commands", SLASH_JSON);
  j_kraw(b, "terminal_slash_commands", TERMINAL_SLASH_JSON);
  j_kstr(b, "apiKeySource", env_nonempty("ANTHROPIC_API_KEY") ? "ANTHROPIC_API_KEY" : "none");
  j_kstr(b, "claude_code_version", VERSION);
  j_kstr(b, "output_style", "default");
  j_kraw(b, "agents", AGENTS_JSON);
  j_kraw(b, "skills", SKILLS_JSON);
  j_kraw(b, "plugins", PLUGINS_JSON);
  j_kraw(b, "capabilities", CAPABILITIES_JSON);
  int no_traffic = env_nonempty("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC") != NULL;
  j_kraw(b, "analytics_disabled",
         env_nonempty("DISABLE_TELEMETRY") || no_traffic ? "true" : "false");
  j_kraw(b, "product_feedback_disabled", no_traffic ? "true" : "false");
  j_kraw(b, "served_by_anthropic", env_nonempty("ANTHROPIC_BASE_URL") ? "false" : "true");
  j_key(b, "uuid");
  put_uuid(b);
  j_kraw(b, "sandbox_enabled", "false");
  BS(b, ",\"memory_paths\":{\"auto\":");
  Buf mem = {0};
  b_s(&mem, G.project_dir);
  BS(&mem, "/memory/");
  j_str(b, mem.p, mem.n);
  free(mem.p);
  b_c(b, '}');
  j_kstr(b, "original_cwd", G.cwd);
  j_kraw(b, "additional_directories", "[]");
  j_key(b, "messaging_socket_path");
  char sock[64];
  snprintf(sock, sizeof sock, "/tmp/cc-socks/%ld.sock", (long)getpid());
  j_cstr(b, sock);
  j_kstr(b, "fast_mode_state", "off");
  j_kstr(b, "fast_mode_disabled_reason", "sdk_opt_in_required");
  j_kraw(b, "per_turn_effort_active", "true");
  j_kraw(b, "ultrathink_available", "false");
  j_kraw(b, "ultrathink_typed_raises", "false");
  j_kstr(b, "view_mode", "default");
  tag_all(b, t);
  b_c(b, '}');
}

static void build_status(Buf *b, Turn *t) {
  b_reset(b);
  BS(b, "{\"type\":\"system\",\"subtype\":\"status\",\"status\":\"requesting\"");
  j_kstr(b, "session_id", G.session_id);
  j_key(b, "uuid");
  put_uuid(b);
  tag_all(b, t);
  b_c(b, '}');
}

/* {"type":"stream_event","event": … then ev_end() for the common tail. */
static void ev_begin(Buf *b) {
  b_reset(b);
  BS(b, "{\"type\":\"stream_event\",\"event\":");
}
static void ev_end(Buf *b, Turn *t) {
  j_kstr(b, "session_id", G.session_id);
  j_kraw(b, "parent_tool_use_id", "null");
  j_key(b, "uuid");
  put_uuid(b);
  j_key(b, "api_message_id");
  put_id(b, "msg_fake_", t->msg);
}

/* The head every assistant message shares, after its "id" key: id, type, role, model. */
static void message_head(Buf *b, Turn *t) {
  put_id(b, "msg_fake_", t->msg);
  BS(b, ",\"type\":\"message\",\"role\":\"assistant\"");
  j_kstr(b, "model", G.model);
}

static void build_message_start(Buf *b, Turn *t, long long ttft_ms) {
  ev_begin(b);
  BS(b, "{\"type\":\"message_start\",\"message\":{\"id\":");
  message_head(b, t);
  BS(b, ",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":");
  b_s(b, START_USAGE_JSON);
  BS(b, "}}");
  j_kstr(b, "session_id", G.session_id);
  j_kraw(b, "parent_tool_use_id", "null");
  j_key(b, "uuid");
  put_uuid(b);
  j_kint(b, "ttft_ms", ttft_ms);
  j_kstr(b, "thinking_display", "updates");
  j_key(b, "api_message_id");
  put_id(b, "msg_fake_", t->msg);
  tag_once(b, t, &t->tagged_start, 1);
  b_c(b, '}');
}

static void build_simple_event(Buf *b, Turn *t, const char *event_json) {
  ev_begin(b);
  b_s(b, event_json);
  ev_end(b, t);
  b_c(b, '}');
}

static void build_block_event(Buf *b, Turn *t, const char *type, int index) {
  ev_begin(b);
  BS(b, "{\"type\":");
  j_cstr(b, type);
  j_kint(b, "index", index);
  if (!strcmp(type, "content_block_start"))
    BS(b, ",\"content_block\":{\"type\":\"text\",\"text\":\"\"}");
  b_c(b, '}');
  ev_end(b, t);
  b_c(b, '}');
}

static void build_text_delta(Buf *b, Turn *t, const char *text, size_t n) {
  ev_begin(b);
  BS(b, "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":");
  j_str(b, text, n);
  BS(b, "}}");
  ev_end(b, t);
  b_c(b, '}');
}

static void build_message_delta(Buf *b, Turn *t) {
  ev_begin(b);
  BS(b, "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
        "\"usage\":{\"output_tokens\":");
  b_int(b, t->m_out);
  BS(b, "}}");
  ev_end(b, t);
  b_c(b, '}');
}

static void text_block(Buf *b, const char *text, size_t n) {
  BS(b, "{\"type\":\"text\",\"text\":");
  j_str(b, text, n);
  b_c(b, '}');
}

/* The keys an assistant or user line carries after its message, in fake-claude's order. */
static void put_line_envelope(Buf *b) {
  j_kraw(b, "parent_tool_use_id", "null");
  j_kstr(b, "session_id", G.session_id);
  j_key(b, "uuid");
  put_uuid(b);
  j_key(b, "timestamp");
  b_c(b, '"');
  put_iso_now(b);
  b_c(b, '"');
}

static void build_assistant(Buf *b, Turn *t, const char *text, size_t n, int aborted) {
  b_reset(b);
  BS(b, "{\"type\":\"assistant\",\"message\":{\"id\":");
  message_head(b, t);
  BS(b, ",\"content\":[");
  text_block(b, text, n);
  BS(b, "],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":");
  b_s(b, START_USAGE_JSON);
  BS(b, ",\"context_management\":null}");
  put_line_envelope(b);
  j_key(b, "request_id");
  put_id(b, "req_fake_", t->req);
  if (aborted) BS(b, ",\"aborted\":true");
  else tag_once(b, t, &t->tagged_assistant, 0);
  b_c(b, '}');
}

static void build_interrupted(Buf *b) {
  b_reset(b);
  BS(b, "{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":[{\"type\":\"text\","
        "\"text\":\"[Request interrupted by user]\"}]}");
  put_line_envelope(b);
  b_c(b, '}');
}

static double cost_usd(long long in, long long out) {
  volatile double a = (double)in * 4e-6; /* two roundings, as in JavaScript (no fused multiply-add) */
  volatile double c = (double)out * 2e-5;
  return a + c;
}

static void model_usage(Buf *b, long long in, long long out) {
  if (in == 0 && out == 0) {
    BS(b, "{}");
    return;
  }
  b_c(b, '{');
  j_cstr(b, G.model);
  BS(b, ":{");
  j_kint(b, "inputTokens", in);
  j_kint(b, "outputTokens", out);
  BS(b, ",\"cacheReadInputTokens\":0,\"cacheCreationInputTokens\":0,\"webSearchRequests\":0");
  j_key(b, "costUSD");
  j_num(b, cost_usd(in, out));
  BS(b, ",\"contextWindow\":1000000,\"maxOutputTokens\":128000,\"thinkingTokens\":0,"
        "\"cacheCreationEphemeral5mInputTokens\":0,\"cacheCreationEphemeral1hInputTokens\":0");
  j_kstr(b, "canonicalModel", G.model);
  BS(b, ",\"provider\":\"firstParty\",\"costBasis\":\"list\"}}");
}

static void zero_usage(Buf *b) {
  BS(b, "{\"output_tokens_details\":{\"thinking_tokens\":0},\"input_tokens\":0,"
        "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":0,");
  b_s(b, USAGE_TAIL_JSON);
  b_c(b, '}');
}

static void turn_usage(Buf *b, long long in, long long out) {
  BS(b, "{\"input_tokens\":");
  b_int(b, in);
  BS(b, ",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":");
  b_int(b, out);
  BS(b, ",\"output_tokens_details\":{\"thinking_tokens\":0},");
  b_s(b, USAGE_TAIL_JSON);
  b_c(b, '}');
}

static long long since_start(Turn *t, double at) {
  return js_round((at < 0 ? t->started_at : at) - t->started_at);
}

/* The turn's `result` line: success, interrupt (aborted_streaming) or an error result. */
static void build_result(Buf *b, Turn *t, int kind, const char *error) {
  b_reset(b);
  b_c(b, '{');
  j_kint(b, "duration_api_ms", js_round(t->api_ms));
  j_kraw(b, "stop_reason", t->stop_end_turn ? "\"end_turn\"" : "null");
  j_kstr(b, "session_id", G.session_id);
  j_key(b, "total_cost_usd");
  j_num(b, cost_usd(G.tot_in, G.tot_out));
  j_key(b, "usage");
  if (kind == R_SUCCESS) turn_usage(b, t->in_tok, t->out_tok);
  else zero_usage(b);
  j_key(b, "modelUsage");
  model_usage(b, G.tot_in, G.tot_out);
  j_kraw(b, "permission_denials", "[]");
  j_kstr(b, "terminal_reason", kind == R_ABORTED ? "aborted_streaming" : "completed");
  j_kstr(b, "fast_mode_state", "off");
  j_kstr(b, "fast_mode_disabled_reason", "sdk_opt_in_required");
  j_kraw(b, "subagent_stats", SUBAGENT_STATS_JSON);
  j_kint(b, "safety_stops", 0);
  j_kraw(b, "is_error", kind == R_SUCCESS ? "false" : "true");
  j_kint(b, "num_turns", t->num_turns);
  if (kind == R_SUCCESS) {
    j_kstr(b, "subtype", "success");
    j_kraw(b, "api_error_status", "null");
    j_key(b, "result");
    j_str(b, t->reply.p ? t->reply.p : "", t->reply.n);
    j_kint(b, "ttft_ms", since_start(t, t->first_content_at));
  } else {
    j_kstr(b, "subtype", "error_during_execution");
    BS(b, ",\"errors\":[");
    j_cstr(b, error);
    b_c(b, ']');
  }
  j_kstr(b, "type", "result");
  j_kint(b, "duration_ms", js_round(mono_ms() - t->started_at));
  j_key(b, "uuid");
  put_uuid(b);
  if (G.partial) {
    BS(b, ",\"begun_message_ids\":[");
    for (int i = 0; i < t->begun_n; i++) {
      if (i) b_c(b, ',');
      put_id(b, "msg_fake_", t->begun[i]);
    }
    b_c(b, ']');
  }
  if (kind == R_SUCCESS) {
    j_kint(b, "ttft_stream_ms", since_start(t, t->first_content_at));
    j_kint(b, "time_to_request_ms", since_start(t, t->request_at));
    j_kint(b, "first_content_frame_ms", since_start(t, t->first_content_at));
    if (t->in->uuid) {
      j_kstr(b, "user_message_uuid", t->in->uuid);
      BS(b, ",\"user_message_uuids\":[");
      j_cstr(b, t->in->uuid);
      b_c(b, ']');
      double at = t->request_at < 0 ? t->started_at : t->request_at;
      j_kint(b, "request_sent_wall_ms", js_round(G.origin_real_ms + at));
      BS(b, ",\"first_request_input_tokens\":10,\"first_request_cache_read_input_tokens\":0");
    }
  }
  j_kint(b, "queued_turn_count", 0);
  j_kint(b, "result_index", G.result_index++);
  j_key(b, "model_usage_since_last_result");
  model_usage(b, t->in_tok, t->out_tok);
  b_c(b, '}');
}

/* printed before any turn, e.g. for an unknown --resume id */
static void build_startup_error(Buf *b, const char *session_id, const char *error) {
  b_reset(b);
  BS(b, "{\"type\":\"result\",\"subtype\":\"error_during_execution\",\"duration_ms\":0,"
        "\"duration_api_ms\":0,\"is_error\":true,\"num_turns\":0,\"stop_reason\":null");
  j_kstr(b, "session_id", session_id);
  BS(b, ",\"total_cost_usd\":0,\"usage\":");
  zero_usage(b);
  BS(b, ",\"modelUsage\":{},\"permission_denials\":[]");
  j_key(b, "uuid");
  put_uuid(b);
  BS(b, ",\"errors\":[");
  j_cstr(b, error);
  BS(b, "],\"result_index\":0}");
}

/* --- transcript records --- */

static void rec_envelope(Buf *b) {
  j_kstr(b, "userType", "external");
  j_kstr(b, "entrypoint", "sdk-cli");
  j_kstr(b, "cwd", G.cwd);
  j_kstr(b, "sessionId", G.session_id);
  j_kstr(b, "version", VERSION);
  j_kstr(b, "gitBranch", "HEAD");
}
static void rec_parent(Buf *b) {
  BS(b, "{\"parentUuid\":");
  if (G.leaf) j_cstr(b, G.leaf);
  else BS(b, "null");
  BS(b, ",\"isSidechain\":false");
}
static void rec_id_time(Buf *b, char id[37]) {
  make_uuid(id);
  j_key(b, "uuid");
  b_c(b, '"');
  b_put(b, id, 36);
  b_c(b, '"');
  j_key(b, "timestamp");
  b_c(b, '"');
  put_iso_now(b);
  b_c(b, '"');
}
/* Appends a chained record (its uuid becomes the leaf). */
static void rec_chain(Buf *b, const char id[37]) {
  tr_append(b);
  set_leaf(id, 36);
}

static void rec_queue(Turn *t, const char *operation) {
  Buf *b = &R;
  b_reset(b);
  BS(b, "{\"type\":\"queue-operation\"");
  j_kstr(b, "operation", operation);
  j_key(b, "timestamp");
  b_c(b, '"');
  put_iso_now(b);
  b_c(b, '"');
  j_kstr(b, "sessionId", G.session_id);
  if (!strcmp(operation, "enqueue") && t->in->content_is_string) j_kraw(b, "content", t->in->content);
  b_c(b, '}');
  tr_append(b);
}

static void rec_prompt(Turn *t) {
  Buf *b = &R;
  char id[37];
  b_reset(b);
  rec_parent(b);
  j_kstr(b, "promptId", t->prompt_id);
  j_kstr(b, "type", "user");
  BS(b, ",\"message\":{\"role\":\"user\"");
  if (t->in->content) j_kraw(b, "content", t->in->content);
  b_c(b, '}');
  rec_id_time(b, id);
  j_kstr(b, "permissionMode", G.permission_mode);
  BS(b, ",\"promptSource\":\"sdk\",\"rowSource\":\"local\",\"turnOrigin\":\"sdk\","
        "\"turnPosition\":{\"promptIndex\":0,\"turnIndex\":");
  b_int(b, G.turn_index);
  b_c(b, '}');
  rec_envelope(b);
  b_c(b, '}');
  rec_chain(b, id);
}

static void rec_padding(size_t bytes) {
  Buf *b = &R;
  char id[37];
  b_reset(b);
  rec_parent(b);
  BS(b, ",\"attachment\":{\"type\":\"fake_padding\",\"content\":");
  Buf pad = {0};
  static const char LOREM[] = "lorem ipsum ";
  while (pad.n < bytes) b_put(&pad, LOREM, 12);
  j_str(b, pad.p ? pad.p : "", bytes);
  free(pad.p);
  BS(b, "},\"type\":\"attachment\"");
  rec_id_time(b, id);
  rec_envelope(b);
  b_c(b, '}');
  rec_chain(b, id);
}

static void rec_assistant(Turn *t, const char *text, size_t n, int index) {
  Buf *b = &R;
  char id[37];
  b_reset(b);
  rec_parent(b);
  BS(b, ",\"message\":{\"id\":");
  message_head(b, t);
  BS(b, ",\"content\":[");
  text_block(b, text, n);
  BS(b, "],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":10,"
        "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":");
  b_int(b, t->m_out);
  BS(b, "},\"stop_details\":null}");
  j_kint(b, "apiBlockIndex", index);
  j_key(b, "requestId");
  put_id(b, "req_fake_", t->req);
  j_kstr(b, "requestedModel", G.model);
  j_kstr(b, "type", "assistant");
  rec_id_time(b, id);
  j_kstr(b, "madeBy", "model");
  rec_envelope(b);
  b_c(b, '}');
  rec_chain(b, id);
}

static void rec_interrupted(Turn *t) {
  Buf *b = &R;
  char id[37];
  b_reset(b);
  rec_parent(b);
  j_kstr(b, "promptId", t->prompt_id);
  BS(b, ",\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":[{\"type\":\"text\","
        "\"text\":\"[Request interrupted by user]\"}]}");
  rec_id_time(b, id);
  rec_envelope(b);
  b_c(b, '}');
  rec_chain(b, id);
}

static void rec_last_prompt(Turn *t) {
  Buf *b = &R;
  b_reset(b);
  BS(b, "{\"type\":\"last-prompt\",\"lastPrompt\":");
  j_str(b, t->in->prompt, t->in->prompt_n);
  j_key(b, "leafUuid");
  if (G.leaf) j_cstr(b, G.leaf);
  else BS(b, "null");
  j_kstr(b, "sessionId", G.session_id);
  b_c(b, '}');
  tr_append(b);
}

static void rec_cost_state(void) {
  Buf *b = &R;
  b_reset(b);
  BS(b, "{\"type\":\"cost-state\"");
  j_kstr(b, "sessionId", G.session_id);
  j_key(b, "totalCostUSD");
  j_num(b, cost_usd(G.tot_in, G.tot_out));
  j_kint(b, "totalAPIDuration", js_round(G.tot_api_ms));
  j_kint(b, "totalDuration", js_round(mono_ms()));
  BS(b, ",\"modelUsage\":{},\"hasUnknownModelCost\":false}");
  tr_append(b);
}

/* --- one turn --- */

static int request(Turn *t) {
  t->num_turns++;
  if (G.partial) {
    build_status(&L, t);
    if (emit(t, &L)) return ABORT;
  }
  if (t->request_at < 0) t->request_at = mono_ms();
  if (t->latency_ms > 0) {
    double until = mono_ms() + t->latency_ms;
    if (wait_until(t, until)) return ABORT;
    t->deadline = mono_ms();
  }
  return OK;
}

/* splitWords: /\s*\S+\s*\/g pieces, or the whole text when it has no non-space character. */
static size_t next_word(const char *s, const char *e) {
  const char *p = s;
  size_t k;
  while ((k = js_space(p, e))) p += k;
  if (p >= e) return 0;
  while (p < e && !js_space(p, e)) p++;
  while ((k = js_space(p, e))) p += k;
  return (size_t)(p - s);
}

/* One model message with one text block, streamed as the real CLI prints it. */
static int stream_message(Turn *t) {
  const char *text = t->reply.p ? t->reply.p : "";
  size_t n = t->reply.n;
  t->msg = ++G.ids_message;
  t->req = ++G.ids_request;
  size_t chars = 23 + j_str_len16(text, n); /* JSON.stringify({type:'text',text}).length */
  t->m_out = (long long)((chars + 3) / 4);
  double started = mono_ms();
  t->open = 1;
  t->o_index = 0;
  t->o_received = 0;
  t->o_in_block = 0;
  b_reset(&t->o_text);
  if (G.partial) {
    t->begun[t->begun_n++] = t->msg;
    build_message_start(&L, t, js_round(started - t->started_at));
    if (emit(t, &L)) return ABORT;
  }
  t->o_in_block = 1;
  if (G.partial) {
    build_block_event(&L, t, "content_block_start", 0);
    if (emit(t, &L)) return ABORT;
    const char *p = text, *e = text + n;
    size_t len = next_word(p, e);
    if (len == 0) len = n; /* no word: the whole text is one delta */
    do {
      build_text_delta(&L, t, p, len);
      if (emit(t, &L)) return ABORT;
      b_put(&t->o_text, p, len);
      t->o_received = 1;
      p += len;
    } while (p < e && (len = next_word(p, e)) > 0);
  } else {
    b_put(&t->o_text, text, n);
    t->o_received = 1;
  }
  if (t->first_content_at < 0) t->first_content_at = mono_ms();
  build_assistant(&L, t, text, n, 0);
  if (emit(t, &L)) return ABORT;
  b_reset(&t->o_text);
  rec_assistant(t, text, n, 0);
  if (G.partial) {
    build_block_event(&L, t, "content_block_stop", 0);
    if (emit(t, &L)) return ABORT;
  }
  t->o_in_block = 0;
  t->o_index = 1;
  if (G.partial) {
    build_message_delta(&L, t);
    if (emit(t, &L)) return ABORT;
    build_simple_event(&L, t, "{\"type\":\"message_stop\"}");
    if (emit(t, &L)) return ABORT;
  }
  t->open = 0;
  t->in_tok += 10;
  t->out_tok += t->m_out;
  t->api_ms += mono_ms() - started;
  t->stop_end_turn = 1;
  return OK;
}

static void finish(Turn *t, int kind, const char *error) {
  G.tot_in += t->in_tok;
  G.tot_out += t->out_tok;
  G.tot_api_ms += t->api_ms;
  G.last_is_error = kind != R_SUCCESS;
  t->finished = 1;
  rec_last_prompt(t);
  build_result(&L, t, kind, error);
  emit(t, &L);
}

/* After an interrupt: the text received so far, the interrupted user line, the abandoned
 * message's closing events (partial mode), then the aborted result (abort.cjs). */
static void finish_aborted(Turn *t) {
  t->aborted = 0;
  t->closing = 1;
  t->delay_ms = 0;
  t->stop_end_turn = 0;
  t->num_turns += 1;
  if (t->open && t->o_text.n > 0) {
    build_assistant(&L, t, t->o_text.p, t->o_text.n, 1);
    emit(t, &L);
    rec_assistant(t, t->o_text.p, t->o_text.n, t->o_index);
  }
  build_interrupted(&L);
  emit(t, &L);
  rec_interrupted(t);
  if (t->open) {
    t->in_tok += 10;
    t->out_tok += 1;
    if (G.partial) {
      if (t->o_in_block) {
        build_block_event(&L, t, "content_block_stop", t->o_index);
        emit(t, &L);
      }
      build_simple_event(&L, t, ABORTED_DELTA_JSON);
      emit(t, &L);
      build_simple_event(&L, t, "{\"type\":\"message_stop\"}");
      L.n--; /* reopen the object for abandoned_blocks */
      BS(&L, ",\"abandoned_blocks\":{\"api_message_id\":");
      put_id(&L, "msg_fake_", t->msg);
      j_kint(&L, "from_block_index", t->o_index + (t->o_received ? 1 : 0));
      BS(&L, "}}");
      emit(t, &L);
    }
    t->open = 0;
  }
  finish(t, R_ABORTED,
         "[ede_diagnostic] result_type=user last_content_type=n/a stop_reason=null");
}

/* --- [[fake:…]] directives (directives.cjs), resolved like fake-claude --- */

typedef struct {
  const char *s;
  size_t n;
  int set;
} Arg;

static const char *D_BASE;
static unsigned char *D_FAILED; /* memo: no match from this position */

static int name_char(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }

/* One `\s+ key = ("…" | [^\s\]]+)` group; alt 1 is the quoted value, alt 2 the bare one. */
static const char *dir_group(const char *p, const char *e, int alt) {
  const char *q = p;
  size_t k;
  while ((k = js_space(q, e))) q += k;
  if (q == p) return NULL;
  const char *key = q;
  while (q < e && name_char(*q)) q++;
  if (q == key || q >= e || *q != '=') return NULL;
  q++;
  if (alt == 1) {
    if (q >= e || *q != '"') return NULL;
    const char *close = memchr(q + 1, '"', (size_t)(e - q - 1));
    return close ? close + 1 : NULL;
  }
  const char *v = q;
  while (q < e && *q != ']' && !js_space(q, e)) q++;
  return q > v ? q : NULL;
}

/* `(group)* \s* ]]` with the regex's greedy backtracking; returns where the groups end. */
static const char *dir_groups(const char *p, const char *e, int depth) {
  size_t at = (size_t)(p - D_BASE);
  if (D_FAILED[at]) return NULL;
  if (depth < 4096) {
    for (int alt = 1; alt <= 2; alt++) {
      const char *q = dir_group(p, e, alt);
      const char *r = q ? dir_groups(q, e, depth + 1) : NULL;
      if (r) return r;
    }
  }
  const char *q = p;
  size_t k;
  while ((k = js_space(q, e))) q += k;
  if (e - q >= 2 && q[0] == ']' && q[1] == ']') return p;
  D_FAILED[at] = 1;
  return NULL;
}

/* The arguments inside the matched directive, scanned like `matchAll(ARG)`. */
static void dir_args(const char *p, const char *e, Arg *delay, Arg *latency, Arg *text) {
  while (p < e) {
    if (!name_char(*p)) {
      p++;
      continue;
    }
    const char *k = p, *q = p;
    while (q < e && name_char(*q)) q++;
    const char *vs = NULL, *ve = NULL, *next = NULL;
    if (q < e && *q == '=') {
      const char *v = q + 1;
      const char *close = v < e && *v == '"' ? memchr(v + 1, '"', (size_t)(e - v - 1)) : NULL;
      if (close) {
        vs = v + 1;
        ve = close;
        next = close + 1;
      } else {
        const char *w = v;
        while (w < e && *w != ']' && !js_space(w, e)) w++;
        if (w > v) {
          vs = v;
          ve = w;
          next = w;
        }
      }
    }
    if (!next) {
      p = k + 1;
      continue;
    }
    size_t klen = (size_t)(q - k);
    Arg *slot = NULL;
    if (klen == 8 && !memcmp(k, "delay_ms", 8)) slot = delay;
    else if (klen == 10 && !memcmp(k, "latency_ms", 10)) slot = latency;
    else if (klen == 4 && !memcmp(k, "text", 4)) slot = text;
    if (slot) {
      slot->s = vs;
      slot->n = (size_t)(ve - vs);
      slot->set = 1;
    }
    p = next;
  }
}

/* First `[[fake:name args]]` in the text; returns 1 and fills name/args when there is one. */
static int parse_directive(const char *text, size_t n, Buf *name, Arg *delay, Arg *latency,
                           Arg *textarg) {
  const char *e = text + n;
  int found = 0;
  for (const char *p = text; p + 7 <= e; p++) {
    if (*p != '[' || memcmp(p, "[[fake:", 7) != 0) continue;
    const char *ns = p + 7, *ne = ns;
    while (ne < e && name_char(*ne)) ne++;
    if (ne == ns) continue;
    if (!D_FAILED) {
      D_BASE = text;
      D_FAILED = calloc(n + 1, 1);
      if (!D_FAILED) die("out of memory");
    }
    const char *end = dir_groups(ne, e, 0);
    if (!end) continue;
    b_put(name, ns, (size_t)(ne - ns));
    dir_args(ne, end, delay, latency, textarg);
    found = 1;
    break;
  }
  free(D_FAILED);
  D_FAILED = NULL;
  return found;
}

/* Number(value) || 0 for the few numeric knobs. */
static double js_to_number(const char *s, size_t n) {
  const char *p = s, *e = s + n;
  size_t k;
  while ((k = js_space(p, e))) p += k;
  while (e > p) { /* trailing JS whitespace: step back over 1- or 3-byte sequences */
    if (js_space(e - 1, e)) e--;
    else if (e - p >= 2 && js_space(e - 2, e) == 2) e -= 2;
    else if (e - p >= 3 && js_space(e - 3, e) == 3) e -= 3;
    else break;
  }
  size_t len = (size_t)(e - p);
  if (len == 0) return 0;
  if (len > 400) return 0;
  char tmp[416];
  memcpy(tmp, p, len);
  tmp[len] = 0;
  if (!strcmp(tmp, "Infinity") || !strcmp(tmp, "+Infinity")) return 1e308 * 10;
  if (!strcmp(tmp, "-Infinity")) return -1e308 * 10;
  if (len > 2 && tmp[0] == '0' && strchr("xXoObB", tmp[1])) {
    int base = (tmp[1] | 0x20) == 'x' ? 16 : (tmp[1] | 0x20) == 'o' ? 8 : 2;
    double v = 0;
    for (size_t i = 2; i < len; i++) {
      int d = is_hex(tmp[i]) ? (int)hex_val(tmp[i]) : 99;
      if (d >= base) return 0;
      v = v * base + d;
    }
    return v;
  }
  const char *q = tmp;
  if (*q == '+' || *q == '-') q++;
  const char *digits = q;
  while (*q >= '0' && *q <= '9') q++;
  int whole = q > digits;
  if (*q == '.') {
    q++;
    const char *f = q;
    while (*q >= '0' && *q <= '9') q++;
    if (!whole && q == f) return 0;
  } else if (!whole) {
    return 0;
  }
  if (*q == 'e' || *q == 'E') {
    q++;
    if (*q == '+' || *q == '-') q++;
    const char *x = q;
    while (*q >= '0' && *q <= '9') q++;
    if (q == x) return 0;
  }
  if (*q) return 0;
  double v = strtod(tmp, NULL);
  return v != v ? 0 : v;
}

/* What setTimeout makes of a delay: below 1 ms or beyond 2^31-1 ms it waits 1 ms. */
static double timer_ms(double v) {
  if (!(v > 0)) return 0;
  return v >= 1 && v <= 2147483647.0 ? v : 1;
}

/* scenario default < environment variable < directive argument */
static double param_number(Arg *arg, const char *env_name, const char *fallback) {
  if (arg->set) return js_to_number(arg->s, arg->n);
  const char *env = getenv(env_name);
  const char *v = env ? env : fallback;
  return js_to_number(v, strlen(v));
}

enum { S_TEXT, S_UNKNOWN };

static void run_turn(Input *in) {
  Turn *t = calloc(1, sizeof *t);
  if (!t) die("out of memory");
  t->in = in;
  make_uuid(t->prompt_id);
  Buf name = {0}, error = {0};
  Arg delay = {0}, latency = {0}, text = {0};
  int has_directive = parse_directive(in->prompt, in->prompt_n, &name, &delay, &latency, &text);
  if (!has_directive) {
    const char *env = getenv("FAKE_CLAUDE_SCENARIO");
    b_s(&name, env ? env : "text");
  }
  const char *nm = name.p ? name.p : "";
  int kind = S_TEXT, slow = !strcmp(nm, "slow");
  if (strcmp(nm, "text") && !slow) {
    kind = S_UNKNOWN;
    int known = 0;
    for (int i = 0; FAKE_SCENARIOS[i]; i++) known |= !strcmp(FAKE_SCENARIOS[i], nm);
    if (known) BS(&error, "stream-sim: scenario \"");
    else BS(&error, "fake-claude: unknown scenario \"");
    b_s(&error, nm);
    if (known) BS(&error, "\" is not simulated (text and slow only; use fake-claude.cjs)");
    else b_c(&error, '"');
  }
  t->delay_ms = timer_ms(param_number(&delay, "FAKE_CLAUDE_DELAY_MS", slow ? "200" : "0"));
  t->latency_ms = timer_ms(param_number(&latency, "FAKE_CLAUDE_LATENCY_MS", "0"));
  if (text.set) {
    b_put(&t->reply, text.s, text.n);
  } else {
    const char *env = getenv("FAKE_CLAUDE_TEXT");
    if (env) b_s(&t->reply, env);
  }
  G.user_messages++;
  t->started_at = mono_ms();
  t->request_at = t->first_content_at = -1;
  t->deadline = t->started_at;
  G.current = t;
  g_turn_running = 1;
  if (in->uuid) {
    build_lifecycle(&C, in->uuid, "started");
    out_line(&C);
  }
  /* begin(): transcript records for the prompt, then init */
  G.turn_index++;
  if (t->reply.n == 0) {
    char tmp[96];
    snprintf(tmp, sizeof tmp, "Fake reply %d. Earlier user messages: %d.", G.turn_index,
             G.user_messages - 1);
    b_reset(&t->reply);
    b_s(&t->reply, tmp);
  }
  rec_queue(t, "enqueue");
  rec_queue(t, "dequeue");
  rec_prompt(t);
  const char *pad_env = getenv("FAKE_CLAUDE_TRANSCRIPT_PAD_BYTES");
  double pad = pad_env ? js_to_number(pad_env, strlen(pad_env)) : 0;
  if (pad > 0) rec_padding(pad > 1e9 ? (size_t)1e9 : (size_t)(pad + 0.999999));
  build_init(&L, t);
  int rc = emit(t, &L);
  if (rc == OK) rc = request(t);
  if (rc == OK) {
    if (kind == S_TEXT) {
      rc = stream_message(t);
      if (rc == OK) finish(t, R_SUCCESS, NULL);
    } else {
      finish(t, R_ERROR, error.p);
    }
  }
  if (rc == ABORT) finish_aborted(t);
  G.current = NULL;
  g_turn_running = 0;
  if (in->uuid) {
    build_lifecycle(&C, in->uuid, "completed");
    out_line(&C);
  }
  free(name.p);
  free(error.p);
  free(t->reply.p);
  free(t->o_text.p);
  free(t);
}

static void close_session(int code) {
  if (G.turn_index > 0) rec_cost_state();
  exit(code >= 0 ? code : G.last_is_error ? 1 : 0);
}

/* ------------------------------------------------------------------------------------------ */
/* stdin: NDJSON user messages and control requests (input.cjs, control.cjs)                    */

static Buf IN;
static size_t in_scanned;

static void fatal_input(Buf *message) {
  say_line(2, message->p);
  exit(1);
}

static void control_head(Buf *b, const char *subtype, Buf *request_id) {
  b_reset(b);
  BS(b, "{\"type\":\"control_response\",\"response\":{\"subtype\":");
  j_cstr(b, subtype);
  j_key(b, "request_id");
  j_str(b, request_id->p ? request_id->p : "", request_id->n);
}

static void control_success_empty(Buf *id, const char *response) {
  control_head(&C, "success", id);
  j_kraw(&C, "response", response);
  BS(&C, "}}");
  out_line(&C);
}

static void initialize_response(Buf *id) {
  Buf *b = &C;
  control_head(b, "success", id);
  BS(b, ",\"response\":{");
  j_kraw(b, "commands", COMMANDS_JSON);
  j_kraw(b, "agents", AGENT_OBJS_JSON);
  j_kstr(b, "output_style", "default");
  j_kraw(b, "available_output_styles",
         "[\"default\",\"Proactive\",\"Concise\",\"Explanatory\",\"Learning\"]");
  Buf dir = {0};
  b_s(&dir, G.home ? G.home : "");
  BS(&dir, "/.claude/output-styles");
  j_key(b, "user_output_styles_dir");
  j_str(b, dir.p, dir.n);
  free(dir.p);
  BS(b, ",\"models\":[{\"value\":\"default\"");
  j_kstr(b, "resolvedModel", G.model);
  BS(b, ",\"displayName\":\"Default (recommended)\",\"description\":\"\"}]");
  BS(b, ",\"account\":{\"tokenSource\":\"none\"");
  j_kstr(b, "apiKeySource", env_nonempty("ANTHROPIC_API_KEY") ? "ANTHROPIC_API_KEY" : "none");
  BS(b, ",\"apiProvider\":\"firstParty\"}");
  j_kint(b, "pid", (long long)getpid());
  j_kstr(b, "claude_code_version", VERSION);
  j_kstr(b, "current_permission_mode", G.permission_mode);
  BS(b, ",\"hook_on_failure_supported\":true,\"hooks_when_unanswered_kept\":0,"
        "\"other_hook_ask_outranks_host\":true,\"feedback_mode\":{\"kind\":\"bundle\"},"
        "\"analytics_disabled\":false,\"sandbox_enabled\":false,"
        "\"remote_control_auto_enable\":false,\"remote_control_auto_connect_default\":false,"
        "\"remote_control_available\":false,\"remote_control_auto_on_by_default\":false,"
        "\"ide_rc_auto_enable_gate\":false,\"fast_mode_state\":\"off\","
        "\"fast_mode_disabled_reason\":\"sdk_opt_in_required\"");
  j_kstr(b, "session_state", G.current ? "running" : "idle");
  j_kraw(b, "capabilities", CAPABILITIES_JSON);
  BS(b, "},\"pending_permission_requests\":[],\"pending_user_dialog_requests\":[]}}");
  out_line(b);
}

static void handle_control(Span root) {
  Span rid = j_get(root, "request_id");
  Buf id = {0};
  if (rid.s && !j_is_null(rid)) js_string_of(&id, rid);
  Span request = j_get(root, "request");
  Span subtype = j_get(request, "subtype");
  if (j_str_eq(subtype, "interrupt")) {
    control_success_empty(&id, "{\"still_queued\":[]}");
    interrupt_turn();
  } else if (j_str_eq(subtype, "initialize")) {
    initialize_response(&id);
  } else if (j_str_eq(subtype, "set_permission_mode") || j_str_eq(subtype, "set_model")) {
    int model = j_str_eq(subtype, "set_model");
    Span value = j_get(request, model ? "model" : "mode");
    if (value.s && !j_is_null(value)) {
      Buf v = {0};
      js_string_of(&v, value);
      char **slot = model ? &G.model : &G.permission_mode;
      free(*slot);
      *slot = v.p ? v.p : xstrdup("");
    }
    control_success_empty(&id, "{}");
  } else {
    Buf message = {0};
    BS(&message, "Unsupported control request subtype: ");
    js_string_of(&message, subtype);
    control_head(&C, "error", &id);
    j_key(&C, "error");
    j_str(&C, message.p, message.n);
    BS(&C, "}}");
    out_line(&C);
    free(message.p);
  }
  free(id.p);
}

/* promptText(content): a string, or the text blocks of an array joined by newlines. */
static void prompt_text(Buf *b, Span content) {
  if (j_is_string(content)) {
    j_decode(b, content);
    return;
  }
  if (!j_is_array(content)) return;
  const char *p = content.s + 1;
  Span el;
  int first = 1;
  while (j_next(&p, content.e, NULL, &el)) {
    if (!j_str_eq(j_get(el, "type"), "text")) continue;
    if (!first) b_c(b, '\n');
    first = 0;
    Span text = j_get(el, "text");
    if (text.s && !j_is_null(text)) js_string_of(b, text);
  }
}

static void on_line(const char *s, size_t n) {
  const char *p = s, *e = s + n;
  size_t k;
  while ((k = js_space(p, e))) p += k;
  if (p == e) return;
  Span root;
  if (!j_valid(s, e, &root)) {
    Buf m = {0};
    BS(&m, "Error parsing streaming input line (type=unknown, ");
    b_int(&m, (long long)u16_len(s, n));
    BS(&m, " chars): SyntaxError");
    fatal_input(&m);
  }
  Span type = j_get(root, "type");
  if (j_str_eq(type, "control_request")) {
    handle_control(root);
    return;
  }
  if (!j_str_eq(type, "user")) return; /* keep_alive, control_response, future types */
  Span message = j_get(root, "message");
  Span role = j_get(message, "role");
  if (!j_str_eq(role, "user")) {
    Buf m = {0};
    BS(&m, "Error: Expected message role 'user', got '");
    js_string_of(&m, role);
    b_c(&m, '\'');
    fatal_input(&m);
  }
  Input *in = calloc(1, sizeof *in);
  if (!in) die("out of memory");
  Span uuid = j_get(root, "uuid");
  if (j_is_string(uuid) && uuid.e - uuid.s > 2) {
    Buf u = {0};
    j_decode(&u, uuid);
    in->uuid = u.p;
  }
  Span content = j_get(message, "content");
  if (content.s) {
    Buf c = {0};
    j_canon(&c, content);
    in->content = c.p;
    in->content_is_string = j_is_string(content);
  }
  Buf prompt = {0};
  prompt_text(&prompt, content);
  in->prompt = prompt.p ? prompt.p : xstrdup("");
  in->prompt_n = prompt.n;
  if (in->uuid) {
    build_lifecycle(&C, in->uuid, "queued");
    out_line(&C);
  }
  if (G.queue_tail) G.queue_tail->next = in;
  else G.queue_head = in;
  G.queue_tail = in;
}

static void process_input(void) {
  size_t start = 0;
  for (;;) {
    char *nl = memchr(IN.p + in_scanned, '\n', IN.n - in_scanned);
    if (!nl) break;
    size_t end = (size_t)(nl - IN.p), len = end - start;
    if (len > 0 && IN.p[start + len - 1] == '\r') len--;
    on_line(IN.p + start, len);
    start = end + 1;
    in_scanned = start;
  }
  if (start > 0) {
    memmove(IN.p, IN.p + start, IN.n - start);
    IN.n -= start;
    IN.p[IN.n] = 0;
  }
  in_scanned = IN.n;
  if (IN.n > MAX_LINE_BYTES) {
    Buf m = {0};
    BS(&m, "stream-sim: stdin line longer than 64 MiB");
    fatal_input(&m);
  }
}

/* One read() of stdin (blocking unless poll() said it is readable), then its complete lines. */
static void read_stdin(void) {
  b_reserve(&IN, 65536);
  ssize_t r = read(0, IN.p + IN.n, IN.cap - IN.n - 1);
  if (r < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (r <= 0) {
    G.stdin_eof = 1;
    if (IN.n > 0) {
      size_t n = IN.n;
      IN.n = 0;
      in_scanned = 0;
      on_line(IN.p, n); /* a last line without newline */
    }
    return;
  }
  IN.n += (size_t)r;
  IN.p[IN.n] = 0;
  process_input();
}

/* ------------------------------------------------------------------------------------------ */
/* Session start (session.cjs): --resume, --session-id                                          */

/* Loads a transcript like loadSession(): user prompts counted, the last chained uuid. */
static int load_session(const char *file, int *prompts) {
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  Buf text = {0};
  for (;;) {
    b_reserve(&text, 65536);
    ssize_t r = read(fd, text.p + text.n, text.cap - text.n - 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    text.n += (size_t)r;
    text.p[text.n] = 0;
  }
  close(fd);
  *prompts = 0;
  const char *p = text.p ? text.p : "", *end = p + text.n;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end;
    Span root;
    if (*p == '{' && j_valid(p, e, &root)) {
      Span uuid = j_get(root, "uuid");
      if (j_is_string(uuid)) {
        Buf u = {0};
        j_decode(&u, uuid);
        free(G.leaf);
        G.leaf = u.p ? u.p : xstrdup("");
      }
      Span message = j_get(root, "message");
      if (j_str_eq(j_get(root, "type"), "user") && !j_truthy(j_get(root, "isMeta")) &&
          !j_truthy(j_get(root, "isCompactSummary")) && j_truthy(message)) {
        Span content = j_get(message, "content");
        int prompt = j_is_string(content);
        if (j_is_array(content)) {
          const char *q = content.s + 1;
          Span el;
          while (!prompt && j_next(&q, content.e, NULL, &el))
            prompt = j_str_eq(j_get(el, "type"), "text");
        }
        *prompts += prompt;
      }
    }
    p = e + 1;
  }
  free(text.p);
  return 1;
}

/* The cwd's project first, else the one other project holding the id. */
static char *find_session(const char *id) {
  Buf name = {0};
  b_s(&name, id);
  BS(&name, ".jsonl");
  char *own = join3(G.project_dir, name.p, NULL);
  if (file_exists(own)) {
    free(name.p);
    return own;
  }
  free(own);
  char *conf = config_dir();
  char *projects = join3(conf, "projects", NULL);
  free(conf);
  char *hit = NULL;
  int hits = 0;
  DIR *dir = opendir(projects);
  struct dirent *d;
  while (dir && (d = readdir(dir))) {
    if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..")) continue;
    char *file = join3(projects, d->d_name, name.p);
    if (file_exists(file)) {
      hits++;
      free(hit);
      hit = file;
    } else {
      free(file);
    }
  }
  if (dir) closedir(dir);
  free(projects);
  free(name.p);
  if (hits == 1) return hit;
  free(hit);
  return NULL;
}

static void startup_failure(const char *stderr_text, const char *session_id, const char *error) {
  say_line(2, stderr_text);
  build_startup_error(&C, session_id, error);
  out_line(&C);
  exit(1);
}

static void open_resume(const char *value) {
  const char *usage =
      "Error: --resume requires a valid session ID or session title when used with --print. "
      "Usage: claude -p --resume <session-id|title>";
  char fresh[37];
  make_uuid(fresh);
  if (!value || !*value) startup_failure(usage, fresh, usage);
  if (!is_uuid(value)) {
    Buf m = {0};
    b_s(&m, usage);
    BS(&m, ". Provided value \"");
    b_s(&m, value);
    BS(&m, "\" is not a UUID and does not match any session title.");
    startup_failure(m.p, fresh, m.p);
  }
  char *file = find_session(value);
  int prompts = 0;
  if (!file || !load_session(file, &prompts) || prompts == 0) {
    Buf m = {0};
    BS(&m, "No conversation found with session ID: ");
    b_s(&m, value);
    startup_failure(m.p, value, m.p);
  }
  G.user_messages = prompts;
  snprintf(G.session_id, sizeof G.session_id, "%s", value);
  G.file = G.persist ? file : NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Arguments (cli-args.cjs, config.cjs): the real CLI's option table, for arity only            */

enum {
  O_OTHER, O_PRINT, O_INFMT, O_OUTFMT, O_VERBOSE, O_PARTIAL, O_MODEL, O_RESUME, O_FORK,
  O_SESSION_ID, O_PERM, O_SKIP_PERM, O_NO_PERSIST, O_CONTINUE, O_VERSION, O_HELP, O_REPLAY
};
typedef struct {
  const char *name;
  char arity; /* b: flag, v: value, o: optional value, V: variadic */
  int key;
} Opt;
static const Opt OPTS[] = {
    {"--add-dir", 'V', 0}, {"--agent", 'v', 0}, {"--agents", 'v', 0},
    {"--allow-dangerously-skip-permissions", 'b', 0}, {"--allowedTools", 'V', 0},
    {"--allowed-tools", 'V', 0}, {"--append-system-prompt", 'v', 0},
    {"--append-system-prompt-file", 'v', 0}, {"--bare", 'b', 0}, {"--betas", 'V', 0},
    {"-c", 'b', O_CONTINUE}, {"--continue", 'b', O_CONTINUE},
    {"--dangerously-skip-permissions", 'b', O_SKIP_PERM}, {"-d", 'o', 0}, {"--debug", 'o', 0},
    {"--debug-file", 'v', 0}, {"--disable-slash-commands", 'b', 0},
    {"--disallowedTools", 'V', 0}, {"--disallowed-tools", 'V', 0}, {"--effort", 'v', 0},
    {"--exclude-dynamic-system-prompt-sections", 'b', 0}, {"--fallback-model", 'v', 0},
    {"--fork-session", 'b', O_FORK}, {"--forward-subagent-text", 'b', 0},
    {"-h", 'b', O_HELP}, {"--help", 'b', O_HELP}, {"--include-hook-events", 'b', 0},
    {"--include-partial-messages", 'b', O_PARTIAL}, {"--input-format", 'v', O_INFMT},
    {"--json-schema", 'v', 0}, {"--max-budget-usd", 'v', 0}, {"--max-thinking-tokens", 'v', 0},
    {"--max-turns", 'v', 0}, {"--mcp-config", 'V', 0}, {"--model", 'v', O_MODEL},
    {"-n", 'v', 0}, {"--name", 'v', 0}, {"--no-session-persistence", 'b', O_NO_PERSIST},
    {"--output-format", 'v', O_OUTFMT}, {"--permission-mode", 'v', O_PERM},
    {"--permission-prompt-tool", 'v', 0}, {"--permission-prompts", 'v', 0},
    {"-p", 'b', O_PRINT}, {"--print", 'b', O_PRINT}, {"--replay-user-messages", 'b', O_REPLAY},
    {"-r", 'o', O_RESUME}, {"--resume", 'o', O_RESUME}, {"--session-id", 'v', O_SESSION_ID},
    {"--setting-sources", 'v', 0}, {"--settings", 'v', 0}, {"--strict-mcp-config", 'b', 0},
    {"--system-prompt", 'v', 0}, {"--system-prompt-file", 'v', 0}, {"--tools", 'V', 0},
    {"--verbose", 'b', O_VERBOSE}, {"-v", 'b', O_VERSION}, {"--version", 'b', O_VERSION},
    {NULL, 0, 0}};

static const Opt *find_opt(const char *name, size_t n) {
  for (const Opt *o = OPTS; o->name; o++)
    if (strlen(o->name) == n && !memcmp(o->name, name, n)) return o;
  return NULL;
}

typedef struct {
  const char *value[32]; /* per key: the value given (NULL: none) */
  int seen[32];
} Args;

static void usage_error(const char *message) {
  say_line(2, message);
  exit(1);
}

static void parse_args(int argc, char **argv, Args *a) {
  static const Opt unknown = {"", 'b', O_OTHER};
  const Opt *variadic = NULL;
  char *pending = NULL; /* `-pv` → `-p` then `-v` */
  for (int i = 1; i < argc || pending;) {
    char *arg = pending ? pending : argv[i++];
    pending = NULL;
    if (!strcmp(arg, "--")) break;
    int option = strlen(arg) > 1 && arg[0] == '-';
    if (variadic && !option) continue;
    variadic = NULL;
    if (!option) continue; /* a prompt operand: unused with --input-format=stream-json */
    const Opt *o = find_opt(arg, strlen(arg));
    const char *inline_value = NULL;
    if (!o && arg[1] == '-' && strchr(arg, '=')) {
      const char *eq = strchr(arg, '=');
      o = find_opt(arg, (size_t)(eq - arg));
      if (o && o->arity != 'b') inline_value = eq + 1;
      else o = NULL;
    } else if (!o && arg[1] != '-') {
      o = find_opt(arg, 2);
      if (o && o->arity != 'b') {
        inline_value = arg + 2;
      } else if (o) {
        static char rest[2][4096]; /* alternate: `arg` may be the previous rest */
        static int which;
        which ^= 1;
        snprintf(rest[which], sizeof rest[which], "-%s", arg + 2);
        pending = rest[which];
      }
    }
    if (!o) o = &unknown; /* flags the simulator does not know are ignored */
    if (o->key == O_VERSION) {
      say_line(1, VERSION " (Claude Code)");
      exit(0);
    }
    const char *value = NULL;
    if (o->arity == 'b') {
      value = "";
    } else if (inline_value) {
      value = inline_value;
    } else if (o->arity == 'o') {
      if (i < argc && !(strlen(argv[i]) > 1 && argv[i][0] == '-')) value = argv[i++];
    } else {
      if (i >= argc) {
        Buf m = {0};
        BS(&m, "error: option '");
        b_s(&m, o->name);
        BS(&m, "' argument missing");
        usage_error(m.p);
      }
      value = argv[i++];
    }
    if (o->arity == 'V') variadic = o;
    a->seen[o->key] = 1;
    a->value[o->key] = value;
  }
}

static void on_signal(int sig) {
  if (sig == SIGINT) {
    if (!g_turn_running) _exit(130);
    g_sigint = 1;
  } else {
    if (!(g_sigterm_result && g_turn_running)) _exit(143);
    g_sigterm = 1;
  }
}

static void not_simulated(const char *what) {
  say(2, "stream-sim: ");
  say(2, what);
  say_line(2, " is not simulated (use libs/testing/fake-claude/fake-claude.cjs)");
  exit(2);
}

int main(int argc, char **argv) {
  clock_gettime(CLOCK_MONOTONIC, &G.origin_mono);
  struct timespec real;
  clock_gettime(CLOCK_REALTIME, &real);
  G.origin_real_ms = (double)real.tv_sec * 1e3 + (double)real.tv_nsec / 1e6;
  G.exit_after = -1;
  signal(SIGPIPE, SIG_IGN);

  Args a;
  memset(&a, 0, sizeof a);
  parse_args(argc, argv, &a);
  if (a.seen[O_HELP]) {
    say_line(1, "Usage: claude [options] [prompt]  (stream-sim: see libs/testing/stream-sim/README.md)");
    exit(0);
  }
  const char *infmt = a.value[O_INFMT] ? a.value[O_INFMT] : "text";
  const char *outfmt = a.value[O_OUTFMT] ? a.value[O_OUTFMT] : "text";
  const char *sid = a.value[O_SESSION_ID];
  int print = a.seen[O_PRINT] || !isatty(0);
  int stream_out = !strcmp(outfmt, "stream-json");
  if (sid && (a.seen[O_RESUME] || a.seen[O_CONTINUE]) && !a.seen[O_FORK])
    usage_error("Error: --session-id with --continue or --resume also needs --fork-session.");
  if (sid && !is_uuid(sid)) usage_error("Error: Invalid session ID. Must be a valid UUID.");
  if (!strcmp(infmt, "stream-json") && !stream_out)
    usage_error("Error: --input-format=stream-json requires output-format=stream-json.");
  if (print && stream_out && !a.seen[O_VERBOSE])
    usage_error("Error: When using --print, --output-format=stream-json requires --verbose");
  if (a.seen[O_PARTIAL] && !(print && stream_out))
    usage_error(
        "Error: --include-partial-messages requires --print and --output-format=stream-json.");

  const char *scenario = getenv("FAKE_CLAUDE_SCENARIO");
  if (scenario && *scenario) {
    int known = 0;
    Buf list = {0};
    for (int i = 0; FAKE_SCENARIOS[i]; i++) {
      known |= !strcmp(FAKE_SCENARIOS[i], scenario);
      if (i) BS(&list, ", ");
      b_s(&list, FAKE_SCENARIOS[i]);
    }
    if (!known) {
      say(2, "fake-claude: unknown FAKE_CLAUDE_SCENARIO \"");
      say(2, scenario);
      say(2, "\" (known: ");
      say(2, list.p);
      say_line(2, ")");
      exit(2);
    }
    if (strcmp(scenario, "text") && strcmp(scenario, "slow")) {
      Buf m = {0};
      BS(&m, "FAKE_CLAUDE_SCENARIO=");
      b_s(&m, scenario);
      not_simulated(m.p);
    }
  }
  if (!print) {
    say_line(2, "fake-claude: interactive mode is not simulated; pass -p or pipe stdin");
    exit(2);
  }
  if (strcmp(infmt, "stream-json")) not_simulated("--input-format=text (single prompt)");
  if (a.seen[O_FORK]) not_simulated("--fork-session");
  if (a.seen[O_CONTINUE]) not_simulated("--continue");
  if (a.seen[O_REPLAY]) not_simulated("--replay-user-messages");

  G.partial = a.seen[O_PARTIAL];
  G.persist = !a.seen[O_NO_PERSIST];
  G.stamp = getenv("FAKE_CLAUDE_STAMP") && !strcmp(getenv("FAKE_CLAUDE_STAMP"), "1");
  g_sigterm_result =
      getenv("FAKE_CLAUDE_SIGTERM_RESULT") && !strcmp(getenv("FAKE_CLAUDE_SIGTERM_RESULT"), "1");
  G.home = getenv("HOME");
  const char *model = a.value[O_MODEL] ? a.value[O_MODEL] : getenv("ANTHROPIC_MODEL");
  G.model = xstrdup(!model ? DEFAULT_MODEL
                    : !strcmp(model, "opus") || !strcmp(model, "default") ? DEFAULT_MODEL
                                                                           : model);
  const char *mode = a.value[O_PERM];
  G.permission_mode = xstrdup(!mode ? (a.seen[O_SKIP_PERM] ? "bypassPermissions" : "default")
                              : !strcmp(mode, "manual") ? "default"
                                                        : mode);
  G.cwd = getcwd(NULL, 0);
  if (!G.cwd) die("getcwd: %s", strerror(errno));
  G.project_dir = project_dir();

  if (a.seen[O_RESUME]) {
    open_resume(a.value[O_RESUME]);
  } else {
    if (sid) snprintf(G.session_id, sizeof G.session_id, "%s", sid);
    else make_uuid(G.session_id);
    Buf name = {0};
    b_s(&name, G.session_id);
    BS(&name, ".jsonl");
    char *file = join3(G.project_dir, name.p, NULL);
    free(name.p);
    if (sid && file_exists(file)) {
      say(2, "Error: Session ID ");
      say(2, sid);
      say_line(2, " is already in use.");
      exit(1);
    }
    G.file = G.persist ? file : NULL;
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  /* Like Node, write stdout without blocking, so a full pipe is waited for before stamping. */
  struct stat st;
  if (fstat(1, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
    int flags = fcntl(1, F_GETFL);
    if (flags >= 0 && fcntl(1, F_SETFL, flags | O_NONBLOCK) == 0) G.stdout_nonblock = 1;
  }

  /* One turn per user message, queued while a turn runs; exit after the last one on EOF. */
  for (;;) {
    if (G.queue_head) {
      Input *in = G.queue_head;
      G.queue_head = in->next;
      if (!G.queue_head) G.queue_tail = NULL;
      run_turn(in);
      free(in->content);
      free(in->prompt);
      free(in->uuid);
      free(in);
      check_signals();
      if (G.exit_after >= 0) close_session(G.exit_after);
      continue;
    }
    if (G.stdin_eof) close_session(-1);
    read_stdin();
  }
}
